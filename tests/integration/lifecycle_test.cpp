// The provider and number lifecycle against the real gatewayd and twilio-emulator: an auth
// token rotated in Twilio and then on the provider, verification finding each kind of drift
// the account's owner can cause in the Twilio console (emulated by its control routes),
// reconcile re-attaching what it can while inbound routing goes on, and a re-import
// re-attaching a detached number.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "harness/gateway_fixture.hpp"
#include "harness/sipp_process.hpp"

namespace gw::integration {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

class LifecycleTest : public GatewayTest {
 protected:
  // Loopback callers are trusted, so sipp on 127.0.0.1 reaches the routing table.
  static GatewayOptions trustingLoopback() {
    GatewayOptions go;
    go.extraArgs = {"--sip-trusted-cidr", "127.0.0.0/8"};
    return go;
  }

  // A new auth token for the account, registered as a secret.
  static std::string newToken() {
    std::string token = randomHex(32);
    registerSecret(token);
    return token;
  }

  HttpResponse patchToken(Setup& s, const std::string& token) {
    return call(*s.gateway, "PATCH", "/api/v1/providers/twilio/" + s.providerId + "/auth-token",
                objectBody({{"authToken", token}}));
  }

  rapidjson::Document verify(Setup& s) {
    auto resp = call(*s.gateway, "POST", "/api/v1/providers/" + s.providerId + "/verify");
    EXPECT_EQ(resp.status, 200) << resp.describe();
    return parseJson(resp.body);
  }

  // verificationDetails as (code, phoneNumberSid or "").
  static std::vector<std::pair<std::string, std::string>> details(const rapidjson::Value& p) {
    std::vector<std::pair<std::string, std::string>> out;
    auto it = p.FindMember("verificationDetails");
    if (it == p.MemberEnd() || !it->value.IsArray()) return out;
    for (const auto& d : it->value.GetArray()) {
      out.emplace_back(stringMember(d, "code").value_or("?"),
                       stringMember(d, "phoneNumberSid").value_or(""));
    }
    return out;
  }

  // trunkStatus of each stored number, by SID.
  std::map<std::string, std::string> trunkStatuses(GatewayProcess& gw) {
    std::map<std::string, std::string> out;
    for (const auto& n : allNumbers(gw)) {
      auto got = call(gw, "GET", "/api/v1/sip-phone-numbers/" + n.id);
      EXPECT_EQ(got.status, 200) << got.describe();
      out[n.phoneNumberSid] = stringMember(parseJson(got.body), "trunkStatus").value_or("?");
    }
    return out;
  }

  // A redirect agent (never contacted: TEST-NET-1) linked to the stored number of `sid`.
  void linkToRedirectAgent(GatewayProcess& gw, const std::string& sid) {
    auto agent = call(gw, "POST", "/api/v1/agents",
                      objectBody({{"name", "Desk"}, {"sipUri", kAgentUri}, {"mode", "redirect"}}));
    ASSERT_EQ(agent.status, 201) << agent.describe();
    const std::string agentId = stringMember(parseJson(agent.body), "id").value_or("");
    for (const auto& n : allNumbers(gw)) {
      if (n.phoneNumberSid != sid) continue;
      auto linked =
          call(gw, "PUT", "/api/v1/sip-phone-numbers/" + n.id + "/agent-link?agentId=" + agentId);
      ASSERT_EQ(linked.status, 200) << linked.describe();
    }
  }

  static constexpr const char* kAgentUri = "sip:desk@192.0.2.10:5070";
};

TEST_F(LifecycleTest, TokenRotatedInTwilioIsRotatedOnTheProviderAndImportWorksAgain) {
  auto s = startWithProvider(3);
  const auto sids = sidsOf(s.numbers);
  const std::string rotated = newToken();
  s.emulator->rotateToken(s.account.sid, rotated);

  auto refused = postImport(*s.gateway, s.providerId, {sids[0]});
  EXPECT_EQ(refused.status, 502) << refused.describe();
  // Verification says so too.
  auto failed = verify(s);
  EXPECT_EQ(stringMember(failed, "verificationStatus"), "failed");
  EXPECT_THAT(details(failed),
              ElementsAre(std::pair<std::string, std::string>{"credentials_rejected", ""}));

  // A token Twilio refuses: 422, and nothing changed (the import still fails).
  const auto before = call(*s.gateway, "GET", "/api/v1/providers/twilio/" + s.providerId);
  auto wrong = patchToken(s, newToken());
  EXPECT_EQ(wrong.status, 422) << wrong.describe();
  EXPECT_EQ(wrong.header("content-type"), "application/problem+json");
  EXPECT_EQ(call(*s.gateway, "GET", "/api/v1/providers/twilio/" + s.providerId).body, before.body);
  EXPECT_EQ(postImport(*s.gateway, s.providerId, {sids[0]}).status, 502);
  // A malformed one never reaches Twilio.
  EXPECT_EQ(patchToken(s, "not-a-token").status, 400);

  auto patched = patchToken(s, rotated);
  ASSERT_EQ(patched.status, 200) << patched.describe();
  EXPECT_EQ(patched.body.find(rotated), std::string::npos);
  auto body = parseJson(patched.body);
  EXPECT_EQ(stringMember(body, "verificationStatus"), "verified");
  EXPECT_TRUE(stringMember(body, "lastVerifiedAt").has_value());
  EXPECT_FALSE(body.HasMember("authToken"));

  auto imported = importNumbers(*s.gateway, s.providerId, {sids[0]});
  EXPECT_EQ(imported.successCount, 1);
  EXPECT_EQ(stringMember(getProvider(*s.gateway, s.providerId), "verificationStatus"), "verified");
}

TEST_F(LifecycleTest, VerifyFindsEachKindOfDriftWithItsOwnCode) {
  auto s = startWithProvider(6);
  const auto sids = sidsOf(s.numbers);
  ASSERT_EQ(
      importNumbers(*s.gateway, s.providerId, {sids[0], sids[1], sids[2], sids[3]}).successCount,
      4);
  auto healthy = verify(s);
  EXPECT_EQ(stringMember(healthy, "verificationStatus"), "verified");
  EXPECT_TRUE(details(healthy).empty());

  const std::string trunk = providerTrunk(*s.gateway, s.providerId);
  s.emulator->detachNumber(s.account.sid, sids[0]);
  s.emulator->releaseNumber(s.account.sid, sids[1]);
  const std::string elsewhere = s.emulator->moveNumber(s.account.sid, sids[2]);
  s.emulator->attachNumber(s.account, trunk, sids[4]);  // on our trunk, never imported

  auto drifted = verify(s);
  EXPECT_EQ(stringMember(drifted, "verificationStatus"), "warning");
  using P = std::pair<std::string, std::string>;
  EXPECT_THAT(details(drifted),
              UnorderedElementsAre(P{"number_detached", sids[0]}, P{"number_released", sids[1]},
                                   P{"number_moved", sids[2]}, P{"number_not_imported", sids[4]}));
  // Stored: GET shows the same, and each number is flagged; routing is untouched.
  EXPECT_THAT(details(getProvider(*s.gateway, s.providerId)),
              UnorderedElementsAre(P{"number_detached", sids[0]}, P{"number_released", sids[1]},
                                   P{"number_moved", sids[2]}, P{"number_not_imported", sids[4]}));
  EXPECT_EQ(trunkStatuses(*s.gateway), (std::map<std::string, std::string>{{sids[0], "detached"},
                                                                           {sids[1], "released"},
                                                                           {sids[2], "moved"},
                                                                           {sids[3], "attached"}}));
  EXPECT_FALSE(elsewhere.empty());
  EXPECT_NE(elsewhere, trunk);
}

TEST_F(LifecycleTest, ReconcileReattachesADetachedNumberWhoseCallsStillRoute) {
  auto s = startWithProvider(3, trustingLoopback());
  const auto sids = sidsOf(s.numbers);
  ASSERT_EQ(importNumbers(*s.gateway, s.providerId, {sids[0], sids[1]}).successCount, 2);
  linkToRedirectAgent(*s.gateway, sids[0]);
  const std::string trunk = providerTrunk(*s.gateway, s.providerId);
  s.emulator->detachNumber(s.account.sid, sids[0]);
  s.emulator->releaseNumber(s.account.sid, sids[1]);
  EXPECT_EQ(stringMember(verify(s), "verificationStatus"), "warning");
  // Flagged, still routed until an operator deletes it.
  EXPECT_EQ(stringMember(explainRoute(*s.gateway, s.numbers[0].phoneNumber, "127.0.0.1"), "action"),
            "redirect");

  auto reconciled = call(*s.gateway, "POST", "/api/v1/providers/" + s.providerId + "/reconcile");
  ASSERT_EQ(reconciled.status, 200) << reconciled.describe();
  auto report = parseJson(reconciled.body);
  ASSERT_TRUE(report["results"].IsArray()) << reconciled.body;
  std::map<std::string, std::pair<std::string, std::string>> bySid;
  for (const auto& r : report["results"].GetArray()) {
    bySid[stringMember(r, "phoneNumberSid").value_or("?")] = {
        stringMember(r, "code").value_or("?"), stringMember(r, "action").value_or("?")};
  }
  EXPECT_EQ(bySid, (std::map<std::string, std::pair<std::string, std::string>>{
                       {sids[0], {"number_detached", "reattached"}},
                       {sids[1], {"number_released", "none"}}}));
  using P = std::pair<std::string, std::string>;
  EXPECT_THAT(details(report["provider"]), ElementsAre(P{"number_released", sids[1]}));
  EXPECT_EQ(s.emulator->trunkNumbers(s.account, trunk), std::vector<std::string>{sids[0]});
  EXPECT_EQ(trunkStatuses(*s.gateway)[sids[0]], "attached");

  SippOptions caller;
  caller.scenario = "uac_redirect.xml";
  caller.remote = s.gateway->sipAddress().text();
  caller.service = s.numbers[0].phoneNumber;
  caller.keys = {{"expected_contact", kAgentUri}};
  auto invite = runSipp(caller);
  EXPECT_TRUE(invite.ok()) << invite.describe();
}

TEST_F(LifecycleTest, ReimportOfADetachedNumberReattachesIt) {
  auto s = startWithProvider(3);
  const auto sids = sidsOf(s.numbers);
  ASSERT_EQ(importNumbers(*s.gateway, s.providerId, {sids[0], sids[1]}).successCount, 2);
  const std::string trunk = providerTrunk(*s.gateway, s.providerId);
  s.emulator->detachNumber(s.account.sid, sids[0]);

  auto again = importNumbers(*s.gateway, s.providerId, {sids[0], sids[1]});
  EXPECT_EQ(again.successCount, 1);
  EXPECT_THAT(again.errors, ElementsAre(ImportError{sids[1], "Already imported"}));
  auto onTrunk = s.emulator->trunkNumbers(s.account, trunk);
  std::sort(onTrunk.begin(), onTrunk.end());
  auto expected = std::vector<std::string>{sids[0], sids[1]};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(onTrunk, expected);
  EXPECT_EQ(allNumbers(*s.gateway).size(), 2u);
}

TEST_F(LifecycleTest, ProvidersAreVerifiedAtStartUp) {
  auto s = startWithProvider(2);
  const auto sids = sidsOf(s.numbers);
  ASSERT_EQ(importNumbers(*s.gateway, s.providerId, {sids[0]}).successCount, 1);
  s.emulator->detachNumber(s.account.sid, sids[0]);
  auto stopped = s.gateway->stop();
  ASSERT_TRUE(stopped && stopped->clean()) << (stopped ? stopped->describe() : "still running");
  s.gateway->start();

  using P = std::pair<std::string, std::string>;
  std::vector<P> found;
  for (int i = 0; i < 200 && found.empty(); ++i) {
    found = details(getProvider(*s.gateway, s.providerId));
    if (found.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_THAT(found, ElementsAre(P{"number_detached", sids[0]}));
}

}  // namespace
}  // namespace gw::integration
