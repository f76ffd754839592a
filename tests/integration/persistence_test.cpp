// What survives a restart of gatewayd on the same data directory: imported numbers,
// providers, agent links and deletions. The routing table rebuilt at start-up is checked
// through the routes themselves: /api/v1/routes/explain (the SIP workers' decision on
// their table) and a real INVITE, redirected by sipp's call to the linked agent.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "harness/gateway_fixture.hpp"
#include "harness/sipp_process.hpp"

namespace gw::integration {
namespace {

using ::testing::ContainsRegex;
using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::IsEmpty;

class PersistenceTest : public GatewayTest {
 protected:
  // Durability is what these tests are about: every commit is synced.
  static GatewayOptions durable() {
    GatewayOptions go;
    go.storeSync = true;
    // Loopback callers are trusted, so sipp on 127.0.0.1 reaches the routing table.
    go.extraArgs = {"--sip-trusted-cidr", "127.0.0.0/8"};
    go.publicSipUri.reset();
    return go;
  }

  // The SIP answer /api/v1/routes/explain gives for an INVITE to `number` from loopback.
  int64_t explainedStatus(GatewayProcess& gw, const std::string& number) {
    auto d = explainRoute(gw, number, "127.0.0.1");
    return d.HasMember("sip") ? intMember(d["sip"], "status").value_or(-1) : -1;
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

std::vector<std::string> describeAll(std::vector<NumberRecord> records) {
  std::vector<std::string> out;
  for (const auto& n : records) {
    out.push_back(n.id + " " + n.orgId + " " + n.phoneNumberSid + " " + n.phoneNumber + " " +
                  n.providerId);
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST_F(PersistenceTest, KeepsImportedNumbersAcrossRestart) {
  auto s = startWithProvider(4, durable());
  auto sids = sidsOf(s.numbers);
  ASSERT_EQ(importNumbers(*s.gateway, s.providerId, {sids[0], sids[1], sids[2]}).successCount, 3);
  linkToRedirectAgent(*s.gateway, sids[0]);
  auto before = describeAll(allNumbers(*s.gateway));

  auto stopped = s.gateway->stop();
  ASSERT_TRUE(stopped && stopped->clean()) << (stopped ? stopped->describe() : "still running");
  s.gateway->start();

  EXPECT_EQ(describeAll(allNumbers(*s.gateway)), before);
  for (const auto& n : allNumbers(*s.gateway)) {
    auto got = call(*s.gateway, "GET", "/api/v1/sip-phone-numbers/" + n.id);
    EXPECT_EQ(got.status, 200) << got.describe();
  }
  EXPECT_EQ(intMember(getProvider(*s.gateway, s.providerId), "phoneNumberCount"), 3);
  EXPECT_THAT(redact(s.gateway->output()), ContainsRegex("routing table rebuilt: 3 numbers"));
  // The routes themselves: the linked number redirects to its agent, the other imported
  // ones are known but unlinked (480), the one never imported is unknown (404).
  auto linked = explainRoute(*s.gateway, s.numbers[0].phoneNumber, "127.0.0.1");
  EXPECT_EQ(stringMember(linked, "action"), "redirect");
  EXPECT_EQ(stringMember(linked["sip"], "contact"), std::string("<") + kAgentUri + ">");
  EXPECT_EQ(explainedStatus(*s.gateway, s.numbers[1].phoneNumber), 480);
  EXPECT_EQ(explainedStatus(*s.gateway, s.numbers[2].phoneNumber), 480);
  EXPECT_EQ(explainedStatus(*s.gateway, s.numbers[3].phoneNumber), 404);
  SippOptions caller;
  caller.scenario = "uac_redirect.xml";
  caller.remote = s.gateway->sipAddress().text();
  caller.service = s.numbers[0].phoneNumber;
  caller.keys = {{"expected_contact", kAgentUri}};
  auto invite = runSipp(caller);
  EXPECT_TRUE(invite.ok()) << invite.describe();
  auto again = importNumbers(*s.gateway, s.providerId, sids);
  EXPECT_EQ(again.successCount, 1);
  EXPECT_THAT(again.errors, ElementsAre(ImportError{sids[0], "Already imported"},
                                        ImportError{sids[1], "Already imported"},
                                        ImportError{sids[2], "Already imported"}));
}

// SIGKILL right after the answer: an import the client saw succeed is never lost.
TEST_F(PersistenceTest, KeepsImportedNumbersAfterKill) {
  auto s = startWithProvider(2, durable());
  auto sids = sidsOf(s.numbers);
  ASSERT_EQ(importNumbers(*s.gateway, s.providerId, sids).successCount, 2);
  auto before = describeAll(allNumbers(*s.gateway));

  ExitStatus killed = s.gateway->kill();
  ASSERT_FALSE(killed.exited) << killed.describe();
  s.gateway->start();

  EXPECT_EQ(describeAll(allNumbers(*s.gateway)), before);
  EXPECT_EQ(explainedStatus(*s.gateway, s.numbers[0].phoneNumber), 480);
  EXPECT_EQ(explainedStatus(*s.gateway, s.numbers[1].phoneNumber), 480);
  auto again = importNumbers(*s.gateway, s.providerId, sids);
  EXPECT_EQ(again.successCount, 0);
  EXPECT_THAT(again.errors, Each(Field(&ImportError::errorMessage, "Already imported")));
}

TEST_F(PersistenceTest, KeepsDeletionsAcrossRestart) {
  auto first = randomAccount();
  auto second = randomAccount();
  EmulatorOptions eo;
  eo.accounts = {first, second};
  eo.numbers = 2;
  auto& emulator = startEmulator(eo);
  auto& gw = startGateway(durable());
  std::string p1 = createProvider(gw, first);
  std::string p2 = createProvider(gw, second);
  auto firstSids = sidsOf(emulator.numbers(first.sid));
  ASSERT_EQ(importNumbers(gw, p1, firstSids).successCount, 2);
  ASSERT_EQ(importNumbers(gw, p2, sidsOf(emulator.numbers(second.sid))).successCount, 2);
  auto ofFirst = listNumbers(gw, "providerId=" + p1).items;
  ASSERT_EQ(ofFirst.size(), 2u);
  auto gone = ofFirst[0].phoneNumberSid == firstSids[0] ? ofFirst[0] : ofFirst[1];
  ASSERT_EQ(
      call(gw, "DELETE", "/api/v1/providers/twilio/" + p1 + "/phone-numbers/" + gone.id).status,
      204);
  ASSERT_EQ(call(gw, "DELETE", "/api/v1/providers/" + p2).status, 204);

  auto stopped = gw.stop();
  ASSERT_TRUE(stopped && stopped->clean()) << (stopped ? stopped->describe() : "still running");
  gw.start();

  EXPECT_THAT(allNumbers(gw), ElementsAre(Field(&NumberRecord::phoneNumberSid, firstSids[1])));
  EXPECT_EQ(call(gw, "GET", "/api/v1/sip-phone-numbers/" + gone.id).status, 404);
  EXPECT_EQ(call(gw, "GET", "/api/v1/providers/" + p2).status, 404);
  EXPECT_EQ(call(gw, "GET", "/api/v1/providers/" + p1).status, 200);
  EXPECT_THAT(redact(gw.output()), ContainsRegex("routing table rebuilt: 1 numbers"));
  auto firstNumbers = emulator.numbers(first.sid);
  for (const auto& n : firstNumbers) {
    EXPECT_EQ(explainedStatus(gw, n.phoneNumber), n.sid == firstSids[1] ? 480 : 404) << n.sid;
  }
  for (const auto& n : emulator.numbers(second.sid)) {
    EXPECT_EQ(explainedStatus(gw, n.phoneNumber), 404) << n.sid << " of the deleted provider";
  }
  // The deleted number is importable again, the kept one is not.
  auto again = importNumbers(gw, p1, firstSids);
  EXPECT_EQ(again.successCount, 1);
  EXPECT_THAT(again.errors, ElementsAre(ImportError{firstSids[1], "Already imported"}));
}

}  // namespace
}  // namespace gw::integration
