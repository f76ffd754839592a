#pragma once
// GET /api/v1/cluster: the nodes that share the registry, as this node sees them.
//   cluster mode: {"mode":"cluster","nodeId","leader","revision","etcdReachable","nodes":[...]}
//     each node {"nodeId","publicSipUri","version","startedAt","appliedRevision","lag","live",
//     "goneSince" (not live only)}; lag is revision - appliedRevision, never below 0.
//   single mode (no etcd): {"mode":"single","nodeId","nodes":[this node]}
#include <string>

#include "cluster/membership.hpp"
#include "gateway/http/router.hpp"

namespace gw::cluster {

// The cluster variant; `membership` outlives the router.
void registerClusterRoutes(http::Router& router, Membership& membership);
// The single-node variant: `self` describes this node (its appliedRevision is not shown).
void registerSingleNodeRoute(http::Router& router, MemberInfo self);

// The bodies, for tests and for callers that render them elsewhere.
std::string clusterStatusJson(const ClusterStatus& status);
std::string singleNodeJson(const MemberInfo& self);

}  // namespace gw::cluster
