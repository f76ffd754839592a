// GET /api/v1/routes/explain through the handler, on the live routing table and directory
// the other handlers update.
#include "modules/agents/explain_api.hpp"

#include "tests/modules/agents/module_fixture.hpp"

namespace gw::agents {
namespace {

using ::testing::HasSubstr;
using testing::kNumber1;
using testing::parse;
using testing::str;

class ExplainApiTest : public testing::ModuleFixture {
 protected:
  rapidjson::Document explain(const std::string& query, int expectedStatus = 200,
                              const std::string& org = testing::kOrg) {
    auto resp = call("GET", "/api/v1/routes/explain?" + query, std::nullopt, org);
    EXPECT_EQ(resp.status, expectedStatus) << query << ": " << resp.body;
    return parse(resp.body);
  }
  void link(const store::PhoneNumber& n, const std::string& agentId) {
    auto resp = call("PUT", "/api/v1/sip-phone-numbers/" + n.id + "/agent-link?agentId=" + agentId);
    ASSERT_EQ(resp.status, 200) << resp.body;
  }
};

TEST(ExplainCalledUserTest, TakesTheUserPartOfUrisAndNumbersAsTheyAre) {
  EXPECT_EQ(calledUserOf("+1 (415) 555-0100"), "+1 (415) 555-0100");
  EXPECT_EQ(calledUserOf("sip:+14155550100@gw.example.com;user=phone"), "+14155550100");
  EXPECT_EQ(calledUserOf("SIPS:14155550100@gw.example.com:5061"), "14155550100");
  EXPECT_EQ(calledUserOf("tel:+14155550100"), "+14155550100");
  EXPECT_EQ(calledUserOf("sip:"), std::nullopt);
}

// The caller only gets 403; the org's operator sees which number's provider refused it.
TEST_F(ExplainApiTest, DeniesASourceOutsideTheProvidersRanges) {
  auto d = explain("to=" + std::string("%2B14155550101") + "&source=10.9.9.9&from=%2B1999");

  EXPECT_EQ(str(d, "to"), kNumber1);
  EXPECT_EQ(str(d, "normalizedNumber"), kNumber1);
  EXPECT_EQ(str(d, "from"), "+1999");
  EXPECT_EQ(str(d, "source"), "10.9.9.9");
  EXPECT_EQ(str(d["acl"], "decision"), "denied");
  EXPECT_EQ(str(d["acl"], "match"), "<null>");
  EXPECT_EQ(str(d["phoneNumber"], "id"), number1_.id);
  EXPECT_TRUE(d["agent"].IsNull());
  EXPECT_EQ(str(d, "action"), "reject");
  EXPECT_THAT(str(d, "detail"), HasSubstr("10.9.9.9"));
  EXPECT_EQ(d["sip"]["status"].GetInt(), 403);
  EXPECT_EQ(str(d["sip"], "reason"), "Forbidden");
  EXPECT_FALSE(d["sip"].HasMember("contact"));
}

TEST_F(ExplainApiTest, UnlinkedNumberFromItsProvidersRangeIsTemporarilyUnavailable) {
  auto d = explain("to=1+415+555+0101&source=54.172.60.2");

  EXPECT_EQ(str(d, "normalizedNumber"), kNumber1);
  EXPECT_EQ(str(d, "from"), "<null>");
  EXPECT_EQ(str(d["acl"], "decision"), "provider-allowed-addresses");
  EXPECT_EQ(str(d["acl"], "match"), "54.172.60.0/30");
  ASSERT_TRUE(d["phoneNumber"].IsObject());
  EXPECT_EQ(str(d["phoneNumber"], "id"), number1_.id);
  EXPECT_EQ(str(d["phoneNumber"], "phoneNumber"), kNumber1);
  EXPECT_EQ(str(d["phoneNumber"], "providerId"), provider_.id);
  EXPECT_EQ(str(d["phoneNumber"], "incomingCallsAgentId"), "<null>");
  EXPECT_EQ(d["sip"]["status"].GetInt(), 480);
  EXPECT_EQ(str(d["sip"], "reason"), "Temporarily Unavailable");
  EXPECT_THAT(str(d, "detail"), HasSubstr("linked to no agent"));
}

TEST_F(ExplainApiTest, UnknownNumberFromATrustedSourceIsNotFound) {
  auto d = explain("to=sip:%2B15005550000@gw.example.com&source=127.0.0.1");

  EXPECT_EQ(str(d, "normalizedNumber"), "+15005550000");
  EXPECT_EQ(str(d["acl"], "decision"), "trusted-cidr");
  EXPECT_EQ(str(d["acl"], "match"), "127.0.0.0/8");
  EXPECT_TRUE(d["phoneNumber"].IsNull());
  EXPECT_EQ(str(d, "action"), "reject");
  EXPECT_EQ(d["sip"]["status"].GetInt(), 404);
}

TEST_F(ExplainApiTest, RedirectAgentAnswers302WithItsUriAsContact) {
  auto created = call("POST", "/api/v1/agents",
                      R"({"name":"Desk","sipUri":"sip:desk@10.0.0.7:5070","mode":"redirect"})");
  ASSERT_EQ(created.status, 201) << created.body;
  std::string agentId = str(parse(created.body), "id");
  link(number1_, agentId);

  auto d = explain("to=%2B14155550101&source=127.0.0.1");

  EXPECT_EQ(str(d["phoneNumber"], "incomingCallsAgentId"), agentId);
  ASSERT_TRUE(d["agent"].IsObject());
  EXPECT_EQ(str(d["agent"], "id"), agentId);
  EXPECT_EQ(str(d["agent"], "name"), "Desk");
  EXPECT_EQ(str(d["agent"], "mode"), "redirect");
  EXPECT_EQ(str(d["agent"], "sipUri"), "sip:desk@10.0.0.7:5070");
  EXPECT_EQ(str(d, "action"), "redirect");
  EXPECT_EQ(d["sip"]["status"].GetInt(), 302);
  EXPECT_EQ(str(d["sip"], "contact"), "<sip:desk@10.0.0.7:5070>");
}

TEST_F(ExplainApiTest, ProxyAgentIsForwardedAndFollowsUnlinking) {
  auto created = call("POST", "/api/v1/agents", R"({"name":"Bot","sipUri":"sip:bot@10.0.0.8"})");
  ASSERT_EQ(created.status, 201) << created.body;
  std::string agentId = str(parse(created.body), "id");
  link(number1_, agentId);

  auto proxied = explain("to=%2B14155550101&source=127.0.0.1");
  ASSERT_EQ(call("DELETE", "/api/v1/sip-phone-numbers/" + number1_.id + "/agent-link").status, 204);
  auto unlinked = explain("to=%2B14155550101&source=127.0.0.1");

  EXPECT_EQ(str(proxied, "action"), "proxy");
  EXPECT_EQ(str(proxied["agent"], "mode"), "proxy");
  EXPECT_EQ(proxied["sip"]["status"].GetInt(), 100);
  EXPECT_EQ(str(proxied["sip"], "reason"), "Trying");
  EXPECT_FALSE(proxied["sip"].HasMember("contact"));
  EXPECT_EQ(unlinked["sip"]["status"].GetInt(), 480);
}

TEST_F(ExplainApiTest, AnotherOrgsNumberIsExplainedAsNotImported) {
  auto d = explain("to=%2B14155550101&source=127.0.0.1", 200, "org-2");

  EXPECT_EQ(str(d, "normalizedNumber"), kNumber1);
  EXPECT_TRUE(d["phoneNumber"].IsNull());
  EXPECT_TRUE(d["agent"].IsNull());
  EXPECT_EQ(d["sip"]["status"].GetInt(), 404);
  EXPECT_THAT(str(d, "detail"), HasSubstr("not an imported number"));
}

TEST_F(ExplainApiTest, RefusesMissingOrMalformedParameters) {
  auto none = explain("", 400);
  auto badSource = explain("to=%2B14155550101&source=10.0.0.300", 400);
  auto badUri = explain("to=sip:&source=127.0.0.1", 400);

  EXPECT_TRUE(none["errors"].HasMember("to"));
  EXPECT_TRUE(none["errors"].HasMember("source"));
  EXPECT_FALSE(badSource["errors"].HasMember("to"));
  EXPECT_TRUE(badSource["errors"].HasMember("source"));
  EXPECT_TRUE(badUri["errors"].HasMember("to"));
}

}  // namespace
}  // namespace gw::agents
