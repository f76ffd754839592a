#pragma once
// This node's replica of the cluster's shared state: etcd's data/ keys (keyspace.hpp)
// applied, in revision order, to the LMDB store, the routing table and the SIP directory.
// The last applied revision is stored in the same LMDB transaction as the change it
// completes (Store::clusterRevision), so a restarted node resumes its watch right after
// it. When etcd has compacted past that revision the replica resyncs: it reads every data/
// key at one revision and swaps it in, as a difference (records added, replaced, removed),
// so no known number stops routing at any moment.
//
// While etcd cannot be reached the replica keeps what it has (every known number routes)
// and retries; when etcd returns it resumes and converges without a restart.
//
// Control thread only.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "cluster/etcd_client.hpp"
#include "cluster/keyspace.hpp"

namespace gw::store {
class Store;
}
namespace gw::sip {
class RoutingTable;
}
namespace gw::admin {
class DirectorySync;
}

namespace gw::cluster {

struct ReplicaStats {
  int64_t appliedRevision = 0;
  uint64_t batchesApplied = 0;
  uint64_t eventsApplied = 0;
  uint64_t resyncs = 0;
  bool watching = false;  // the watch stream is up
  std::string lastError;  // why the last watch or resync failed; empty after success
};

class Replica {
 public:
  Replica(boost::asio::io_context& io, store::Store& store, sip::RoutingTable& routes,
          admin::DirectorySync& directory, EtcdClient& etcd, Keyspace keys);
  ~Replica();

  // Start-up, before start(): the routing table and the directory from LMDB, as a single
  // node does. Returns how many numbers route.
  size_t load();
  // Watches from appliedRevision() + 1 (a resync first when the store has never been
  // synced), for ever: resync on compaction, retry with backoff while etcd is unreachable.
  void start();
  void stop();

  int64_t appliedRevision() const;
  // True once appliedRevision() >= revision; false when `timeout` passed first.
  boost::asio::awaitable<bool> waitApplied(int64_t revision, std::chrono::milliseconds timeout);
  // Catches up with etcd's current revision (a range read for it, then waitApplied): used at
  // start-up so a node serves what the cluster has. False on timeout or etcd unreachable.
  boost::asio::awaitable<bool> catchUp(std::chrono::milliseconds timeout);

  // Applies one batch of events in one LMDB transaction with its revision, then routes and
  // publishes. Batches at or below appliedRevision() are skipped. Exposed for tests.
  void apply(const WatchBatch& batch);
  // Reads every data/ key at one revision and swaps it in. Exposed for tests.
  boost::asio::awaitable<EtcdResult<int64_t>> resync();

  ReplicaStats stats() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gw::cluster
