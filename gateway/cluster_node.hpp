#pragma once
// The cluster side of gatewayd, built only when --etcd-endpoints is set (docs/cluster.md):
// the etcd client, this node's replica of the shared registry, the cluster's write path and
// membership. A single node has none of it.
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "cluster/cluster_idempotency.hpp"
#include "cluster/cluster_write_path.hpp"
#include "cluster/etcd_client.hpp"
#include "cluster/membership.hpp"
#include "cluster/replica.hpp"
#include "gateway/config.hpp"
#include "gateway/health.hpp"
#include "gateway/http/router.hpp"

namespace gw::admin {
class DirectorySync;
}
namespace gw::twilio {
class Api;
}

namespace gw::gateway {

class ClusterNode {
 public:
  ClusterNode(boost::asio::io_context& io, const Config& config, store::Store& store,
              sip::RoutingTable& routes, admin::DirectorySync& directory, twilio::Api& twilio);

  admin::WritePath& writes() { return writes_; }
  // Idempotency-Key answers, shared with the other nodes through etcd.
  admin::IdempotencyStore& idempotency() { return idempotency_; }
  // Start-up, before start(): routes and directory from this node's replica in LMDB.
  size_t load() { return replica_.load(); }
  // Once the loop runs: the watch, registration, the campaign for leadership.
  void start();
  // SIGTERM: leaves the cluster (the lease revoked, so leadership moves at once).
  boost::asio::awaitable<void> stop();

  // GET /api/v1/cluster, and the revision header on every successful GET of the API.
  void registerRoutes(http::Router& router);
  WriteReadiness writeReadiness() const;
  // Whether this node leads the cluster: the leader alone does the cluster-wide background
  // work (trunk origination URLs, periodic provider verification).
  bool leading() const { return membership_.leading(); }

 private:
  const Config& config_;
  cluster::EtcdClient etcd_;
  cluster::Replica replica_;
  cluster::ClusterWritePath writes_;
  cluster::Membership membership_;
  cluster::EtcdIdempotencyStore idempotency_;
};

// GET /api/v1/cluster of a single node (no --etcd-endpoints): this node is the whole cluster.
void registerSingleNodeRoute(http::Router& router, const Config& config);

}  // namespace gw::gateway
