// Providers when Twilio fails part of the way (the emulator failing one chosen operation):
// a create whose origination URL is refused leaves no trunk behind, and a delete Twilio
// answers 5xx changes nothing, locally or in the account.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "harness/gateway_fixture.hpp"

namespace gw::integration {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAreArray;

class ProviderFailureTest : public GatewayTest {};

std::vector<std::string> providerIds(const HttpResponse& list) {
  auto doc = parseJson(list.body);
  std::vector<std::string> ids;
  auto it = doc.FindMember("items");
  if (it == doc.MemberEnd() || !it->value.IsArray()) return {"<no items array>"};
  for (const auto& p : it->value.GetArray()) ids.push_back(stringMember(p, "id").value_or(""));
  return ids;
}

// Twilio refuses the origination URL of the trunk the gateway has just created: the create
// answers 502, no provider is stored, and the new trunk is deleted again, so the account
// holds no trunk. Creating the provider again then works, with a single trunk.
TEST_F(ProviderFailureTest, DeletesNewTrunkWhenOriginationUrlFails) {
  auto account = randomAccount();
  EmulatorOptions eo;
  eo.accounts = {account};
  auto& emulator = startEmulator(eo);
  auto& gw = startGateway();
  emulator.failNext("POST", "/v1/Trunks/{TrunkSid}/OriginationUrls", 400);

  auto resp = postProvider(gw, account);

  EXPECT_EQ(resp.status, 502) << resp.describe();
  EXPECT_THAT(resp.header("Content-Type").value_or(""), StartsWith("application/problem+json"));
  EXPECT_THAT(resp.body, HasSubstr("origination URL"));
  EXPECT_EQ(emulator.pendingFaults(), 0u) << "the origination URL was never asked for";
  EXPECT_THAT(emulator.trunks(account), IsEmpty()) << "the new trunk was left in the account";
  EXPECT_THAT(providerIds(call(gw, "GET", "/api/v1/providers")), IsEmpty());

  auto again = postProvider(gw, account);

  ASSERT_EQ(again.status, 201) << again.describe();
  auto trunk = stringMember(parseJson(again.body), "trunkSid").value_or("");
  EXPECT_THAT(emulator.trunks(account), ElementsAre(trunk));
}

// Twilio answers 503 to every attempt at deleting the provider's trunk: the delete answers
// 502 and changes nothing. The provider, its numbers, their agent link and their routes are
// still there, and so is the trunk with the numbers on it; imports into the provider still
// work, and the delete succeeds once Twilio does.
TEST_F(ProviderFailureTest, DeleteAnswers502AndChangesNothingWhenTwilioFails) {
  GatewayOptions go;
  go.twilioMaxAttempts = 2;
  go.extraArgs = {"--sip-trusted-cidr", "10.99.0.0/16"};
  auto s = startWithProvider(4, go);
  const std::string trunk = providerTrunk(*s.gateway, s.providerId);
  auto sids = sidsOf(s.numbers);
  ASSERT_EQ(importNumbers(*s.gateway, s.providerId, {sids[0], sids[1], sids[2]}).successCount, 3);
  auto agent = call(
      *s.gateway, "POST", "/api/v1/agents",
      objectBody({{"name", "Desk"}, {"sipUri", "sip:desk@192.0.2.10:5070"}, {"mode", "redirect"}}));
  ASSERT_EQ(agent.status, 201) << agent.describe();
  const std::string agentId = stringMember(parseJson(agent.body), "id").value_or("");
  std::string linkedId;
  for (const auto& n : allNumbers(*s.gateway)) {
    if (n.phoneNumberSid == sids[0]) linkedId = n.id;
  }
  auto linked = call(*s.gateway, "PUT",
                     "/api/v1/sip-phone-numbers/" + linkedId + "/agent-link?agentId=" + agentId);
  ASSERT_EQ(linked.status, 200) << linked.describe();
  const auto before = snapshot(*s.gateway, *s.emulator, {s.account});
  s.emulator->failNext("DELETE", "/v1/Trunks/{Sid}", 503, 2);

  // force: agents use a number, so without it the delete would stop before Twilio.
  auto resp = call(*s.gateway, "DELETE", "/api/v1/providers/" + s.providerId + "?force=true");

  EXPECT_EQ(resp.status, 502) << resp.describe();
  EXPECT_THAT(resp.body, HasSubstr("Nothing was changed"));
  EXPECT_EQ(s.emulator->pendingFaults(), 0u) << "the gateway did not try every attempt";
  EXPECT_EQ(snapshot(*s.gateway, *s.emulator, {s.account}), before);
  EXPECT_EQ(intMember(getProvider(*s.gateway, s.providerId), "phoneNumberCount"), 3);
  EXPECT_EQ(s.emulator->trunkStatus(s.account, trunk), 200);
  EXPECT_THAT(s.emulator->trunkNumbers(s.account, trunk),
              UnorderedElementsAreArray({sids[0], sids[1], sids[2]}));
  auto routed = explainRoute(*s.gateway, s.numbers[0].phoneNumber, "10.99.0.1");
  EXPECT_EQ(stringMember(routed, "action"), "redirect");
  EXPECT_EQ(stringMember(routed["agent"], "id"), agentId);
  EXPECT_EQ(intMember(routed["sip"], "status"), 302);
  auto unlinked = explainRoute(*s.gateway, s.numbers[1].phoneNumber, "10.99.0.1");
  EXPECT_EQ(stringMember(unlinked["phoneNumber"], "providerId"), s.providerId);
  EXPECT_EQ(intMember(unlinked["sip"], "status"), 480);
  EXPECT_EQ(importNumbers(*s.gateway, s.providerId, {sids[3]}).successCount, 1);

  auto retried = call(*s.gateway, "DELETE", "/api/v1/providers/" + s.providerId + "?force=true");

  EXPECT_EQ(retried.status, 204) << retried.describe();
  EXPECT_EQ(s.emulator->trunkStatus(s.account, trunk), 404);
  EXPECT_EQ(listNumbers(*s.gateway).totalCount, 0);
  EXPECT_EQ(
      intMember(explainRoute(*s.gateway, s.numbers[0].phoneNumber, "10.99.0.1")["sip"], "status"),
      404);
}

// A provider on an adopted trunk: its delete detaches the numbers one by one, and Twilio
// fails one detach. The delete answers 502 and changes nothing locally (numbers stored and
// routable), and its answer says how many numbers Twilio has already detached instead of
// claiming that nothing changed. Repeating the delete finishes the job: a number no longer
// on the trunk counts as detached.
TEST_F(ProviderFailureTest, DeleteOfAdoptedTrunkTellsWhatTwilioAlreadyDetached) {
  GatewayOptions go;
  go.twilioMaxAttempts = 1;
  go.extraArgs = {"--sip-trusted-cidr", "10.99.0.0/16"};
  auto account = randomAccount();
  EmulatorOptions eo;
  eo.accounts = {account};
  eo.numbers = 4;
  auto& emulator = startEmulator(eo);
  auto& gw = startGateway(go);
  const std::string trunk = emulator.createTrunk(account, "customer trunk");
  const std::string providerId = createProvider(gw, account, {{"trunkSid", trunk}});
  auto sids = sidsOf(emulator.numbers(account.sid));
  ASSERT_EQ(importNumbers(gw, providerId, {sids[0], sids[1], sids[2]}).successCount, 3);
  const auto stored = allNumbers(gw);
  emulator.failNext("DELETE", "/v1/Trunks/{TrunkSid}/PhoneNumbers/{Sid}", 503);

  auto resp = call(gw, "DELETE", "/api/v1/providers/" + providerId);

  EXPECT_EQ(resp.status, 502) << resp.describe();
  EXPECT_EQ(emulator.pendingFaults(), 0u);
  const size_t left = emulator.trunkNumbers(account, trunk).size();
  ASSERT_LT(left, 3u) << "no detach was tried before the failure: " << resp.describe();
  EXPECT_THAT(resp.body, HasSubstr(std::to_string(3 - left) + " of 3 numbers were detached"))
      << resp.describe();
  EXPECT_THAT(resp.body, Not(HasSubstr("Nothing was changed;"))) << resp.describe();
  EXPECT_EQ(allNumbers(gw).size(), stored.size());
  EXPECT_EQ(intMember(getProvider(gw, providerId), "phoneNumberCount"), 3);
  for (const auto& sid : {sids[0], sids[1], sids[2]}) {
    const auto& n = emulator.numbers(account.sid);
    auto it =
        std::find_if(n.begin(), n.end(), [&](const EmulatorNumber& e) { return e.sid == sid; });
    ASSERT_NE(it, n.end());
    EXPECT_EQ(
        stringMember(explainRoute(gw, it->phoneNumber, "10.99.0.1")["phoneNumber"], "providerId"),
        providerId);
  }

  auto retried = call(gw, "DELETE", "/api/v1/providers/" + providerId);

  EXPECT_EQ(retried.status, 204) << retried.describe();
  EXPECT_THAT(emulator.trunkNumbers(account, trunk), IsEmpty());
  EXPECT_EQ(emulator.trunkStatus(account, trunk), 200) << "an adopted trunk stays";
  EXPECT_EQ(listNumbers(gw).totalCount, 0);
}

}  // namespace
}  // namespace gw::integration
