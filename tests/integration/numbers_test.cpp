// Imported numbers: get by id, delete (which detaches the number from the trunk), the
// list's filters and paging, and org isolation.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "harness/gateway_fixture.hpp"

namespace gw::integration {
namespace {

using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::IsEmpty;
using ::testing::StartsWith;

class NumbersTest : public GatewayTest {};

std::string numberPath(const std::string& id) {
  return "/api/v1/sip-phone-numbers/" + id;
}

std::string deletePath(const std::string& providerId, const std::string& numberId) {
  return "/api/v1/providers/twilio/" + providerId + "/phone-numbers/" + numberId;
}

TEST_F(NumbersTest, GetsImportedNumberById) {
  auto s = startWithProvider(2);
  ASSERT_EQ(importNumbers(*s.gateway, s.providerId, {s.numbers[1].sid}).successCount, 1);
  auto stored = allNumbers(*s.gateway);
  ASSERT_EQ(stored.size(), 1u);

  auto resp = call(*s.gateway, "GET", numberPath(stored[0].id));

  ASSERT_EQ(resp.status, 200) << resp.describe();
  auto doc = parseJson(resp.body);
  EXPECT_EQ(stringMember(doc, "id"), stored[0].id);
  EXPECT_EQ(stringMember(doc, "orgId"), "default");
  EXPECT_EQ(stringMember(doc, "phoneNumber"), s.numbers[1].phoneNumber);
  EXPECT_EQ(stringMember(doc, "phoneNumberSid"), s.numbers[1].sid);
  EXPECT_EQ(stringMember(doc, "providerId"), s.providerId);
  ASSERT_TRUE(doc.HasMember("incomingCallsAgentId")) << resp.describe();
  EXPECT_TRUE(doc["incomingCallsAgentId"].IsNull()) << resp.describe();
}

TEST_F(NumbersTest, AnswersNotFoundForUnknownNumberId) {
  auto s = startWithProvider(1);

  auto unknown = call(*s.gateway, "GET", numberPath(randomUuid()));
  auto malformed = call(*s.gateway, "GET", numberPath("number-1"));

  EXPECT_EQ(unknown.status, 404) << unknown.describe();
  EXPECT_THAT(unknown.header("Content-Type").value_or(""), StartsWith("application/problem+json"));
  EXPECT_EQ(malformed.status, 400) << malformed.describe();
}

TEST_F(NumbersTest, DeletesNumberAndDetachesItFromTrunk) {
  auto s = startWithProvider(2);
  std::string trunk = providerTrunk(*s.gateway, s.providerId);
  auto sids = sidsOf(s.numbers);
  ASSERT_EQ(importNumbers(*s.gateway, s.providerId, sids).successCount, 2);
  auto stored = allNumbers(*s.gateway);
  auto victim = std::find_if(stored.begin(), stored.end(),
                             [&](const NumberRecord& n) { return n.phoneNumberSid == sids[0]; });
  ASSERT_NE(victim, stored.end());

  auto resp = call(*s.gateway, "DELETE", deletePath(s.providerId, victim->id));

  EXPECT_EQ(resp.status, 204) << resp.describe();
  EXPECT_THAT(resp.body, IsEmpty());
  EXPECT_EQ(call(*s.gateway, "GET", numberPath(victim->id)).status, 404);
  EXPECT_THAT(allNumbers(*s.gateway), ElementsAre(Field(&NumberRecord::phoneNumberSid, sids[1])));
  EXPECT_THAT(sidsOnTrunk(s.emulator->numbers(s.account.sid), trunk), ElementsAre(sids[1]));
  EXPECT_EQ(intMember(getProvider(*s.gateway, s.providerId), "phoneNumberCount"), 1);
  EXPECT_EQ(call(*s.gateway, "DELETE", deletePath(s.providerId, victim->id)).status, 404);

  // The number stays in the account and can be imported again.
  auto again = importNumbers(*s.gateway, s.providerId, {sids[0]});
  EXPECT_EQ(again.successCount, 1);
  EXPECT_THAT(again.errors, IsEmpty());
}

TEST_F(NumbersTest, DeleteThroughAnotherProviderAnswers404) {
  auto first = randomAccount();
  auto second = randomAccount();
  EmulatorOptions eo;
  eo.accounts = {first, second};
  eo.numbers = 1;
  auto& emulator = startEmulator(eo);
  auto& gw = startGateway();
  std::string p1 = createProvider(gw, first);
  std::string p2 = createProvider(gw, second);
  std::string sid = emulator.numbers(first.sid)[0].sid;
  ASSERT_EQ(importNumbers(gw, p1, {sid}).successCount, 1);
  std::string id = allNumbers(gw).at(0).id;

  auto resp = call(gw, "DELETE", deletePath(p2, id));

  EXPECT_EQ(resp.status, 404) << resp.describe();
  EXPECT_EQ(call(gw, "GET", numberPath(id)).status, 200);
  EXPECT_THAT(sidsOnTrunk(emulator.numbers(first.sid), providerTrunk(gw, p1)), ElementsAre(sid));
}

TEST_F(NumbersTest, FiltersByProviderAndPhoneNumber) {
  auto first = randomAccount();
  auto second = randomAccount();
  EmulatorOptions eo;
  eo.accounts = {first, second};
  eo.numbers = 5;
  auto& emulator = startEmulator(eo);
  auto& gw = startGateway();
  std::string p1 = createProvider(gw, first);
  std::string p2 = createProvider(gw, second);
  auto firstNumbers = emulator.numbers(first.sid);
  auto secondNumbers = emulator.numbers(second.sid);
  ASSERT_EQ(importNumbers(gw, p1, sidsOf(firstNumbers)).successCount, 5);
  ASSERT_EQ(importNumbers(gw, p2, {secondNumbers[0].sid, secondNumbers[1].sid}).successCount, 2);

  auto ofFirst = listNumbers(gw, "providerId=" + p1);
  auto ofSecond = listNumbers(gw, "providerId=" + p2);
  auto byNumber = listNumbers(gw, "phoneNumber=" + urlEncode(secondNumbers[1].phoneNumber));
  auto both = listNumbers(
      gw, "providerId=" + p1 + "&phoneNumber=" + urlEncode(secondNumbers[1].phoneNumber));
  auto notImported = listNumbers(gw, "phoneNumber=" + urlEncode(secondNumbers[2].phoneNumber));
  auto unknownProvider = listNumbers(gw, "providerId=" + randomUuid());
  auto unlinked = listNumbers(gw, "unlinkedOnly=true");
  auto linkedToAgent = listNumbers(gw, "linkedAgentId=" + randomUuid());
  auto everything = listNumbers(gw);

  EXPECT_EQ(ofFirst.totalCount, 5);
  EXPECT_EQ(ofFirst.items.size(), 5u);
  EXPECT_THAT(ofFirst.items, Each(Field(&NumberRecord::providerId, p1)));
  EXPECT_EQ(ofSecond.totalCount, 2);
  EXPECT_THAT(ofSecond.items, Each(Field(&NumberRecord::providerId, p2)));
  EXPECT_EQ(byNumber.totalCount, 1);
  EXPECT_THAT(byNumber.items,
              ElementsAre(Field(&NumberRecord::phoneNumberSid, secondNumbers[1].sid)));
  EXPECT_EQ(both.totalCount, 0);
  EXPECT_THAT(both.items, IsEmpty());
  EXPECT_EQ(notImported.totalCount, 0);
  EXPECT_EQ(unknownProvider.totalCount, 0);
  EXPECT_EQ(unlinked.totalCount, 7);  // no number is linked to an agent yet
  EXPECT_EQ(linkedToAgent.totalCount, 0);
  EXPECT_EQ(everything.totalCount, 7);
}

TEST_F(NumbersTest, RejectsMalformedFilters) {
  auto s = startWithProvider(1);

  auto badProvider = call(*s.gateway, "GET", "/api/v1/sip-phone-numbers?providerId=p1");
  auto badNumber = call(*s.gateway, "GET", "/api/v1/sip-phone-numbers?phoneNumber=call-me");
  auto badFlag = call(*s.gateway, "GET", "/api/v1/sip-phone-numbers?unlinkedOnly=yes");

  EXPECT_EQ(badProvider.status, 400) << badProvider.describe();
  EXPECT_THAT(validationErrorKeys(badProvider.body), ElementsAre("providerId"));
  EXPECT_EQ(badNumber.status, 400) << badNumber.describe();
  EXPECT_THAT(validationErrorKeys(badNumber.body), ElementsAre("phoneNumber"));
  EXPECT_EQ(badFlag.status, 400) << badFlag.describe();
  EXPECT_THAT(validationErrorKeys(badFlag.body), ElementsAre("unlinkedOnly"));
}

TEST_F(NumbersTest, PagesWithSkipAndTake) {
  auto s = startWithProvider(7);
  ASSERT_EQ(importNumbers(*s.gateway, s.providerId, sidsOf(s.numbers)).successCount, 7);

  std::set<std::string> seen;
  std::vector<size_t> pageSizes;
  for (int skip = 0; skip <= 9; skip += 3) {
    auto page = listNumbers(*s.gateway, "skip=" + std::to_string(skip) + "&take=3");
    EXPECT_EQ(page.totalCount, 7) << "skip " << skip;
    EXPECT_EQ(page.skip, skip);
    EXPECT_EQ(page.take, 3);
    pageSizes.push_back(page.items.size());
    for (const auto& n : page.items) {
      EXPECT_TRUE(seen.insert(n.id).second) << n.id << " is on two pages";
    }
  }
  auto defaults = listNumbers(*s.gateway);

  EXPECT_THAT(pageSizes, ElementsAre(3u, 3u, 1u, 0u));
  EXPECT_EQ(seen.size(), 7u);
  EXPECT_EQ(defaults.skip, 0);
  EXPECT_EQ(defaults.take, 20);
  EXPECT_EQ(defaults.items.size(), 7u);
}

TEST_F(NumbersTest, RejectsTakeOutsideOneToThousandAndNegativeSkip) {
  auto s = startWithProvider(1);

  for (const char* query : {"take=0", "take=1001", "take=ten"}) {
    auto resp = call(*s.gateway, "GET", std::string("/api/v1/sip-phone-numbers?") + query);
    EXPECT_EQ(resp.status, 400) << query << ": " << resp.describe();
    if (resp.status == 400) {
      EXPECT_THAT(validationErrorKeys(resp.body), ElementsAre("take"));
    }
  }
  auto negative = call(*s.gateway, "GET", "/api/v1/sip-phone-numbers?skip=-1");
  EXPECT_EQ(negative.status, 400) << negative.describe();
  if (negative.status == 400) {
    EXPECT_THAT(validationErrorKeys(negative.body), ElementsAre("skip"));
  }
  EXPECT_EQ(listNumbers(*s.gateway, "take=1000").take, 1000);
  EXPECT_EQ(listNumbers(*s.gateway, "take=1").take, 1);
}

TEST_F(NumbersTest, HidesNumbersOfOtherOrgs) {
  std::string otherOrgToken = randomAdminToken();
  GatewayOptions go;
  go.tokensFile = writeTokensFile({{otherOrgToken, "org-b"}});
  auto s = startWithProvider(2, go);
  ASSERT_EQ(importNumbers(*s.gateway, s.providerId, sidsOf(s.numbers)).successCount, 2);
  auto stored = allNumbers(*s.gateway);

  auto theirs = listNumbers(*s.gateway, "", otherOrgToken);
  auto byProvider = listNumbers(*s.gateway, "providerId=" + s.providerId, otherOrgToken);

  EXPECT_EQ(theirs.totalCount, 0);
  EXPECT_THAT(theirs.items, IsEmpty());
  EXPECT_EQ(byProvider.totalCount, 0);
  for (const auto& n : stored) {
    EXPECT_EQ(call(*s.gateway, "GET", numberPath(n.id), std::nullopt, otherOrgToken).status, 404);
    EXPECT_EQ(
        call(*s.gateway, "DELETE", deletePath(s.providerId, n.id), std::nullopt, otherOrgToken)
            .status,
        404);
  }
  EXPECT_EQ(allNumbers(*s.gateway).size(), 2u);
}

}  // namespace
}  // namespace gw::integration
