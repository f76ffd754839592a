// The admin API's OpenAPI document: served without a token, the very file in api/, and
// true to what the gateway answers where a test can check it directly.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "harness/gateway_fixture.hpp"

namespace gw::integration {
namespace {

using ::testing::StartsWith;

std::string readSourceFile(const std::string& relative) {
  std::ifstream in(std::string(GW_SOURCE_DIR) + "/" + relative, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class OpenApiTest : public GatewayTest {
 protected:
  // These tests never reach Twilio: nothing listens on the discard port.
  GatewayProcess& startOffline() {
    GatewayOptions options;
    options.twilioUrl = "http://127.0.0.1:9";
    return startGateway(std::move(options));
  }
};

TEST_F(OpenApiTest, ServesTheDocumentWithoutToken) {
  auto& gw = startOffline();

  auto resp = call(gw, "GET", "/api/v1/openapi.json", std::nullopt, "");

  ASSERT_EQ(resp.status, 200) << resp.describe();
  EXPECT_THAT(resp.header("Content-Type").value_or(""), StartsWith("application/json"));
  auto doc = parseJson(resp.body);
  ASSERT_TRUE(doc.IsObject()) << "not JSON";
  EXPECT_THAT(stringMember(doc, "openapi").value_or(""), StartsWith("3.1."));
  // The copy built into gatewayd is the file in the repository (asked of gatewayd itself:
  // the OpenAPI proxy of scripts/openapi-check re-serializes JSON).
  auto direct = http().get(gw.directUrl() + "/api/v1/openapi.json");
  EXPECT_TRUE(direct.body == readSourceFile("api/openapi.json"))
      << "gatewayd serves a document other than api/openapi.json";
  ASSERT_TRUE(doc.HasMember("paths") && doc["paths"].IsObject());
  const auto& paths = doc["paths"];
  // Every route gatewayd registers, with its methods.
  const std::vector<std::pair<const char*, std::vector<const char*>>> routes = {
      {"/healthz", {"get"}},
      {"/readyz", {"get"}},
      {"/metrics", {"get"}},
      {"/api/v1/openapi.json", {"get"}},
      {"/api/v1/sip/stats", {"get"}},
      {"/api/v1/cluster", {"get"}},
      {"/api/v1/providers/twilio", {"post"}},
      {"/api/v1/providers", {"get"}},
      {"/api/v1/providers/{id}", {"get", "delete"}},
      {"/api/v1/providers/twilio/{id}", {"get", "put"}},
      {"/api/v1/providers/twilio/{id}/available-numbers", {"get"}},
      {"/api/v1/providers/twilio/{id}/import-numbers", {"post"}},
      {"/api/v1/providers/twilio/{id}/import-jobs", {"post"}},
      {"/api/v1/import-jobs", {"get"}},
      {"/api/v1/import-jobs/{id}", {"get", "delete"}},
      {"/api/v1/providers/twilio/{id}/phone-numbers/{phoneNumberId}", {"delete"}},
      {"/api/v1/providers/twilio/{id}/auth-token", {"patch"}},
      {"/api/v1/providers/{id}/verify", {"post"}},
      {"/api/v1/providers/{id}/reconcile", {"post"}},
      {"/api/v1/sip-phone-numbers", {"get"}},
      {"/api/v1/sip-phone-numbers/{id}", {"get"}},
      {"/api/v1/sip-phone-numbers/{id}/agent-link", {"put", "delete"}},
      {"/api/v1/sip-phone-numbers/{id}/affected-agents", {"get"}},
      {"/api/v1/agents", {"post", "get"}},
      {"/api/v1/agents/{id}", {"get", "patch", "delete"}},
      {"/api/v1/routes/explain", {"get"}},
  };
  for (const auto& [path, methods] : routes) {
    ASSERT_TRUE(paths.HasMember(path)) << path << " is not in the document";
    for (const char* method : methods) {
      EXPECT_TRUE(paths[path].HasMember(method)) << method << " " << path << " is missing";
    }
  }
  EXPECT_EQ(paths.MemberCount(), routes.size()) << "the document lists paths gatewayd lacks";
}

TEST_F(OpenApiTest, ValidationProblemsCarryTheDocumentedType) {
  auto& gw = startOffline();
  auto spec = parseJson(readSourceFile("api/openapi.json"));
  ASSERT_TRUE(spec.IsObject());
  const auto& type = spec["components"]["schemas"]["ValidationProblem"]["properties"]["type"];
  ASSERT_TRUE(type.HasMember("const"));

  auto resp = call(gw, "POST", "/api/v1/agents", R"({"name":""})");

  ASSERT_EQ(resp.status, 400) << resp.describe();
  auto body = parseJson(resp.body);
  EXPECT_EQ(stringMember(body, "type").value_or(""), type["const"].GetString()) << resp.describe();
  // Problems that mean no more than their status stay about:blank.
  auto notFound = call(gw, "GET", "/api/v1/agents/00000000-0000-4000-8000-000000000000");
  ASSERT_EQ(notFound.status, 404) << notFound.describe();
  EXPECT_EQ(stringMember(parseJson(notFound.body), "type").value_or(""), "about:blank");
}

TEST_F(OpenApiTest, ClusterRouteAnswersSingleModeWithoutEtcd) {
  auto& gw = startOffline();

  auto resp = call(gw, "GET", "/api/v1/cluster");

  ASSERT_EQ(resp.status, 200) << resp.describe();
  auto body = parseJson(resp.body);
  ASSERT_TRUE(body.IsObject()) << resp.describe();
  EXPECT_EQ(stringMember(body, "mode").value_or(""), "single");
  ASSERT_TRUE(body.HasMember("nodes") && body["nodes"].IsArray() && body["nodes"].Size() == 1u)
      << resp.describe();
  const auto& node = body["nodes"][0];
  EXPECT_EQ(stringMember(node, "publicSipUri").value_or(""), "sip:127.0.0.1:5060");
  EXPECT_EQ(stringMember(node, "nodeId").value_or("?"), stringMember(body, "nodeId").value_or(""));
  EXPECT_TRUE(node.HasMember("live") && node["live"].IsBool() && node["live"].GetBool());
}

}  // namespace
}  // namespace gw::integration
