// What a tenant can send the admin API, against the real gatewayd: bodies nested deeply
// enough to overflow the control thread's stack in a recursive parser (once a SIGSEGV that
// took SIP routing down for every org), text that is not UTF-8 (once stored, after which
// GET /api/v1/agents was no longer JSON), and HEAD (once 405 wherever GET exists).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/gateway_fixture.hpp"

namespace gw::integration {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class AdminInputTest : public GatewayTest {
 protected:
  void expectProblem(const HttpResponse& resp, long status, const std::string& detailPart) {
    EXPECT_EQ(resp.status, status) << resp.describe();
    EXPECT_THAT(resp.header("Content-Type").value_or(""), StartsWith("application/problem+json"));
    auto doc = parseJson(resp.body);
    EXPECT_THAT(stringMember(doc, "detail").value_or(""), HasSubstr(detailPart));
  }
  void expectAlive(GatewayProcess& gw) {
    ASSERT_TRUE(gw.running()) << "gatewayd died: " << redact(gw.output());
    EXPECT_EQ(call(gw, "GET", "/healthz", std::nullopt, "").status, 200);
  }
  std::string createAgent(GatewayProcess& gw, const std::string& name) {
    auto resp = call(gw, "POST", "/api/v1/agents",
                     objectBody({{"name", name}, {"sipUri", "sip:desk@10.0.0.5:5070"}}));
    if (resp.status != 201) throw std::runtime_error("agent not created: " + resp.describe());
    return stringMember(parseJson(resp.body), "id").value_or("");
  }
};

TEST_F(AdminInputTest, RefusesDeeplyNestedBodiesOnEveryJsonEndpointAndStaysUp) {
  auto s = startWithProvider(1);
  auto& gw = *s.gateway;
  std::string agentId = createAgent(gw, "Front desk");
  const std::string deep(200'000, '[');
  const std::string deepInMember = R"({"name":)" + deep;
  const std::vector<std::pair<std::string, std::string>> endpoints = {
      {"POST", "/api/v1/agents"},
      {"PATCH", "/api/v1/agents/" + agentId},
      {"POST", "/api/v1/providers/twilio"},
      {"PUT", "/api/v1/providers/twilio/" + s.providerId},
      {"POST", "/api/v1/providers/twilio/" + s.providerId + "/import-numbers"},
  };
  for (const auto& [method, path] : endpoints) {
    for (const std::string& body : {deep, deepInMember}) {
      SCOPED_TRACE(method + " " + path);
      auto resp = call(gw, method, path, body);
      expectProblem(resp, 400, "nests arrays and objects deeper than 64 levels");
      expectAlive(gw);
    }
  }
  // Nothing changed.
  auto agent = parseJson(call(gw, "GET", "/api/v1/agents/" + agentId).body);
  EXPECT_EQ(stringMember(agent, "name"), "Front desk");
  EXPECT_EQ(intMember(parseJson(call(gw, "GET", "/api/v1/agents").body), "totalCount"), 1);
  EXPECT_TRUE(allNumbers(gw).empty());
}

TEST_F(AdminInputTest, RefusesNamesThatAreNotUtf8AndKeepsListingsJson) {
  auto& gw = startGateway({.twilioUrl = "http://127.0.0.1:9"});
  std::string agentId = createAgent(gw, "Caf\xC3\xA9");
  const std::vector<std::string> badNames = {
      "\"bad \xFF name\"", "\"\xC0\xAF\"", "\"\xED\xA0\x80\"", R"("lone \uDC00 surrogate")"};
  for (const std::string& name : badNames) {
    SCOPED_TRACE(name);
    auto post = call(gw, "POST", "/api/v1/agents",
                     R"({"name":)" + name + R"(,"sipUri":"sip:desk@10.0.0.5"})");
    expectProblem(post, 400, "not valid UTF-8");
    auto patch = call(gw, "PATCH", "/api/v1/agents/" + agentId, R"({"name":)" + name + "}");
    expectProblem(patch, 400, "not valid UTF-8");
  }
  auto list = call(gw, "GET", "/api/v1/agents");
  ASSERT_EQ(list.status, 200) << list.describe();
  auto doc = parseJson(list.body);  // throws when the listing is not JSON
  EXPECT_EQ(intMember(doc, "totalCount"), 1);
  EXPECT_EQ(stringMember(doc["items"][0], "name"), "Caf\xC3\xA9");
}

TEST_F(AdminInputTest, RefusesQueryAndPathTextThatIsNotUtf8) {
  auto& gw = startGateway({.twilioUrl = "http://127.0.0.1:9"});
  for (const char* path : {"/api/v1/routes/explain?to=%2B14155550100&source=10.0.0.1&from=%FF",
                           "/api/v1/sip-phone-numbers?phoneNumber=%C0%AF",
                           "/api/v1/agents/%ED%A0%80"}) {
    SCOPED_TRACE(path);
    auto resp = call(gw, "GET", std::string(path));
    expectProblem(resp, 400, "not valid UTF-8");
  }
  // Echoed text outside any handler (a 404 names the path) stays JSON as well.
  auto notFound = call(gw, "GET", "/api/v1/nothing%FF%FE");
  EXPECT_EQ(notFound.status, 404);
  EXPECT_NO_THROW(parseJson(notFound.body)) << notFound.describe();
}

TEST_F(AdminInputTest, AnswersHeadLikeGetWithoutBody) {
  auto& gw = startGateway({.twilioUrl = "http://127.0.0.1:9"});
  std::string agentId = createAgent(gw, "Front desk");
  for (const std::string& path :
       std::vector<std::string>{"/healthz", "/api/v1/agents", "/api/v1/agents/" + agentId,
                                "/api/v1/providers", "/api/v1/agents/" + randomUuid()}) {
    SCOPED_TRACE(path);
    auto get = call(gw, "GET", path);
    auto head = call(gw, "HEAD", path);
    EXPECT_EQ(head.status, get.status) << head.describe();
    EXPECT_TRUE(head.body.empty()) << head.describe();
    EXPECT_EQ(head.header("Content-Length"), std::to_string(get.body.size()));
    EXPECT_EQ(head.header("Content-Type"), get.header("Content-Type"));
  }
  auto unauthorized = call(gw, "HEAD", "/api/v1/agents", std::nullopt, "");
  EXPECT_EQ(unauthorized.status, 401);
  auto put = call(gw, "PUT", "/api/v1/agents", std::string("{}"));
  EXPECT_EQ(put.status, 405);
  EXPECT_EQ(put.header("Allow"), "POST, GET, HEAD");
}

}  // namespace
}  // namespace gw::integration
