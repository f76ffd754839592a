#pragma once
// A ChangeSet's shared part (providers, agents, numbers, verifications) as etcd operations,
// in groups that must land in one transaction (a number with its SID and E.164 claims), and
// the packing of those groups into transactions within etcd's limits. The local part of a
// change (attachment journal, import jobs) is not here: it never leaves this node.
#include <cstddef>
#include <string>
#include <vector>

#include "cluster/etcd_client.hpp"
#include "cluster/keyspace.hpp"
#include "modules/admin/change_set.hpp"

namespace gw::store {
class ReadView;
class SecretBox;
class Store;
}  // namespace gw::store

namespace gw::cluster {

// Operations that go in one transaction together, with the compares they need (a new
// number's claims absent).
struct OpGroup {
  std::vector<Compare> compares;
  std::vector<Op> ops;
  size_t bytes = 0;  // an estimate of the request's size (base64 and JSON included)
};

// In the order the replica applies them without a reference broken in between, the order
// LocalWritePath writes: providers, agents, new numbers, changed numbers, removed numbers,
// removed agents, removed providers (with their verifications), verifications. `view` is
// the one the change was built from: a changed number's claims follow its old SID or E.164
// number when they change. `box` seals the providers' auth tokens (null: clear text).
std::vector<OpGroup> opsOf(const admin::ChangeSet& change, const Keyspace& keys,
                           const store::Store& store, const store::ReadView& view,
                           const store::SecretBox* box);

struct TxnLimits {
  size_t maxOps = 128;          // per branch and for the compares
  size_t maxBytes = 1 << 20;    // per request
  size_t reservedOps = 3;       // the fence, the lock's put and delete
  size_t reservedCompares = 2;  // the fence, the lock
};

// Packs groups into chunks, in order, each within `limits`; a group is never split.
std::vector<OpGroup> chunk(std::vector<OpGroup> groups, const TxnLimits& limits);

// The size estimate of one operation or compare as the JSON gateway sends it.
size_t wireBytes(const Op& op);
size_t wireBytes(const Compare& c);

}  // namespace gw::cluster
