#pragma once
// GET /readyz and GET /metrics on the admin listener: what they read and their routes.
// Both handlers run on the control thread.
#include <functional>

#include "gateway/health.hpp"
#include "gateway/http/router.hpp"
#include "gateway/metrics_page.hpp"

namespace gw::gateway {

// What the two routes read; all of it must outlive the router.
struct OperabilitySources {
  MetricsSources metrics;
  const bool& routesLoaded;
  // Whether admin writes can succeed (a cluster node: etcd reachable). Empty: always.
  std::function<WriteReadiness()> writes;
};

// GET /readyz (no token, like /healthz) and GET /metrics (a token of an org that
// --metrics-orgs names: auth.cpp).
void registerOperability(http::Router& router, OperabilitySources sources);

}  // namespace gw::gateway
