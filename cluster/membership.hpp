#pragma once
// Cluster membership and the leader's work.
//
// Each node registers {nodeId, publicSipUri, version, startedAt, appliedRevision} under
// P nodes/<nodeId> with a lease (--etcd-lease-ttl, default 10 s) that it keeps alive, and
// a lasting copy under P members/<nodeId>. One node leads: it holds P leader under its
// lease (a transaction that puts it only while it is absent); when the leader's lease
// ends another node takes it.
//
// The leader keeps every provider's Twilio trunk origination URLs equal to the live nodes'
// public SIP URIs: a node's URL is added when it joins, and removed (with its members/ key)
// once it has been gone longer than the grace period (--cluster-grace, default 5 min). The
// last URL of a trunk is never removed. URLs that are no node's are left alone.
//
// Control thread only.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "cluster/etcd_client.hpp"
#include "cluster/keyspace.hpp"

namespace gw::store {
class Store;
}
namespace gw::twilio {
class Api;
}

namespace gw::cluster {

struct MemberInfo {
  std::string nodeId;
  std::string publicSipUri;
  std::string version;
  int64_t startedAtMs = 0;
  int64_t appliedRevision = 0;  // as last reported by the node
  int64_t reportedAtMs = 0;
  bool live = true;         // its lease is alive
  int64_t goneSinceMs = 0;  // !live: since when the leader has missed it
};

struct MembershipOptions {
  std::chrono::seconds leaseTtl{10};
  std::chrono::milliseconds grace{5 * 60'000};
  std::chrono::milliseconds reconcileEvery{2'000};  // the leader's round
};

struct ClusterStatus {
  std::string nodeId;    // this node
  std::string leader;    // empty: none known
  int64_t revision = 0;  // etcd's current revision (0: unreachable)
  // The revision of the registry's last write (the fence's): what a node that has applied
  // everything has applied. Membership's own writes move `revision`, not this.
  int64_t registryRevision = 0;
  bool etcdReachable = false;
  std::vector<MemberInfo> nodes;  // live and remembered members, by node id
};

class Membership {
 public:
  // `appliedRevision` tells the revision this node's replica has applied (in the gateway:
  // Replica::appliedRevision), reported with every renewal so status() can show each
  // node's lag. `store` is read for the providers whose trunks the leader keeps.
  Membership(boost::asio::io_context& io, EtcdClient& etcd, Keyspace keys, MemberInfo self,
             MembershipOptions options, const store::Store& store, twilio::Api& twilio,
             std::function<int64_t()> appliedRevision);
  // Stops the loops without revoking the lease: to the others the node is gone once its
  // lease ends (as if it had crashed). Call stop() first to leave cleanly.
  ~Membership();

  // Registers, keeps the lease alive (registering again with a new lease when it was lost),
  // campaigns for leadership and, while leading, reconciles the trunks' origination URLs.
  void start();
  // Leaves cleanly: the lease is revoked, so the node's key and leadership go at once.
  boost::asio::awaitable<void> stop();

  int64_t lease() const;  // 0 while none is held
  bool leading() const;
  boost::asio::awaitable<ClusterStatus> status();

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;  // shared with the loops, which may outlive it by a step
};

}  // namespace gw::cluster
