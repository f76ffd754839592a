// Import jobs against the real gatewayd and emulator: 202 with Location, progress until the
// job succeeds, per-SID errors paged, cancel, another org's job, validation, a provider delete
// during a job, and a job of 50,000 SIDs that survives two SIGKILLs with every SID imported
// exactly once.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <thread>

#include "orphan_fixture.hpp"

namespace gw::integration {
namespace {

using ::testing::IsEmpty;
using namespace std::chrono_literals;

struct Job {
  std::string id;
  std::string state;
  int64_t total = 0;
  int64_t done = 0;
  int64_t successCount = 0;
  int64_t failedCount = 0;
};

Job jobOf(const rapidjson::Value& doc) {
  Job j;
  j.id = stringMember(doc, "id").value_or("");
  j.state = stringMember(doc, "state").value_or("");
  j.total = intMember(doc, "total").value_or(-1);
  j.done = intMember(doc, "done").value_or(-1);
  j.successCount = intMember(doc, "successCount").value_or(-1);
  j.failedCount = intMember(doc, "failedCount").value_or(-1);
  return j;
}

bool finished(const Job& j) {
  return j.state == "succeeded" || j.state == "failed" || j.state == "cancelled";
}

class ImportJobsTest : public OrphanTest {
 protected:
  HttpResponse postJob(GatewayProcess& gw, const std::string& providerId,
                       const std::vector<std::string>& sids, Token token = std::nullopt) {
    return call(gw, "POST", "/api/v1/providers/twilio/" + providerId + "/import-jobs",
                sidsBody(sids), std::move(token));
  }

  // POST, expecting 202 with Location naming the job in the body.
  Job createJob(GatewayProcess& gw, const std::string& providerId,
                const std::vector<std::string>& sids) {
    auto resp = postJob(gw, providerId, sids);
    EXPECT_EQ(resp.status, 202) << resp.describe();
    auto job = jobOf(parseJson(resp.body));
    EXPECT_EQ(resp.header("Location").value_or(""), "/api/v1/import-jobs/" + job.id);
    EXPECT_EQ(job.total, static_cast<int64_t>(sids.size()));
    return job;
  }

  Job getJob(GatewayProcess& gw, const std::string& id) {
    auto resp = call(gw, "GET", "/api/v1/import-jobs/" + id);
    if (resp.status != 200) throw std::runtime_error("job: " + resp.describe());
    return jobOf(parseJson(resp.body));
  }

  // Polls until `until` holds for the job (or `limit` passes: then the last state).
  Job waitFor(GatewayProcess& gw, const std::string& id,
              const std::function<bool(const Job&)>& until, std::chrono::seconds limit = 300s) {
    const auto end = std::chrono::steady_clock::now() + limit;
    for (;;) {
      Job j = getJob(gw, id);
      if (until(j) || std::chrono::steady_clock::now() > end) return j;
      std::this_thread::sleep_for(20ms);
    }
  }
};

TEST_F(ImportJobsTest, AcceptedWithLocationThenProgressUntilSucceededWithErrorsPaged) {
  auto a = startWithAdoptedTrunk(30);
  const std::string missing1 = randomSid("PN"), missing2 = randomSid("PN");
  std::vector<std::string> sids = a.sids;
  sids.push_back(missing1);
  sids.push_back(a.sids[0]);  // a repeat
  sids.push_back(missing2);

  Job job = createJob(*a.gateway, a.providerId, sids);
  EXPECT_THAT(job.state, ::testing::AnyOf("queued", "running", "succeeded"));
  job = waitFor(*a.gateway, job.id, finished);
  EXPECT_EQ(job.state, "succeeded");
  EXPECT_EQ(job.total, 33);
  EXPECT_EQ(job.done, 33);
  EXPECT_EQ(job.successCount, 30);
  EXPECT_EQ(job.failedCount, 3);
  EXPECT_EQ(stored(*a.gateway, a.providerId).size(), 30u);
  EXPECT_TRUE(waitUntilTrunkMatchesStore(a, 10s));

  auto doc = parseJson(call(*a.gateway, "GET", "/api/v1/import-jobs/" + job.id).body);
  for (const char* t : {"createdAt", "startedAt", "finishedAt"}) {
    EXPECT_THAT(stringMember(doc, t).value_or(""),
                ::testing::MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T.*Z"))
        << t;
  }
  auto page = call(*a.gateway, "GET", "/api/v1/import-jobs/" + job.id + "?skip=0&take=2");
  ASSERT_EQ(page.status, 200) << page.describe();
  auto first = parseJson(page.body);
  const auto& errors = first["errors"];
  EXPECT_EQ(intMember(errors, "totalCount"), 3);
  ASSERT_EQ(errors["items"].Size(), 2u);
  EXPECT_EQ(stringMember(errors["items"][0], "phoneNumberSid"), missing1);
  EXPECT_EQ(stringMember(errors["items"][1], "phoneNumberSid"), a.sids[0]);
  EXPECT_EQ(stringMember(errors["items"][1], "errorMessage"), "Duplicate in request");
  auto rest =
      parseJson(call(*a.gateway, "GET", "/api/v1/import-jobs/" + job.id + "?skip=2&take=2").body);
  ASSERT_EQ(rest["errors"]["items"].Size(), 1u);
  EXPECT_EQ(stringMember(rest["errors"]["items"][0], "phoneNumberSid"), missing2);
  // The errors read as the synchronous import reports them.
  auto sync = importNumbers(*a.gateway, a.providerId, {missing1});
  ASSERT_EQ(sync.errors.size(), 1u);
  EXPECT_EQ(stringMember(first["errors"]["items"][0], "errorMessage"), sync.errors[0].errorMessage);

  auto list = parseJson(call(*a.gateway, "GET", "/api/v1/import-jobs?take=5").body);
  EXPECT_EQ(intMember(list, "totalCount"), 1);
  EXPECT_EQ(stringMember(list["items"][0], "id"), job.id);
}

TEST_F(ImportJobsTest, InvalidRequestsAreRefusedAndQueueNothing) {
  auto a = startWithAdoptedTrunk(2);
  auto empty = postJob(*a.gateway, a.providerId, {});
  EXPECT_EQ(empty.status, 400) << empty.describe();
  EXPECT_THAT(validationErrorKeys(empty.body), ::testing::Contains("phoneNumberSids"));
  auto bad = postJob(*a.gateway, a.providerId, {a.sids[0], "PNnot-a-sid"});
  EXPECT_EQ(bad.status, 400) << bad.describe();
  EXPECT_THAT(validationErrorKeys(bad.body), ::testing::Contains("phoneNumberSids[1]"));
  std::vector<std::string> tooMany(100'001, a.sids[0]);
  auto big = postJob(*a.gateway, a.providerId, tooMany);
  EXPECT_EQ(big.status, 400) << big.status;
  EXPECT_NE(big.body.find("1 to 100000 SIDs; it holds 100001"), std::string::npos) << big.body;
  auto text = callWithContentType(*a.gateway, "POST",
                                  "/api/v1/providers/twilio/" + a.providerId + "/import-jobs",
                                  sidsBody({a.sids[0]}), "text/plain");
  EXPECT_EQ(text.status, 415);
  EXPECT_EQ(postJob(*a.gateway, randomUuid(), {a.sids[0]}).status, 404);
  EXPECT_EQ(postJob(*a.gateway, "not-a-uuid", {a.sids[0]}).status, 400);
  // The synchronous import keeps its bound of 10,000.
  std::vector<std::string> overSync(10'001, a.sids[0]);
  auto sync = postImport(*a.gateway, a.providerId, overSync);
  EXPECT_EQ(sync.status, 400);
  EXPECT_NE(sync.body.find("1 to 10000 SIDs; it holds 10001"), std::string::npos) << sync.body;

  auto list = parseJson(call(*a.gateway, "GET", "/api/v1/import-jobs").body);
  EXPECT_EQ(intMember(list, "totalCount"), 0);
  EXPECT_THAT(stored(*a.gateway, a.providerId), IsEmpty());
  EXPECT_EQ(call(*a.gateway, "GET", "/api/v1/import-jobs?take=0").status, 400);
  EXPECT_EQ(call(*a.gateway, "GET", "/api/v1/import-jobs/" + randomUuid()).status, 404);
  EXPECT_EQ(call(*a.gateway, "GET", "/api/v1/import-jobs/nope").status, 400);
  EXPECT_EQ(call(*a.gateway, "DELETE", "/api/v1/import-jobs/" + randomUuid()).status, 404);
}

TEST_F(ImportJobsTest, AnotherOrgsJobIsNotFound) {
  const std::string otherOrgToken = randomAdminToken();
  GatewayOptions go;
  go.tokensFile = writeTokensFile({{otherOrgToken, "org-b"}});
  auto a = startWithAdoptedTrunk(3, go);
  Job job = createJob(*a.gateway, a.providerId, a.sids);
  const std::string path = "/api/v1/import-jobs/" + job.id;
  EXPECT_EQ(call(*a.gateway, "GET", path, std::nullopt, otherOrgToken).status, 404);
  EXPECT_EQ(call(*a.gateway, "DELETE", path, std::nullopt, otherOrgToken).status, 404);
  auto theirs =
      parseJson(call(*a.gateway, "GET", "/api/v1/import-jobs", std::nullopt, otherOrgToken).body);
  EXPECT_EQ(intMember(theirs, "totalCount"), 0);
  EXPECT_EQ(postJob(*a.gateway, a.providerId, a.sids, otherOrgToken).status, 404);
  EXPECT_EQ(waitFor(*a.gateway, job.id, finished).state, "succeeded");
}

TEST_F(ImportJobsTest, CancelStopsAfterTheChunkInFlightAndLeavesTrunkAndStoreAgreeing) {
  EmulatorOptions eo;
  eo.latencyMs = 5;
  GatewayOptions go;
  go.extraArgs = {"--import-job-chunk", "200"};
  auto a = startWithAdoptedTrunk(3000, go, eo);
  Job job = createJob(*a.gateway, a.providerId, a.sids);
  waitFor(*a.gateway, job.id, [](const Job& j) { return j.done > 0; });
  auto resp = call(*a.gateway, "DELETE", "/api/v1/import-jobs/" + job.id);
  ASSERT_EQ(resp.status, 200) << resp.describe();
  Job cancelled = jobOf(parseJson(resp.body));
  EXPECT_EQ(cancelled.state, "cancelled");
  EXPECT_LT(cancelled.done, 3000);
  EXPECT_EQ(cancelled.done % 200, 0);
  EXPECT_EQ(cancelled.successCount + cancelled.failedCount, cancelled.done);
  EXPECT_EQ(stored(*a.gateway, a.providerId).size(), static_cast<size_t>(cancelled.successCount));
  EXPECT_TRUE(waitUntilTrunkMatchesStore(a, 30s));
  std::this_thread::sleep_for(300ms);
  Job later = getJob(*a.gateway, job.id);
  EXPECT_EQ(later.done, cancelled.done);
  EXPECT_EQ(later.state, "cancelled");
  // Cancelling again answers the job as it is.
  auto again = call(*a.gateway, "DELETE", "/api/v1/import-jobs/" + job.id);
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(jobOf(parseJson(again.body)).done, cancelled.done);
}

TEST_F(ImportJobsTest, ProviderDeleteFailsItsRunningJob) {
  EmulatorOptions eo;
  eo.latencyMs = 5;
  GatewayOptions go;
  go.extraArgs = {"--import-job-chunk", "200"};
  auto a = startWithAdoptedTrunk(2000, go, eo);
  Job job = createJob(*a.gateway, a.providerId, a.sids);
  waitFor(*a.gateway, job.id, [](const Job& j) { return j.done > 0; });
  auto removed = call(*a.gateway, "DELETE", "/api/v1/providers/" + a.providerId + "?force=true");
  EXPECT_EQ(removed.status, 204) << removed.describe();
  EXPECT_THAT(onTrunk(a), IsEmpty());
  auto after = getJob(*a.gateway, job.id);
  EXPECT_EQ(after.state, "failed");
  auto doc = parseJson(call(*a.gateway, "GET", "/api/v1/import-jobs/" + job.id).body);
  EXPECT_EQ(stringMember(doc, "failureReason"), "Provider was deleted during the import");
}

// SIGTERM while a chunk is in flight: gatewayd stops cleanly, and the job resumes after the
// restart and imports every SID once.
TEST_F(ImportJobsTest, StopMidJobExitsCleanlyAndTheJobResumes) {
  EmulatorOptions eo;
  eo.latencyMs = 5;
  GatewayOptions go;
  go.extraArgs = {"--import-job-chunk", "200"};
  auto a = startWithAdoptedTrunk(2000, go, eo);
  Job job = createJob(*a.gateway, a.providerId, a.sids);
  waitFor(*a.gateway, job.id, [](const Job& j) { return j.done > 0; });
  const uint64_t attaches = a.emulator->stats().requestsTo("POST", "/PhoneNumbers");
  ASSERT_TRUE(waitForAttaches(*a.emulator, attaches + 50));
  auto stopped = a.gateway->stop();
  ASSERT_TRUE(stopped);
  EXPECT_TRUE(stopped->clean()) << stopped->describe();
  a.gateway->start();
  Job done = waitFor(*a.gateway, job.id, finished);
  EXPECT_EQ(done.state, "succeeded");
  EXPECT_EQ(done.successCount, 2000);
  EXPECT_EQ(done.failedCount, 0);
  EXPECT_EQ(stored(*a.gateway, a.providerId).size(), 2000u);
  EXPECT_TRUE(waitUntilTrunkMatchesStore(a, 30s));
}

// The done-when case: 50,000 SIDs, gatewayd killed (SIGKILL) twice while the job runs; after
// the restarts every SID is imported exactly once.
TEST_F(ImportJobsTest, FiftyThousandSidsSurviveTwoKillNines) {
  constexpr int kCount = 50'000;
  const auto start = std::chrono::steady_clock::now();
  auto a = startWithAdoptedTrunk(kCount);
  Job job = createJob(*a.gateway, a.providerId, a.sids);
  // Killed once about 30 % and once about 60 % are done (the progress having moved since the
  // last start), each time while a chunk is being attached.
  int64_t lastDone = 0;
  for (int kill = 1; kill <= 2; ++kill) {
    const int64_t target = kCount * 3 * kill / 10;
    Job seen = waitFor(*a.gateway, job.id, [&](const Job& j) {
      return (j.done > lastDone && j.done >= target) || finished(j);
    });
    ASSERT_FALSE(finished(seen)) << "the job finished before kill " << kill;
    // Then into the next chunk's attachments: it is attached in part and not stored.
    const uint64_t attaches = a.emulator->stats().requestsTo("POST", "/PhoneNumbers");
    ASSERT_TRUE(waitForAttaches(*a.emulator, attaches + 200, 120s));
    a.gateway->kill();
    const size_t attachedAtKill = onTrunk(a).size();
    a.gateway->start();
    Job resumed = getJob(*a.gateway, job.id);
    EXPECT_GE(resumed.done, seen.done) << "progress is kept across kill " << kill;
    EXPECT_GT(attachedAtKill, static_cast<size_t>(resumed.done)) << "a chunk was in flight";
    EXPECT_EQ(resumed.successCount, resumed.done) << "kill " << kill;
    std::cout << "kill " << kill << ": " << resumed.done << " of " << kCount << " SIDs recorded, "
              << attachedAtKill << " on the trunk\n";
    lastDone = resumed.done;
  }
  Job done = waitFor(*a.gateway, job.id, finished, 600s);
  EXPECT_EQ(done.state, "succeeded");
  EXPECT_EQ(done.done, kCount);
  EXPECT_EQ(done.successCount, kCount);
  EXPECT_EQ(done.failedCount, 0);
  auto expected = a.sids;
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(stored(*a.gateway, a.providerId), expected);
  EXPECT_TRUE(waitUntilTrunkMatchesStore(a, 60s));
  EXPECT_EQ(onTrunk(a), expected);
  std::cout << "50,000 SIDs with two kills took "
            << std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                                start)
                   .count()
            << " s\n";
}

}  // namespace
}  // namespace gw::integration
