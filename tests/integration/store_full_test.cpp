// A full store through the real API of a real gatewayd (--store-map-size 1MiB): writes are
// answered 507 problem+json saying what to do (once a generic 500 with "Input/output
// error" in the log), nothing half-written remains, routing is unchanged, the cause is
// logged once, and deleting data makes room again.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/gateway_fixture.hpp"

namespace gw::integration {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

size_t occurrences(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class StoreFullTest : public GatewayTest {
 protected:
  HttpResponse postAgent(GatewayProcess& gw, int i) {
    std::string name = "Agent " + std::to_string(i) + " " + std::string(80, 'x');
    std::string uri = "sip:agent-" + std::to_string(i) + "-" + std::string(60, 'a') +
                      "@10.0.0.5:5070;transport=tcp";
    return call(gw, "POST", "/api/v1/agents", objectBody({{"name", name}, {"sipUri", uri}}));
  }
  int64_t agentCount(GatewayProcess& gw) {
    return intMember(parseJson(call(gw, "GET", "/api/v1/agents?take=1").body), "totalCount")
        .value_or(-1);
  }
  std::string explain(GatewayProcess& gw, const std::string& e164) {
    auto resp = call(gw, "GET",
                     "/api/v1/routes/explain?to=" + urlEncode(e164) + "&source=10.99.0.1");
    return resp.describe();
  }
};

TEST_F(StoreFullTest, AnswersInsufficientStorageChangesNothingAndRecoversAfterDeletes) {
  GatewayOptions go;
  go.extraArgs = {"--store-map-size", "1MiB", "--sip-trusted-cidr", "10.99.0.0/16"};
  auto s = startWithProvider(3, go);
  auto& gw = *s.gateway;
  ASSERT_EQ(importNumbers(gw, s.providerId, {s.numbers[0].sid}).successCount, 1);
  std::string numberId = allNumbers(gw).at(0).id;
  auto first = postAgent(gw, 0);
  ASSERT_EQ(first.status, 201) << first.describe();
  std::string firstAgent = stringMember(parseJson(first.body), "id").value_or("");
  ASSERT_EQ(call(gw, "PUT",
                 "/api/v1/sip-phone-numbers/" + numberId + "/agent-link?agentId=" + firstAgent)
                .status,
            200);
  const std::string routingBefore = explain(gw, s.numbers[0].phoneNumber);

  std::vector<std::string> created;
  HttpResponse full;
  for (int i = 1; i < 50'000; ++i) {
    full = postAgent(gw, i);
    if (full.status != 201) break;
    created.push_back(stringMember(parseJson(full.body), "id").value_or(""));
  }

  ASSERT_EQ(full.status, 507) << full.describe();
  EXPECT_THAT(full.header("Content-Type").value_or(""), StartsWith("application/problem+json"));
  auto problem = parseJson(full.body);
  EXPECT_THAT(stringMember(problem, "detail").value_or(""), HasSubstr("The store is full"));
  EXPECT_THAT(stringMember(problem, "detail").value_or(""), HasSubstr("--store-map-size"));
  ASSERT_GT(created.size(), 100u);

  // Nothing half-written: every write is refused the same way, earlier data is intact.
  const int64_t stored = static_cast<int64_t>(created.size()) + 1;
  EXPECT_EQ(postAgent(gw, -1).status, 507);
  EXPECT_EQ(call(gw, "PATCH", "/api/v1/agents/" + firstAgent, R"({"name":"Renamed"})").status,
            507);
  auto import = postImport(gw, s.providerId, {s.numbers[1].sid, s.numbers[2].sid});
  EXPECT_EQ(import.status, 507) << import.describe();
  EXPECT_EQ(agentCount(gw), stored);
  EXPECT_EQ(allNumbers(gw).size(), 1u);
  auto agent = parseJson(call(gw, "GET", "/api/v1/agents/" + firstAgent).body);
  EXPECT_THAT(stringMember(agent, "name").value_or(""), StartsWith("Agent 0 "));
  EXPECT_EQ(explain(gw, s.numbers[0].phoneNumber), routingBefore);
  EXPECT_EQ(explain(gw, s.numbers[1].phoneNumber),
            explain(gw, s.numbers[1].phoneNumber));  // answered, not crashed
  EXPECT_EQ(occurrences(gw.output(), "refused with 507"), 1u) << redact(gw.output());
  EXPECT_THAT(gw.output(), ::testing::Not(HasSubstr("Input/output error")));

  // Deletes work in a full store, and once half is gone writes work again.
  for (size_t i = 0; i < created.size() / 2; ++i) {
    ASSERT_EQ(call(gw, "DELETE", "/api/v1/agents/" + created[i]).status, 204);
  }
  auto again = postAgent(gw, -2);
  EXPECT_EQ(again.status, 201) << again.describe();
  EXPECT_EQ(importNumbers(gw, s.providerId, {s.numbers[1].sid}).successCount, 1);
  EXPECT_EQ(explain(gw, s.numbers[0].phoneNumber), routingBefore);
}

}  // namespace
}  // namespace gw::integration
