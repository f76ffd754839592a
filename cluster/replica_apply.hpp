#pragma once
// The replica's writes (replica.hpp): etcd's data/ records -> the LMDB store, the routing
// table and the SIP directory. Applier applies one watch batch in one transaction; Resync
// compares a snapshot, page by page, with what is stored and swaps the difference in.
// Control thread only.
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "cluster/etcd_client.hpp"
#include "cluster/keyspace.hpp"
#include "common/uuid.hpp"
#include "sip/routing_table.hpp"
#include "store/records.hpp"

namespace gw::store {
class Store;
class WriteTxn;
}  // namespace gw::store
namespace gw::admin {
class DirectorySync;
}

namespace gw::cluster {

// Records to write, decoded, at most one entry per key.
struct RecordChanges {
  std::vector<store::Provider> providersPut;
  std::vector<store::Agent> agentsPut;
  std::vector<store::PhoneNumber> numbersPut;
  std::vector<std::string> numbersDeleted;
  std::vector<std::string> agentsDeleted;
  std::vector<std::string> providersDeleted;
  std::vector<store::Verification> verificationsPut;
  std::vector<std::string> verificationsDeleted;

  size_t size() const;
  bool touchesDirectory() const {
    return !providersPut.empty() || !agentsPut.empty() || !providersDeleted.empty() ||
           !agentsDeleted.empty();
  }
};

// What the routing table must do once the transaction committed.
struct RouteChanges {
  std::vector<sip::Route> upserts;
  std::vector<uint64_t> erases;
  void erase(const std::string& e164);
  void upsert(const store::PhoneNumber& number);
  void applyTo(sip::RoutingTable& routes);  // erases of keys also upserted are dropped
};

class Applier {
 public:
  Applier(boost::asio::io_context& io, store::Store& store, sip::RoutingTable& routes,
          admin::DirectorySync& directory, const Keyspace& keys);

  // The routing table and the directory from the store (start-up). Returns how many route.
  size_t load();
  // Decodes the batch, writes it with its revision in one transaction, then routes and
  // publishes. Returns how many events were applied. Throws what decoding or the store
  // threw (store::SecretError: this node's master key cannot open a provider), having
  // changed nothing.
  size_t apply(const WatchBatch& batch);

  // Writes `changes` in an order the store accepts, collecting the routes' changes.
  void write(store::WriteTxn& txn, const RecordChanges& changes, RouteChanges& routes);
  // After a commit: routes, then the directory when agents or providers changed.
  void publish(RouteChanges& routes, const RecordChanges& changes);
  void publishDirectory(const std::vector<store::Agent>& changedAgents);

  store::Store& store() { return store_; }
  sip::RoutingTable& routesTable() { return routes_; }
  const Keyspace& keys() const { return keys_; }
  // Decodes one data/ value into `changes` (a put) or records its deletion.
  void decodeInto(RecordChanges& changes, const Keyspace::Parsed& what, bool isDelete,
                  const std::string& value) const;

 private:
  boost::asio::io_context& io_;
  store::Store& store_;
  sip::RoutingTable& routes_;
  admin::DirectorySync& directory_;
  Keyspace keys_;
};

// A resync: page() each page of the snapshot in key order, then finish() with the snapshot's
// revision. Only the records that differ from the store are kept in memory, with the ids
// seen; when they grow large they are written ahead (without the revision), so that a node
// syncing a million numbers into an empty store does not hold them all.
class Resync {
 public:
  explicit Resync(Applier& applier) : applier_(applier) {}
  void page(const std::vector<KeyValue>& kvs);
  // One transaction: what is left to write, every stored record the snapshot does not hold
  // removed, and the revision. Then routes and the directory.
  void finish(int64_t revision);
  std::string summary() const;

 private:
  void flush();
  bool seenNumber(const std::string& id) const;

  Applier& applier_;
  RecordChanges pending_;
  std::vector<store::Agent> agentsWritten_;  // changed agents already flushed
  bool directoryTouched_ = false;
  std::vector<UuidBytes> numberIds_;  // seen, in key order (sorted) when they are UUIDs
  bool numberIdsSorted_ = true;
  std::unordered_set<std::string> otherNumberIds_;  // seen ids that are not UUIDs
  std::unordered_set<std::string> agentIds_, providerIds_, verificationIds_;
  size_t changed_ = 0;
  size_t removed_ = 0;
};

}  // namespace gw::cluster
