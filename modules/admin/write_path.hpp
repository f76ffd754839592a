#pragma once
// The one write path of the admin state. Every mutation (a provider created or deleted, a
// number imported, linked or deleted, an agent created, changed or deleted) is one
// ChangeSet handed to WritePath::commit(), which
//   1. commits it to the store,
//   2. applies it to the routing table (numbers added, relinked or removed),
//   3. publishes the SIP directory when agents or providers changed,
// in that order, and returns only then, so an API answers after all three. No other code
// changes the routing table or publishes the directory.
//
// This is the seam of a cluster: LocalWritePath commits to this node's LMDB; a registry
// shared by several nodes implements the same interface (its commit is a transaction that
// compares what the build function read).
#include <functional>

#include <boost/asio/awaitable.hpp>

#include "modules/admin/change_set.hpp"
#include "store/store.hpp"

namespace gw::store {
class ReadView;
}

namespace gw::admin {

// Fills `change` from what is stored now, seen through `view`. Called inside the commit
// (by LocalWritePath in its write transaction), so what it read cannot change before the
// change is stored. It may be called more than once (an implementation that commits
// optimistically calls it again when what it read changed), so it only reads the view and
// fills the change, and resets whatever it reports to its caller each time. A change left
// empty commits nothing and applies nothing: a build function that finds a reason to
// refuse records it and returns.
using BuildChange = std::function<void(const store::ReadView& view, ChangeSet& change)>;

struct Committed {
  bool changed = false;  // false: the build function left the change empty
  int64_t revision = 0;  // a cluster's revision of the change (0 on a single node)
};

// The store that holds the shared state cannot be reached (a cluster's etcd): nothing was
// changed. A StoreError, so every caller that undoes its work on a store failure does so.
class WriteUnavailableError : public store::StoreError {
 public:
  using store::StoreError::StoreError;
};
inline constexpr char kWritesUnavailable[] =
    "The cluster store (etcd) cannot be reached from this node, so nothing was changed.";

class WritePath {
 public:
  virtual ~WritePath() = default;
  // Throws what the store throws (store::StoreFullError when the data does not fit,
  // store::StoreError): then nothing is changed anywhere. Control thread only.
  virtual boost::asio::awaitable<Committed> commit(BuildChange build) = 0;
  // Whether a commit can succeed now, as far as this node knows (a cluster node: etcd
  // answered recently). A write that would call Twilio first checks it, so an unreachable
  // cluster store refuses the write before anything is done.
  virtual bool available() const { return true; }
};

}  // namespace gw::admin
