#include "gateway/operability.hpp"

#include <exception>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "common/metrics.hpp"
#include "gateway/health.hpp"
#include "gateway/metrics_page.hpp"
#include "sip/server.hpp"
#include "store/store.hpp"

namespace gw::gateway {
namespace asio = boost::asio;

namespace {

std::vector<ReadinessCheck> readinessChecks(const OperabilitySources& s) {
  std::vector<ReadinessCheck> checks;
  ReadinessCheck store{"store", true, {}};
  try {
    (void)s.metrics.store.spaceUsage();  // a read transaction: the environment is open and readable
  } catch (const std::exception& e) {
    store = {"store", false, std::string("the store cannot be read: ") + e.what()};
  }
  checks.push_back(std::move(store));
  if (s.routesLoaded) {
    checks.push_back({"routingTable", true, {}});
  } else {
    checks.push_back({"routingTable", false, "the routing table is not loaded from the store yet"});
  }
  if (s.metrics.sip && s.metrics.sip->listening()) {
    checks.push_back({"sip", true, {}});
  } else {
    checks.push_back({"sip", false, "the SIP listener is not running (starting or stopping)"});
  }
  return checks;
}

}  // namespace

void registerOperability(http::Router& router, OperabilitySources s) {
  router.add("GET", "/readyz", [s](http::Request&) -> asio::awaitable<http::Response> {
    auto [status, body] =
        readinessJson(readinessChecks(s), s.writes ? s.writes() : WriteReadiness{});
    co_return http::Response::json(status, std::move(body));
  });
  router.add("GET", "/metrics", [s](http::Request&) -> asio::awaitable<http::Response> {
    http::Response r;
    r.status = 200;
    r.body = renderMetrics(s.metrics);
    r.set("Content-Type", std::string(metrics::kContentType));
    co_return r;
  });
}

}  // namespace gw::gateway
