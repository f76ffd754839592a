#pragma once
// The write path of a cluster node (modules/admin/write_path.hpp): a ChangeSet becomes etcd
// transactions, and commit() returns once this node's replica has applied them, so an API
// that answers after commit() reads its own write on this node.
//
//   1. wait until the replica has applied what the last refused attempt saw;
//   2. build the change against the replica (LMDB), which reflects revision R;
//   3. the shared part (providers, agents, numbers, verifications) becomes one transaction
//      when it fits (at most 128 operations and about 1 MiB), compared on
//        - the fence key's mod revision <= R: nothing was written since what build read,
//        - the lock key absent (or ours), and
//        - each new number's SID and E.164 claim absent;
//      and putting the fence. Refused: back to 1 (build runs again and sees the winner's
//      write; an import then reports "Already imported"). A change that does not fit in one
//      transaction takes the cluster's lock (under this node's lease) for its chunks;
//   4. wait until the replica has applied the last transaction's revision;
//   5. write this node's own part (attachment journal, import jobs) to LMDB.
//
// etcd unreachable: commit() throws admin::WriteUnavailableError and nothing was changed.
// A transaction whose answer was lost is resolved through the fence (each transaction puts
// its own value there): found, the commit goes on; the fence unchanged, it is retried; a later
// write over it leaves the outcome unknown, which WriteUnavailableError says.
// store::StoreError instead when: a claim refused the change and nothing was committed since
// the build read (building again cannot help); other nodes kept winning for retryFor; or a
// chunk after the first was refused (a claim, or the lock lost with this node's lease): the
// chunks before it stay committed, the error says "partly applied", and the lock is released.
// Control thread only; commits of one node run one at a time.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "cluster/etcd_client.hpp"
#include "cluster/keyspace.hpp"
#include "modules/admin/write_path.hpp"

namespace gw::store {
class Store;
}

namespace gw::cluster {

class Replica;

struct ClusterWriteOptions {
  size_t maxOpsPerTxn = 128;                       // etcd's --max-txn-ops default
  size_t maxBytesPerTxn = 1 << 20;                 // below etcd's 1.5 MiB request limit
  std::chrono::milliseconds applyTimeout{10'000};  // waiting for the replica to apply
  std::chrono::milliseconds retryFor{10'000};      // refused attempts (conflicts, the lock)
};

struct ClusterWriteStats {
  uint64_t commits = 0;
  uint64_t transactions = 0;
  uint64_t conflicts = 0;  // refused attempts that ran build again
  uint64_t unavailable = 0;
};

class ClusterWritePath final : public admin::WritePath {
 public:
  // `lease`: this node's lease (0 until membership has one), for the lock.
  ClusterWritePath(store::Store& store, Replica& replica, EtcdClient& etcd, Keyspace keys,
                   std::string nodeId, ClusterWriteOptions options = {});
  ~ClusterWritePath() override;

  boost::asio::awaitable<admin::Committed> commit(admin::BuildChange build) override;
  bool available() const override;
  void setLease(int64_t lease);
  ClusterWriteStats stats() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gw::cluster
