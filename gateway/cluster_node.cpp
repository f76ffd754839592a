#include "gateway/cluster_node.hpp"

#include <string>

#include "cluster/cluster_api.hpp"
#include "common/clock.hpp"
#include "common/log.hpp"
#include "gateway/version.hpp"

namespace gw::gateway {
namespace asio = boost::asio;

namespace {

cluster::EtcdOptions etcdOptions(const Config& config) {
  cluster::EtcdOptions o;
  o.endpoints = config.etcdEndpoints;
  return o;
}

cluster::MemberInfo self(const Config& config) {
  cluster::MemberInfo m;
  m.nodeId = config.effectiveNodeId();
  m.publicSipUri = config.effectivePublicSipUri();
  m.version = kVersion;
  m.startedAtMs = nowUnixMillis();
  return m;
}

cluster::MembershipOptions membershipOptions(const Config& config) {
  cluster::MembershipOptions o;
  o.leaseTtl = std::chrono::seconds(config.etcdLeaseTtlMs / 1000);
  o.grace = std::chrono::milliseconds(config.clusterGraceMs);
  return o;
}

}  // namespace

ClusterNode::ClusterNode(asio::io_context& io, const Config& config, store::Store& store,
                         sip::RoutingTable& routes, admin::DirectorySync& directory,
                         twilio::Api& twilio)
    : config_(config),
      etcd_(io, etcdOptions(config)),
      replica_(io, store, routes, directory, etcd_, cluster::Keyspace(config.etcdPrefix)),
      writes_(store, replica_, etcd_, cluster::Keyspace(config.etcdPrefix),
              config.effectiveNodeId()),
      membership_(io, etcd_, cluster::Keyspace(config.etcdPrefix), self(config),
                  membershipOptions(config), store, twilio,
                  [this] { return replica_.appliedRevision(); }),
      idempotency_(io, etcd_, cluster::Keyspace(config.etcdPrefix), config.effectiveNodeId(),
                   [this] { return membership_.lease(); }) {}

void ClusterNode::start() {
  log::info("cluster", "node ", config_.effectiveNodeId(), " joining the cluster at ",
            config_.etcdEndpoints.front(),
            (config_.etcdEndpoints.size() > 1 ? " (and others)" : ""), ", prefix ",
            config_.etcdPrefix, ", from revision ", replica_.appliedRevision());
  replica_.start();
  membership_.start();
}

asio::awaitable<void> ClusterNode::stop() {
  co_await membership_.stop();
  replica_.stop();
}

WriteReadiness ClusterNode::writeReadiness() const {
  if (writes_.available()) return {};
  std::string why = etcd_.lastFailure();
  return {false, "etcd (" + config_.etcdEndpoints.front() +
                     (config_.etcdEndpoints.size() > 1 ? " and the other endpoints" : "") +
                     ") cannot be reached" + (why.empty() ? "" : ": " + why) +
                     ". Writes answer 503 until it is back; calls keep being routed."};
}

void ClusterNode::registerRoutes(http::Router& router) {
  cluster::registerClusterRoutes(router, membership_);
  // Reads are served from this node's replica: they say which revision they reflect.
  router.setDecorator([this](const http::Request& req, http::Response& r) {
    if ((req.method != "GET" && req.method != "HEAD") || r.status != 200 ||
        req.path.rfind("/api/v1/", 0) != 0) {
      return;
    }
    r.set("Gateway-Revision", std::to_string(replica_.appliedRevision()));
  });
}

void registerSingleNodeRoute(http::Router& router, const Config& config) {
  cluster::registerSingleNodeRoute(router, self(config));
}

}  // namespace gw::gateway
