#pragma once
// The write path of a single node: this node's LMDB store, routing table and SIP directory.
#include <cstddef>

#include "modules/admin/write_path.hpp"

namespace gw::store {
class Store;
class WriteTxn;
}  // namespace gw::store
namespace gw::sip {
class RoutingTable;
}

namespace gw::admin {

class DirectorySync;
struct ChangeSet;

// The part of a change that is this node's own bookkeeping, whatever the write path: the
// attachment journal entries it settles and its import jobs, written in `txn`.
void writeNodeLocal(store::Store& store, store::WriteTxn& txn, const ChangeSet& change);

class LocalWritePath final : public WritePath {
 public:
  LocalWritePath(store::Store& store, sip::RoutingTable& routes, DirectorySync& directory)
      : store_(store), routes_(routes), directory_(directory) {}

  boost::asio::awaitable<Committed> commit(BuildChange build) override;

  // Start-up: the routing table and the directory from what is stored (before any commit).
  // Returns how many numbers are routed.
  size_t load();

 private:
  store::Store& store_;
  sip::RoutingTable& routes_;
  DirectorySync& directory_;
};

}  // namespace gw::admin
