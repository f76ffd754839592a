// Numbers the gateway attaches to a customer's trunk are never left there without a record:
// the attachment journal, the sweep at start-up, a provider delete during an import and a
// store that refuses the import's commit.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <future>

#include "orphan_fixture.hpp"

namespace gw::integration {
namespace {

using ::testing::Each;
using ::testing::Field;
using ::testing::IsEmpty;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAreArray;

using namespace std::chrono_literals;

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// Root cause: the import attached numbers long before its one commit, so a crash in between
// left them on the trunk with no record anywhere. Now each batch is journaled before its
// attach requests go out, and the start-up sweep detaches what was journaled and not stored,
// in the background: the admin API answers before Twilio is done.
TEST_F(OrphanTest, StartUpSweepDetachesWhatAKilledImportAttached) {
  EmulatorOptions eo;
  eo.latencyMs = 10;
  auto a = startWithAdoptedTrunk(1500, {}, eo);
  auto request = importRequest(*a.gateway, a.providerId, a.sids);
  auto import = std::async(std::launch::async, [request] {
    HttpClient client;
    return client.send(request);
  });
  ASSERT_TRUE(waitForAttaches(*a.emulator, 300));
  a.gateway->kill();
  import.wait();
  ASSERT_THAT(onTrunk(a), ::testing::Not(IsEmpty())) << "the kill came too late to matter";

  a.gateway->start();
  // Up and answering while the sweep still talks to Twilio.
  EXPECT_EQ(call(*a.gateway, "GET", "/healthz", std::nullopt, "").status, 200);
  EXPECT_TRUE(waitUntilTrunkMatchesStore(a, 30s))
      << onTrunk(a).size() << " numbers on the trunk, " << stored(*a.gateway, a.providerId).size()
      << " stored";
  EXPECT_THAT(stored(*a.gateway, a.providerId), IsEmpty());
}

// Twilio unreachable during the sweep: the journal is kept, and a later start with Twilio
// back, followed by a provider delete, leaves nothing of ours on the trunk.
TEST_F(OrphanTest, KeepsTheJournalWhileTwilioIsDownAndDeleteSweepsIt) {
  EmulatorOptions eo;
  eo.latencyMs = 10;
  auto a = startWithAdoptedTrunk(600, {}, eo);
  auto request = importRequest(*a.gateway, a.providerId, a.sids);
  auto import = std::async(std::launch::async, [request] {
    HttpClient client;
    return client.send(request);
  });
  ASSERT_TRUE(waitForAttaches(*a.emulator, 100));
  a.gateway->kill();
  import.wait();
  const auto orphans = onTrunk(a);
  ASSERT_THAT(orphans, ::testing::Not(IsEmpty()));

  a.gateway->options().twilioUrl = "http://127.0.0.1:1";  // nothing listens there
  a.gateway->options().twilioMaxAttempts = 1;
  a.gateway->start();
  std::this_thread::sleep_for(2s);  // let the sweep fail at least once (no pass/fail timing)
  ASSERT_TRUE(a.gateway->stop().value_or(ExitStatus{}).clean());
  EXPECT_EQ(onTrunk(a), orphans) << "nothing could have detached them";

  a.gateway->options().twilioUrl = a.emulator->baseUrl();
  a.gateway->options().twilioMaxAttempts = 0;
  a.gateway->start();
  auto removed = call(*a.gateway, "DELETE", "/api/v1/providers/" + a.providerId);

  EXPECT_EQ(removed.status, 204) << removed.describe();
  EXPECT_THAT(onTrunk(a), IsEmpty());
}

// Root cause: a provider delete answered 204 while an import of the same provider was still
// attaching. Now the delete stops the provider's imports and waits for them; the import
// detaches what it attached. Numbers the customer had on the trunk before are not ours: the
// journal tells them apart, and they stay.
TEST_F(OrphanTest, DeleteDuringImportLeavesOnlyTheCustomersOwnNumbers) {
  EmulatorOptions eo;
  eo.latencyMs = 20;
  auto a = startWithAdoptedTrunk(300, {}, eo);
  const std::vector<std::string> customers(a.sids.begin(), a.sids.begin() + 3);
  for (const auto& sid : customers) a.emulator->attachNumber(a.account, a.trunk, sid);
  a.emulator->resetStats();
  auto request = importRequest(*a.gateway, a.providerId, a.sids);
  auto import = std::async(std::launch::async, [request] {
    HttpClient client;
    return client.send(request);
  });
  ASSERT_TRUE(waitForAttaches(*a.emulator, 20));

  auto removed = call(*a.gateway, "DELETE", "/api/v1/providers/" + a.providerId);

  ASSERT_EQ(removed.status, 204) << removed.describe();
  EXPECT_THAT(onTrunk(a), UnorderedElementsAreArray(customers));
  auto answer = import.get();
  ASSERT_EQ(answer.status, 200) << answer.describe();
  auto result = parseImportResult(answer.body);
  EXPECT_EQ(result.successCount, 0);
  EXPECT_EQ(result.failedCount, 300);
  EXPECT_THAT(result.errors,
              Each(Field(&ImportError::errorMessage, "Provider was deleted during the import")));
  EXPECT_EQ(call(*a.gateway, "GET", "/api/v1/providers/" + a.providerId).status, 404);
  EXPECT_EQ(listNumbers(*a.gateway).totalCount, 0);
  EXPECT_THAT(onTrunk(a), UnorderedElementsAreArray(customers));
}

// Root cause: a commit the store refused (disk full) left every attached number on the
// trunk. Now the import detaches what it attached, answers with every SID and the reason,
// and the customer's own numbers stay attached.
TEST_F(OrphanTest, FailedCommitDetachesWhatTheImportAttached) {
  GatewayOptions go;
  go.storeSync = true;
  auto a = startWithAdoptedTrunk(2000, go);
  const std::vector<std::string> customers(a.sids.begin(), a.sids.begin() + 2);
  for (const auto& sid : customers) a.emulator->attachNumber(a.account, a.trunk, sid);
  ASSERT_TRUE(a.gateway->stop().value_or(ExitStatus{}).clean());
  const auto dataFile = std::filesystem::path(a.gateway->options().dataDir) / "data.mdb";
  // Room for the journal (a few hundred KB) but not for 2,000 numbers with their indexes.
  a.gateway->options().fileSizeLimitBytes = std::filesystem::file_size(dataFile) + (512 << 10);
  a.gateway->start();

  auto answer = postImport(*a.gateway, a.providerId, a.sids);

  ASSERT_EQ(answer.status, 200) << answer.describe();
  auto result = parseImportResult(answer.body);
  EXPECT_EQ(result.successCount, 0);
  EXPECT_EQ(result.failedCount, 2000);
  std::vector<std::string> reported;
  for (const auto& e : result.errors) reported.push_back(e.phoneNumberSid);
  EXPECT_THAT(reported, UnorderedElementsAreArray(a.sids));
  EXPECT_THAT(result.errors, Each(Field(&ImportError::errorMessage,
                                        StartsWith("The gateway could not store the number ("))));
  EXPECT_EQ(listNumbers(*a.gateway).totalCount, 0);
  EXPECT_EQ(onTrunk(a), sorted(customers));
  EXPECT_EQ(call(*a.gateway, "GET", "/healthz", std::nullopt, "").status, 200);
}

// A store that cannot even record the journal batch attaches nothing: the journal entry
// must exist before the attach request goes out.
TEST_F(OrphanTest, JournalWriteFailureAttachesNothing) {
  auto a = startWithAdoptedTrunk(2000);
  const std::vector<std::string> customers(a.sids.begin(), a.sids.begin() + 2);
  for (const auto& sid : customers) a.emulator->attachNumber(a.account, a.trunk, sid);
  ASSERT_TRUE(a.gateway->stop().value_or(ExitStatus{}).clean());
  const auto dataFile = std::filesystem::path(a.gateway->options().dataDir) / "data.mdb";
  a.gateway->options().fileSizeLimitBytes = std::filesystem::file_size(dataFile);
  a.gateway->start();
  a.emulator->resetStats();

  auto answer = postImport(*a.gateway, a.providerId, a.sids);

  ASSERT_EQ(answer.status, 200) << answer.describe();
  auto result = parseImportResult(answer.body);
  EXPECT_EQ(result.successCount, 0);
  EXPECT_EQ(result.failedCount, 2000);
  size_t notAttached = 0;
  for (const auto& e : result.errors) {
    notAttached += e.errorMessage.rfind("Not attached: the gateway could not record", 0) == 0;
  }
  EXPECT_EQ(notAttached, 1998u) << "every number not on the trunk yet";
  EXPECT_EQ(a.emulator->stats().requestsTo("POST", "/PhoneNumbers"), 0u);
  EXPECT_EQ(onTrunk(a), sorted(customers));
  EXPECT_EQ(listNumbers(*a.gateway).totalCount, 0);
}

}  // namespace
}  // namespace gw::integration
