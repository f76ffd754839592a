// The pieces of GET /readyz and GET /metrics that need no running gateway: the readiness
// body for each combination of checks, and the admin request figures.
#include <gtest/gtest.h>

#include <chrono>

#include "common/metrics.hpp"
#include "gateway/admin_metrics.hpp"
#include "gateway/health.hpp"

namespace gw::gateway {
namespace {

TEST(ReadinessTest, AllReadyIs200) {
  auto [status, body] = readinessJson({{"store", true, {}}, {"sip", true, {}}});
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body,
            R"({"status":"ready","writes":"available","checks":{"store":"ready","sip":"ready"}})");
}

TEST(ReadinessTest, UnreachableClusterStoreLeavesTheNodeReadyWithoutWrites) {
  auto [status, body] =
      readinessJson({{"store", true, {}}, {"sip", true, {}}}, {false, "etcd is unreachable"});
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body, R"({"status":"ready","writes":"unavailable","writesDetail":"etcd is )"
                  R"(unreachable","checks":{"store":"ready","sip":"ready"}})");
}

TEST(ReadinessTest, NotReadyIs503NamingEachFailedCheck) {
  auto [status, body] = readinessJson({{"store", true, {}},
                                       {"routingTable", false, "not loaded"},
                                       {"sip", false, "the SIP listener is \"stopping\""}});
  EXPECT_EQ(status, 503);
  EXPECT_EQ(body,
            R"({"status":"not ready","notReady":[{"check":"routingTable","detail":"not loaded"},)"
            R"({"check":"sip","detail":"the SIP listener is \"stopping\""}],"writes":"available",)"
            R"("checks":{"store":"ready","routingTable":"not ready","sip":"not ready"}})");
}

TEST(AdminMetricsTest, CountsByRouteMethodStatusWithBoundedLabels) {
  AdminMetrics m;
  using std::chrono::milliseconds;
  m.record("GET", "/api/v1/agents/{id}", 200, milliseconds(2));
  m.record("GET", "/api/v1/agents/{id}", 200, milliseconds(3));
  m.record("GET", "/api/v1/agents/{id}", 404, milliseconds(1));
  m.record("BREW", "", 404, milliseconds(1));  // a made-up method on no route
  metrics::Exposition out;
  m.write(out);
  const std::string& t = out.text();
  EXPECT_NE(t.find("gateway_admin_requests_total{route=\"/api/v1/agents/{id}\",method=\"GET\","
                   "status=\"200\"} 2\n"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("gateway_admin_requests_total{route=\"/api/v1/agents/{id}\",method=\"GET\","
                   "status=\"404\"} 1\n"),
            std::string::npos)
      << t;
  EXPECT_NE(
      t.find("gateway_admin_requests_total{route=\"none\",method=\"other\",status=\"404\"} 1\n"),
      std::string::npos)
      << t;
  EXPECT_EQ(t.find("BREW"), std::string::npos);
  EXPECT_NE(t.find("gateway_admin_request_duration_seconds_count{route=\"/api/v1/agents/{id}\","
                   "method=\"GET\"} 3\n"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("gateway_admin_request_duration_seconds_bucket{route=\"/api/v1/agents/{id}\","
                   "method=\"GET\",le=\"0.0025\"} 2\n"),
            std::string::npos)
      << t;
}

}  // namespace
}  // namespace gw::gateway
