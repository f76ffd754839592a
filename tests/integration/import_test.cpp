// POST /api/v1/providers/twilio/{id}/import-numbers against the real gatewayd and emulator:
// the seed document's error kinds, partial success, duplicates and concurrent imports.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <latch>
#include <set>
#include <thread>

#include "harness/gateway_fixture.hpp"

namespace gw::integration {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAreArray;

class ImportTest : public GatewayTest {};

std::vector<std::string> storedSids(const std::vector<NumberRecord>& records) {
  std::vector<std::string> out;
  for (const auto& r : records) out.push_back(r.phoneNumberSid);
  return out;
}

TEST_F(ImportTest, ReportsNotFoundForUnknownSid) {
  auto s = startWithProvider(3);
  std::string unknown = randomSid("PN");

  auto r = importNumbers(*s.gateway, s.providerId, {unknown});

  EXPECT_EQ(r.successCount, 0);
  EXPECT_EQ(r.failedCount, 1);
  EXPECT_THAT(r.errors, ElementsAre(ImportError{unknown, "Not found"}));
  EXPECT_EQ(listNumbers(*s.gateway).totalCount, 0);
  EXPECT_EQ(s.emulator->numbers(s.account.sid), s.numbers);
}

TEST_F(ImportTest, ReportsAlreadyImportedOnReimport) {
  auto s = startWithProvider(3);
  const std::string sid = s.numbers[0].sid;

  auto first = importNumbers(*s.gateway, s.providerId, {sid});
  auto second = importNumbers(*s.gateway, s.providerId, {sid});

  EXPECT_EQ(first.successCount, 1);
  EXPECT_EQ(first.failedCount, 0);
  EXPECT_EQ(second.successCount, 0);
  EXPECT_EQ(second.failedCount, 1);
  EXPECT_THAT(second.errors, ElementsAre(ImportError{sid, "Already imported"}));
  EXPECT_THAT(storedSids(allNumbers(*s.gateway)), ElementsAre(sid));
  EXPECT_THAT(
      sidsOnTrunk(s.emulator->numbers(s.account.sid), providerTrunk(*s.gateway, s.providerId)),
      ElementsAre(sid));
}

// A number already on a trunk the gateway does not own (here: the trunk of a second
// gatewayd with its own data directory, on the same Twilio account) is not taken away.
TEST_F(ImportTest, ReportsTrunkAttachmentFailedForNumberOnAnotherTrunk) {
  auto s = startWithProvider(3);
  GatewayOptions otherOptions;
  otherOptions.twilioUrl = s.emulator->baseUrl();
  auto& other = startGateway(otherOptions);
  std::string otherProvider = createProvider(other, s.account);
  std::string trunk = providerTrunk(*s.gateway, s.providerId);
  std::string otherTrunk = providerTrunk(other, otherProvider);
  ASSERT_NE(trunk, otherTrunk);
  const std::string taken = s.numbers[0].sid;
  const std::string free = s.numbers[1].sid;
  ASSERT_EQ(importNumbers(*s.gateway, s.providerId, {taken}).successCount, 1);

  auto r = importNumbers(other, otherProvider, {taken, free});

  EXPECT_EQ(r.successCount, 1);
  EXPECT_EQ(r.failedCount, 1);
  EXPECT_THAT(r.errors, ElementsAre(ImportError{
                            taken, "Trunk attachment failed: attached to another trunk " + trunk}));
  EXPECT_THAT(storedSids(allNumbers(other)), ElementsAre(free));
  auto twilio = s.emulator->numbers(s.account.sid);
  EXPECT_THAT(sidsOnTrunk(twilio, trunk), ElementsAre(taken));
  EXPECT_THAT(sidsOnTrunk(twilio, otherTrunk), ElementsAre(free));
}

TEST_F(ImportTest, ImportsGoodSidsAndReportsFailuresInRequestOrder) {
  auto s = startWithProvider(4);
  const std::string a = s.numbers[0].sid, b = s.numbers[1].sid, c = s.numbers[2].sid;
  const std::string unknown1 = randomSid("PN"), unknown2 = randomSid("PN");

  auto r = importNumbers(*s.gateway, s.providerId, {unknown1, a, b, a, unknown2, c, b});

  EXPECT_EQ(r.successCount, 3);
  EXPECT_EQ(r.failedCount, 4);
  EXPECT_THAT(
      r.errors,
      ElementsAre(ImportError{unknown1, "Not found"}, ImportError{a, "Duplicate in request"},
                  ImportError{unknown2, "Not found"}, ImportError{b, "Duplicate in request"}));
  EXPECT_THAT(storedSids(allNumbers(*s.gateway)), UnorderedElementsAreArray({a, b, c}));
  EXPECT_THAT(
      sidsOnTrunk(s.emulator->numbers(s.account.sid), providerTrunk(*s.gateway, s.providerId)),
      UnorderedElementsAreArray({a, b, c}));
}

TEST_F(ImportTest, ReturnsEmptyErrorsArrayWhenAllSucceed) {
  auto s = startWithProvider(3);

  auto resp = postImport(*s.gateway, s.providerId, sidsOf(s.numbers));

  ASSERT_EQ(resp.status, 200) << resp.describe();
  EXPECT_THAT(resp.header("Content-Type").value_or(""), ::testing::StartsWith("application/json"));
  auto r = parseImportResult(resp.body);
  EXPECT_EQ(r.successCount, 3);
  EXPECT_EQ(r.failedCount, 0);
  EXPECT_TRUE(r.errorsIsArray) << "errors must be [] (not null or missing): " << resp.describe();
  EXPECT_THAT(r.errors, IsEmpty());

  // Each record carries the number Twilio knows for the SID.
  auto stored = allNumbers(*s.gateway);
  ASSERT_EQ(stored.size(), 3u);
  for (const auto& n : s.numbers) {
    auto it = std::find_if(stored.begin(), stored.end(),
                           [&](const NumberRecord& r) { return r.phoneNumberSid == n.sid; });
    ASSERT_NE(it, stored.end()) << n.sid;
    EXPECT_EQ(it->phoneNumber, n.phoneNumber);
    EXPECT_EQ(it->providerId, s.providerId);
    EXPECT_EQ(it->orgId, "default");
  }
  EXPECT_EQ(intMember(getProvider(*s.gateway, s.providerId), "phoneNumberCount"), 3);
}

TEST_F(ImportTest, ReportsEveryRepeatOfSidAsDuplicateInRequest) {
  auto s = startWithProvider(2);
  const std::string a = s.numbers[0].sid, b = s.numbers[1].sid;

  auto r = importNumbers(*s.gateway, s.providerId, {a, a, b, a});

  EXPECT_EQ(r.successCount, 2);
  EXPECT_EQ(r.failedCount, 2);
  EXPECT_THAT(r.errors, ElementsAre(ImportError{a, "Duplicate in request"},
                                    ImportError{a, "Duplicate in request"}));
  EXPECT_EQ(listNumbers(*s.gateway).totalCount, 2);
}

TEST_F(ImportTest, ReportsSidsAlreadyImportedAcrossRequests) {
  auto s = startWithProvider(4);
  auto sids = sidsOf(s.numbers);
  ASSERT_EQ(importNumbers(*s.gateway, s.providerId, {sids[0], sids[1]}).successCount, 2);

  auto r = importNumbers(*s.gateway, s.providerId, {sids[1], sids[2], sids[0], sids[3]});

  EXPECT_EQ(r.successCount, 2);
  EXPECT_EQ(r.failedCount, 2);
  EXPECT_THAT(r.errors, ElementsAre(ImportError{sids[1], "Already imported"},
                                    ImportError{sids[0], "Already imported"}));
  EXPECT_THAT(storedSids(allNumbers(*s.gateway)), UnorderedElementsAreArray(sids));
}

TEST_F(ImportTest, ReportsNumberImportedByAnotherProviderOfTheOrg) {
  auto first = randomAccount();
  auto second = randomAccount();
  EmulatorOptions eo;
  eo.accounts = {first, second};
  eo.numbers = 2;
  auto& emulator = startEmulator(eo);
  auto& gw = startGateway();
  std::string p1 = createProvider(gw, first);
  std::string p2 = createProvider(gw, second);
  auto firstNumbers = sidsOf(emulator.numbers(first.sid));
  auto secondNumbers = sidsOf(emulator.numbers(second.sid));
  ASSERT_EQ(importNumbers(gw, p1, {firstNumbers[0]}).successCount, 1);

  // The first account's other number is not in the second account at all.
  auto r = importNumbers(gw, p2, {firstNumbers[0], secondNumbers[0], firstNumbers[1]});

  EXPECT_EQ(r.successCount, 1);
  EXPECT_EQ(r.failedCount, 2);
  EXPECT_THAT(r.errors,
              ElementsAre(ImportError{firstNumbers[0], "Already imported by provider " + p1},
                          ImportError{firstNumbers[1], "Not found"}));
  EXPECT_EQ(listNumbers(gw, "providerId=" + p1).totalCount, 1);
  EXPECT_THAT(storedSids(listNumbers(gw, "providerId=" + p2).items), ElementsAre(secondNumbers[0]));
}

TEST_F(ImportTest, ReportsNumberImportedByAnotherOrganization) {
  std::string otherOrgToken = randomAdminToken();
  GatewayOptions go;
  go.tokensFile = writeTokensFile({{otherOrgToken, "org-b"}});
  auto s = startWithProvider(2, go);
  std::string otherProvider = createProvider(*s.gateway, s.account, {}, otherOrgToken);
  const std::string sid = s.numbers[0].sid;
  ASSERT_EQ(importNumbers(*s.gateway, s.providerId, {sid}).successCount, 1);

  auto r = importNumbers(*s.gateway, otherProvider, {sid}, otherOrgToken);

  EXPECT_EQ(r.successCount, 0);
  EXPECT_THAT(r.errors, ElementsAre(ImportError{sid, "Already imported by another organization"}));
  EXPECT_EQ(listNumbers(*s.gateway, "", otherOrgToken).totalCount, 0);
  EXPECT_EQ(listNumbers(*s.gateway).totalCount, 1);
}

TEST_F(ImportTest, ImportsTenThousandNumbersWithFewTwilioRequests) {
  constexpr int kCount = 10'000;
  auto s = startWithProvider(kCount);
  auto sids = sidsOf(s.numbers);
  s.emulator->resetStats();

  auto r = importNumbers(*s.gateway, s.providerId, sids);
  auto stats = s.emulator->stats();

  EXPECT_EQ(r.successCount, kCount);
  EXPECT_EQ(r.failedCount, 0);
  EXPECT_TRUE(r.errorsIsArray);
  EXPECT_THAT(r.errors, IsEmpty());
  // Attaching costs one request per number. Finding the numbers must not: one fetch per
  // SID would double the total to 2 x 10000. The bound docs/api.md and docs/BENCHMARKS.md
  // state for an import of N SIDs from an account of M numbers is N + ceil(M/1000) + 2:
  // one attachment per SID, one listing request per page of 1,000 numbers, plus 2.
  constexpr uint64_t kAccountSize = kCount;
  constexpr uint64_t kBound = kCount + (kAccountSize + 999) / 1000 + 2;
  static_assert(kBound == 10'012);
  EXPECT_LE(stats.twilioRequests(), kBound) << "Twilio requests for the import";
  std::string trunk = providerTrunk(*s.gateway, s.providerId);
  EXPECT_EQ(sidsOnTrunk(s.emulator->numbers(s.account.sid), trunk).size(),
            static_cast<size_t>(kCount));
  EXPECT_EQ(listNumbers(*s.gateway, "take=1").totalCount, kCount);
  EXPECT_EQ(intMember(getProvider(*s.gateway, s.providerId), "phoneNumberCount"), kCount);
}

// Two requests with overlapping SIDs at the same moment: every SID is imported exactly once,
// the loser of each overlap reports it as already imported.
TEST_F(ImportTest, ImportsEachSidOnceUnderConcurrentOverlappingRequests) {
  auto s = startWithProvider(30);
  auto sids = sidsOf(s.numbers);
  std::vector<std::string> left(sids.begin(), sids.begin() + 20);
  std::vector<std::string> right(sids.begin() + 10, sids.end());
  std::set<std::string> overlap(sids.begin() + 10, sids.begin() + 20);
  HttpRequest leftRequest = importRequest(*s.gateway, s.providerId, left);
  HttpRequest rightRequest = importRequest(*s.gateway, s.providerId, right);

  HttpResponse leftResponse, rightResponse;
  std::latch start(2);
  auto send = [&start](const HttpRequest& req, HttpResponse& out) {
    HttpClient client;
    start.arrive_and_wait();
    out = client.send(req);
  };
  std::thread t1(send, std::cref(leftRequest), std::ref(leftResponse));
  std::thread t2(send, std::cref(rightRequest), std::ref(rightResponse));
  t1.join();
  t2.join();

  ASSERT_EQ(leftResponse.status, 200) << leftResponse.describe();
  ASSERT_EQ(rightResponse.status, 200) << rightResponse.describe();
  auto l = parseImportResult(leftResponse.body);
  auto r = parseImportResult(rightResponse.body);
  EXPECT_EQ(l.successCount + r.successCount, 30);
  EXPECT_EQ(l.failedCount + r.failedCount, 10);
  for (const auto* result : {&l, &r}) {
    for (const auto& e : result->errors) {
      EXPECT_EQ(e.errorMessage, "Already imported") << e.phoneNumberSid;
      EXPECT_TRUE(overlap.count(e.phoneNumberSid)) << e.phoneNumberSid << " is not in both";
    }
  }
  EXPECT_THAT(storedSids(allNumbers(*s.gateway)), UnorderedElementsAreArray(sids));
  EXPECT_EQ(sidsOnTrunk(s.emulator->numbers(s.account.sid), providerTrunk(*s.gateway, s.providerId))
                .size(),
            sids.size());
}

}  // namespace
}  // namespace gw::integration
