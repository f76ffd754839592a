// GET /api/v1/routes/explain on a real gatewayd: the ACL decision (--sip-trusted-cidr, the
// provider's allowedAddresses, denied), the record and agent chosen, and the SIP answer for
// each routing outcome, following every admin change at once.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/gateway_fixture.hpp"

namespace gw::integration {
namespace {

using ::testing::HasSubstr;

class ExplainTest : public GatewayTest {
 protected:
  // One provider with one imported number; 10.99.0.0/16 trusted for every provider.
  void SetUp() override {
    GatewayOptions go;
    go.extraArgs = {"--sip-trusted-cidr", "10.99.0.0/16"};
    s_ = startWithProvider(2, go);
    if (importNumbers(*s_.gateway, s_.providerId, {s_.numbers[0].sid}).successCount != 1)
      throw std::runtime_error("import failed");
    number_ = allNumbers(*s_.gateway).at(0).id;
    e164_ = s_.numbers[0].phoneNumber;
  }

  HttpResponse explainRaw(const std::string& query) {
    return call(*s_.gateway, "GET", "/api/v1/routes/explain?" + query);
  }
  rapidjson::Document explain(const std::string& to, const std::string& source,
                              const std::string& from = "") {
    std::string q = "to=" + urlEncode(to) + "&source=" + urlEncode(source);
    if (!from.empty()) q += "&from=" + urlEncode(from);
    auto resp = explainRaw(q);
    if (resp.status != 200) throw std::runtime_error("explain: " + resp.describe());
    return parseJson(resp.body);
  }
  std::string createAgent(const std::string& name, const std::string& sipUri,
                          const std::string& mode) {
    auto resp = call(*s_.gateway, "POST", "/api/v1/agents",
                     objectBody({{"name", name}, {"sipUri", sipUri}, {"mode", mode}}));
    if (resp.status != 201) throw std::runtime_error("creating an agent: " + resp.describe());
    return stringMember(parseJson(resp.body), "id").value_or("");
  }
  void link(const std::string& agentId) {
    auto resp = call(*s_.gateway, "PUT",
                     "/api/v1/sip-phone-numbers/" + number_ + "/agent-link?agentId=" + agentId);
    ASSERT_EQ(resp.status, 200) << resp.describe();
  }
  static int64_t sipStatus(const rapidjson::Value& doc) {
    return doc.HasMember("sip") ? intMember(doc["sip"], "status").value_or(-1) : -1;
  }

  Setup s_;
  std::string number_;
  std::string e164_;
};

TEST_F(ExplainTest, SourceOutsideEveryRangeIsForbidden) {
  auto d = explain(e164_, "192.0.2.10", "+15550001111");

  EXPECT_EQ(stringMember(d, "to"), e164_);
  EXPECT_EQ(stringMember(d, "normalizedNumber"), e164_);
  EXPECT_EQ(stringMember(d, "from"), "+15550001111");
  EXPECT_EQ(stringMember(d, "source"), "192.0.2.10");
  EXPECT_EQ(stringMember(d["acl"], "decision"), "denied");
  EXPECT_TRUE(d["acl"]["match"].IsNull());
  EXPECT_TRUE(d["agent"].IsNull());
  EXPECT_EQ(stringMember(d, "action"), "reject");
  EXPECT_EQ(sipStatus(d), 403);
  EXPECT_EQ(stringMember(d["sip"], "reason"), "Forbidden");
  EXPECT_THAT(stringMember(d, "detail").value_or(""), HasSubstr("192.0.2.10"));
}

TEST_F(ExplainTest, UnknownNumberIsNotFound) {
  auto d = explain(s_.numbers[1].phoneNumber, "54.172.60.1");  // in the account, not imported

  EXPECT_EQ(stringMember(d["acl"], "decision"), "provider-allowed-addresses");
  EXPECT_EQ(stringMember(d["acl"], "match"), "54.172.60.0/30");
  EXPECT_TRUE(d["phoneNumber"].IsNull());
  EXPECT_EQ(stringMember(d, "action"), "reject");
  EXPECT_EQ(sipStatus(d), 404);
  EXPECT_EQ(stringMember(d["sip"], "reason"), "Not Found");
}

TEST_F(ExplainTest, UnlinkedNumberIsTemporarilyUnavailable) {
  auto d = explain(e164_, "10.99.1.2");

  EXPECT_EQ(stringMember(d["acl"], "decision"), "trusted-cidr");
  EXPECT_EQ(stringMember(d["acl"], "match"), "10.99.0.0/16");
  ASSERT_TRUE(d["phoneNumber"].IsObject());
  EXPECT_EQ(stringMember(d["phoneNumber"], "id"), number_);
  EXPECT_EQ(stringMember(d["phoneNumber"], "phoneNumber"), e164_);
  EXPECT_EQ(stringMember(d["phoneNumber"], "providerId"), s_.providerId);
  EXPECT_TRUE(d["phoneNumber"]["incomingCallsAgentId"].IsNull());
  EXPECT_TRUE(d["agent"].IsNull());
  EXPECT_EQ(sipStatus(d), 480);
  EXPECT_EQ(stringMember(d["sip"], "reason"), "Temporarily Unavailable");
}

TEST_F(ExplainTest, RedirectAgentAnswers302WithContact) {
  std::string agent = createAgent("Desk", "sip:desk@10.0.0.5:5070", "redirect");
  link(agent);

  auto d = explain("sip:" + e164_ + "@gateway.example.com;user=phone", "54.172.60.2");

  EXPECT_EQ(stringMember(d, "normalizedNumber"), e164_);
  EXPECT_EQ(stringMember(d["phoneNumber"], "incomingCallsAgentId"), agent);
  ASSERT_TRUE(d["agent"].IsObject());
  EXPECT_EQ(stringMember(d["agent"], "id"), agent);
  EXPECT_EQ(stringMember(d["agent"], "name"), "Desk");
  EXPECT_EQ(stringMember(d["agent"], "mode"), "redirect");
  EXPECT_EQ(stringMember(d["agent"], "sipUri"), "sip:desk@10.0.0.5:5070");
  EXPECT_EQ(stringMember(d, "action"), "redirect");
  EXPECT_EQ(sipStatus(d), 302);
  EXPECT_EQ(stringMember(d["sip"], "contact"), "<sip:desk@10.0.0.5:5070>");
}

TEST_F(ExplainTest, ProxyAgentIsForwardedAndFollowsPatches) {
  std::string agent = createAgent("Bot", "sip:bot@10.0.0.6;transport=tcp", "proxy");
  link(agent);

  auto proxied = explain(e164_, "10.99.0.1");
  auto patched =
      call(*s_.gateway, "PATCH", "/api/v1/agents/" + agent, objectBody({{"mode", "redirect"}}));
  ASSERT_EQ(patched.status, 200) << patched.describe();
  auto redirected = explain(e164_, "10.99.0.1");

  EXPECT_EQ(stringMember(proxied, "action"), "proxy");
  EXPECT_EQ(stringMember(proxied["agent"], "mode"), "proxy");
  EXPECT_EQ(sipStatus(proxied), 100);
  EXPECT_FALSE(proxied["sip"].HasMember("contact"));
  EXPECT_THAT(stringMember(proxied, "detail").value_or(""), HasSubstr("Bot"));
  EXPECT_EQ(stringMember(redirected, "action"), "redirect");
  EXPECT_EQ(sipStatus(redirected), 302);
}

TEST_F(ExplainTest, NormalisesTheCalledNumberLikeTheSipWorkers) {
  std::string digits = e164_.substr(1);
  auto noPlus = explain(digits, "10.99.0.1");
  auto spaced =
      explain("+" + digits.substr(0, 1) + " (" + digits.substr(1, 3) + ") " + digits.substr(4),
              "10.99.0.1");
  auto notANumber = explain("sip:alice@gateway.example.com", "10.99.0.1");

  EXPECT_EQ(stringMember(noPlus, "normalizedNumber"), e164_);
  EXPECT_EQ(sipStatus(noPlus), 480);
  EXPECT_EQ(stringMember(spaced, "normalizedNumber"), e164_);
  EXPECT_EQ(sipStatus(spaced), 480);
  EXPECT_TRUE(notANumber["normalizedNumber"].IsNull());
  EXPECT_EQ(sipStatus(notANumber), 404);
}

TEST_F(ExplainTest, RefusesMissingOrMalformedParameters) {
  auto noTo = explainRaw("source=10.99.0.1");
  auto noSource = explainRaw("to=" + urlEncode(e164_));
  auto badSource = explainRaw("to=" + urlEncode(e164_) + "&source=10.99.0.256");
  auto hostname = explainRaw("to=" + urlEncode(e164_) + "&source=gateway.example.com");

  EXPECT_EQ(noTo.status, 400) << noTo.describe();
  EXPECT_THAT(validationErrorKeys(noTo.body), ::testing::ElementsAre("to"));
  EXPECT_EQ(noSource.status, 400) << noSource.describe();
  EXPECT_THAT(validationErrorKeys(noSource.body), ::testing::ElementsAre("source"));
  EXPECT_EQ(badSource.status, 400) << badSource.describe();
  EXPECT_THAT(validationErrorKeys(badSource.body), ::testing::ElementsAre("source"));
  EXPECT_EQ(hostname.status, 400) << hostname.describe();
  EXPECT_EQ(call(*s_.gateway, "GET", "/api/v1/routes/explain?to=1&source=10.99.0.1", std::nullopt,
                 std::string())
                .status,
            401);
}

// Root cause: for another org's number the record and agent were null, but `detail` named
// the agent and its SIP URI, `sip.contact` showed a redirect agent's URI and `acl.match`
// the number's provider's own allowedAddresses. Another org now gets exactly the answer it
// gets for a number that is not imported at all.
class ExplainOtherOrgTest : public GatewayTest {
 protected:
  void SetUp() override {
    otherToken_ = randomAdminToken();
    GatewayOptions go;
    go.tokensFile = writeTokensFile({{otherToken_, "org-b"}});
    go.extraArgs = {"--sip-trusted-cidr", "10.99.0.0/16"};
    s_ = startWithProvider(2, go);
    if (importNumbers(*s_.gateway, s_.providerId, {s_.numbers[0].sid}).successCount != 1)
      throw std::runtime_error("import failed");
    auto put = call(*s_.gateway, "PUT", "/api/v1/providers/twilio/" + s_.providerId,
                    R"({"allowedAddresses":["203.0.113.0/24"]})");
    if (put.status != 200) throw std::runtime_error("allowedAddresses: " + put.describe());
    auto agent = call(*s_.gateway, "POST", "/api/v1/agents",
                      objectBody({{"name", "Secret desk"},
                                  {"sipUri", "sip:secret-desk@10.1.2.3:5070"},
                                  {"mode", "redirect"}}));
    if (agent.status != 201) throw std::runtime_error("agent: " + agent.describe());
    auto agentId = stringMember(parseJson(agent.body), "id").value_or("");
    auto number = allNumbers(*s_.gateway).at(0).id;
    auto linked = call(*s_.gateway, "PUT",
                       "/api/v1/sip-phone-numbers/" + number + "/agent-link?agentId=" + agentId);
    if (linked.status != 200) throw std::runtime_error("link: " + linked.describe());
  }

  // Org B's explanation of `e164` from `source`, with the number's text replaced so that
  // the answers for two numbers can be compared.
  std::string explainAsOtherOrg(const std::string& e164, const std::string& source) {
    auto resp = call(*s_.gateway, "GET",
                     "/api/v1/routes/explain?to=" + urlEncode(e164) + "&source=" + source,
                     std::nullopt, otherToken_);
    if (resp.status != 200) throw std::runtime_error("explain: " + resp.describe());
    std::string body = resp.body;
    for (size_t at; (at = body.find(e164)) != std::string::npos;)
      body.replace(at, e164.size(), "N");
    return body;
  }

  Setup s_;
  std::string otherToken_;
};

TEST_F(ExplainOtherOrgTest, AnotherOrgsNumberLooksLikeANumberNotImported) {
  const std::string theirs = s_.numbers[0].phoneNumber;
  const std::string nowhere = s_.numbers[1].phoneNumber;  // in the account, never imported
  // Org A's own range, a trusted source, Twilio's range (no longer org A's), a stranger.
  for (const char* source : {"203.0.113.7", "10.99.1.2", "54.172.60.1", "192.0.2.10"}) {
    std::string answer = explainAsOtherOrg(theirs, source);
    EXPECT_EQ(answer, explainAsOtherOrg(nowhere, source)) << "from " << source;
    for (const char* secret : {"secret-desk", "Secret desk", "10.1.2.3", "203.0.113.0/24"}) {
      EXPECT_THAT(answer, ::testing::Not(HasSubstr(secret))) << "from " << source;
    }
  }
  // Org A itself still sees everything.
  auto ownResp = call(*s_.gateway, "GET",
                      "/api/v1/routes/explain?to=" + urlEncode(theirs) + "&source=203.0.113.7");
  ASSERT_EQ(ownResp.status, 200) << ownResp.describe();
  auto own = parseJson(ownResp.body);
  EXPECT_EQ(stringMember(own["acl"], "match"), "203.0.113.0/24");
  EXPECT_EQ(stringMember(own["sip"], "contact"), "<sip:secret-desk@10.1.2.3:5070>");
}

}  // namespace
}  // namespace gw::integration
