// ImportJobService against an in-memory Twilio: chunks and their counts, repeats across
// chunks, cancel, a job whose credentials Twilio refuses, and the resume after a crash that
// left one chunk committed and the next one attached but not stored.
#include "modules/import/import_job_service.hpp"

#include <algorithm>
#include <cstdio>

#include <boost/asio/io_context.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/clock.hpp"
#include "common/uuid.hpp"
#include "store/store.hpp"
#include "tests/modules/admin/admin_stack.hpp"
#include "tests/modules/import/fake_twilio.hpp"

namespace gw::import {
namespace {

namespace asio = boost::asio;
using store::ImportJob;
using store::ImportJobState;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

const std::string kAccount = "AC" + std::string(32, 'a');
constexpr int kNumbers = 10;

std::string sidOf(int i) {
  char sid[35];
  std::snprintf(sid, sizeof sid, "PN%032x", i);
  return sid;
}

class ImportJobServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 1; i <= kNumbers; ++i) {
      twilio_.addNumber(sidOf(i), "+14155550" + std::to_string(100 + i));
      sids_.push_back(sidOf(i));
    }
    provider_.id = newUuid();
    provider_.orgId = "org-1";
    provider_.accountSid = kAccount;
    provider_.authToken = std::string(32, 'f');
    provider_.trunkSid = twilio_.addTrunk("TK" + std::string(32, 'b'));
    auto txn = stack_.store->write();
    stack_.store->putProvider(txn, provider_);
    txn.commit();
    makeServices();
  }
  void TearDown() override {
    jobs_.reset();
    imports_.reset();
  }
  // A fresh pair of services on the same store: what a restarted gatewayd has.
  void makeServices() {
    jobs_.reset();
    imports_ = std::make_unique<ImportService>(stack_.ctx);
    jobs_ = std::make_unique<ImportJobService>(stack_.ctx, *imports_, ImportJobOptions{3});
  }

  // Creates the job and runs the control loop until it has nothing left to do.
  ImportJob createAndRun(const std::vector<std::string>& sids) {
    ImportJob job = stack_.run(jobs_->create(provider_, sids)).value();
    return stored(job.id);
  }
  ImportJob stored(const std::string& id) {
    auto txn = stack_.store->read();
    return *stack_.store->getImportJob(txn, id);
  }
  std::vector<store::ImportJobError> errors(const std::string& id) {
    auto txn = stack_.store->read();
    return stack_.store->importJobErrors(txn, id, 0, 100);
  }
  std::vector<std::string> storedSids() {
    std::vector<std::string> out;
    auto txn = stack_.store->read();
    for (const auto& n : stack_.store->listNumbersOfProvider(txn, provider_.id))
      out.push_back(n.phoneNumberSid);
    std::sort(out.begin(), out.end());
    return out;
  }

  testing::FakeTwilio twilio_{kAccount};
  admin::testing::AdminStack stack_{twilio_, "gw-import-jobs"};
  store::Provider provider_;
  std::vector<std::string> sids_;
  std::unique_ptr<ImportService> imports_;
  std::unique_ptr<ImportJobService> jobs_;
};

TEST_F(ImportJobServiceTest, RunsInChunksUntilSucceededWithRepeatsAcrossChunksFailed) {
  const std::string missing = sidOf(999);
  std::vector<std::string> sids = sids_;
  sids.push_back(sids_[0]);  // a repeat of chunk 0 in chunk 3
  sids.push_back(missing);
  ImportJob job = createAndRun(sids);
  EXPECT_EQ(job.state, ImportJobState::kSucceeded);
  EXPECT_EQ(job.total, 12u);
  EXPECT_EQ(job.done, 12u);
  EXPECT_EQ(job.successCount, 10u);
  EXPECT_EQ(job.failedCount, 2u);
  EXPECT_NE(job.startedMs, 0);
  EXPECT_GE(job.finishedMs, job.startedMs);
  auto e = errors(job.id);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].phoneNumberSid, sids_[0]);
  EXPECT_EQ(e[0].errorMessage, "Duplicate in request");
  EXPECT_EQ(e[1].phoneNumberSid, missing);
  EXPECT_EQ(e[1].errorMessage.rfind("Not found", 0), 0u) << e[1].errorMessage;
  EXPECT_EQ(storedSids(), sids_);
  EXPECT_EQ(twilio_.onTrunk(provider_.trunkSid), sids_);
}

TEST_F(ImportJobServiceTest, AlreadyImportedSidsFailAsTheSynchronousImportSaysSo) {
  ASSERT_EQ(stack_.run(imports_->run(provider_, {sids_[1]})).successCount, 1u);
  ImportJob job = createAndRun(sids_);
  EXPECT_EQ(job.successCount, 9u);
  EXPECT_THAT(errors(job.id), ElementsAre(::testing::Field(&store::ImportJobError::errorMessage,
                                                           "Already imported")));
}

TEST_F(ImportJobServiceTest, CancelOfAQueuedJobImportsNothing) {
  auto job = stack_.run([&]() -> asio::awaitable<admin::Result<ImportJob>> {
    ImportJob created = (co_await jobs_->create(provider_, sids_)).value();
    co_return co_await jobs_->cancel("org-1", created.id);  // before its runner started
  }());
  ASSERT_TRUE(job);
  EXPECT_EQ(job->state, ImportJobState::kCancelled);
  EXPECT_EQ(stored(job->id).done, 0u);
  EXPECT_EQ(stored(job->id).state, ImportJobState::kCancelled);
  EXPECT_THAT(storedSids(), IsEmpty());
  EXPECT_EQ(twilio_.attachCalls(), 0u);
  // Another org's job is not found, and neither is a job id that is not a UUID.
  auto other = stack_.run(jobs_->cancel("org-2", job->id));
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().fault, admin::Fault::kNotFound);
  EXPECT_EQ(jobs_->get("org-1", "x", {}).error().fault, admin::Fault::kInvalid);
}

// A tenant cannot fill the shared store with queued jobs: the eleventh unfinished job of an
// org is refused and nothing is stored; other orgs, and the org once a job finishes, go on.
TEST_F(ImportJobServiceTest, AnOrgHasAtMostTenUnfinishedJobs) {
  std::vector<std::string> queued;
  stack_.run(stack_.writes.commit([&](const store::ReadView&, admin::ChangeSet& change) {
    change.importJobs.clear();
    queued.clear();
    for (size_t i = 0; i < kMaxUnfinishedJobsPerOrg; ++i) {
      ImportJob j;
      j.id = newUuid();
      j.orgId = provider_.orgId;
      j.providerId = provider_.id;
      j.total = 1;
      j.chunkSize = 3;
      change.importJobs.push_back({j, {sidOf(1)}, {}, 0});
      queued.push_back(j.id);
    }
  }));
  auto jobCount = [&] {
    auto txn = stack_.store->read();
    return stack_.store->listImportJobs(txn).size();
  };

  auto refused = stack_.run(jobs_->create(provider_, {sidOf(2)}));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().fault, admin::Fault::kConflict);
  EXPECT_NE(refused.error().detail.find("10 import jobs queued or running"), std::string::npos)
      << refused.error().detail;
  EXPECT_EQ(jobCount(), kMaxUnfinishedJobsPerOrg);

  store::Provider other = provider_;
  other.id = newUuid();
  other.orgId = "org-2";
  {
    auto txn = stack_.store->write();
    stack_.store->putProvider(txn, other);
    txn.commit();
  }
  EXPECT_TRUE(stack_.run(jobs_->create(other, {sidOf(3)})));

  // Once the org's jobs have run (the runner of its provider takes them all), it may queue
  // again.
  jobs_->resume();
  stack_.run([]() -> asio::awaitable<int> { co_return 0; }());
  EXPECT_EQ(stored(queued.back()).state, ImportJobState::kSucceeded);
  EXPECT_TRUE(stack_.run(jobs_->create(provider_, {sidOf(2)})));
}

// A finished job keeps its record and errors, not its SIDs (a 100,000-SID job holds 3.4 MB of
// them); a new job takes jobs finished longer ago than the retention away with it, so that a
// tenant running job after job does not fill the store.
TEST_F(ImportJobServiceTest, FinishedJobsDropTheirSidsAndGoAfterTheRetention) {
  auto chunks = [&](const std::string& id) {
    auto txn = stack_.store->read();
    return stack_.store->importJobChunk(txn, id, 0).size();
  };
  std::vector<std::string> sids = sids_;
  sids.push_back(sidOf(999));  // not in the account: one error
  ImportJob done = createAndRun(sids);
  ASSERT_EQ(done.state, ImportJobState::kSucceeded);
  EXPECT_EQ(chunks(done.id), 0u);
  EXPECT_EQ(errors(done.id).size(), 1u);

  // A job that finished 31 days ago.
  ImportJob old;
  old.id = newUuid();
  old.orgId = provider_.orgId;
  old.providerId = provider_.id;
  old.state = ImportJobState::kSucceeded;
  old.total = old.done = old.failedCount = 1;
  old.chunkSize = 3;
  const int64_t day = 24 * 3600 * 1000;
  old.createdMs = old.startedMs = nowUnixMillis() - 32 * day;
  old.finishedMs = nowUnixMillis() - 31 * day;
  {
    auto txn = stack_.store->write();
    stack_.store->putImportJob(txn, old);
    stack_.store->putImportJobSids(txn, old.id, {sidOf(1)}, 3);
    stack_.store->putImportJobErrors(txn, old.id, 0, {{sidOf(1), "Already imported"}});
    txn.commit();
  }

  createAndRun({sidOf(998)});
  auto txn = stack_.store->read();
  EXPECT_FALSE(stack_.store->getImportJob(txn, old.id));
  EXPECT_TRUE(stack_.store->importJobChunk(txn, old.id, 0).empty());
  EXPECT_TRUE(stack_.store->importJobErrors(txn, old.id, 0, 10).empty());
  EXPECT_TRUE(stack_.store->getImportJob(txn, done.id));  // finished today: kept
}

TEST_F(ImportJobServiceTest, CredentialsRefusedFailTheJobWithTheReason) {
  provider_.accountSid = "AC" + std::string(32, 'c');  // not the account Twilio knows
  {
    auto txn = stack_.store->write();
    stack_.store->putProvider(txn, provider_);
    txn.commit();
  }
  ImportJob job = createAndRun(sids_);
  EXPECT_EQ(job.state, ImportJobState::kFailed);
  EXPECT_EQ(job.done, 0u);
  EXPECT_NE(job.error.find("Twilio rejected the provider's credentials"), std::string::npos)
      << job.error;
  EXPECT_THAT(storedSids(), IsEmpty());
}

TEST_F(ImportJobServiceTest, ResumesAfterTheLastCommittedChunkAndCountsEachSidOnce) {
  // What a crash leaves: chunk 0 stored and counted in one commit; chunk 1 journaled and
  // attached, not stored; the job still running.
  ImportJob job;
  job.id = newUuid();
  job.orgId = provider_.orgId;
  job.providerId = provider_.id;
  job.state = ImportJobState::kRunning;
  job.total = sids_.size();
  job.chunkSize = 3;
  job.createdMs = job.startedMs = 1;
  stack_.run([&]() -> asio::awaitable<bool> {
    co_await stack_.writes.commit([&](const store::ReadView&, admin::ChangeSet& c) {
      c.importJobs.push_back({job, sids_, {}, 0});
    });
    co_return true;
  }());
  std::vector<store::PhoneNumber> firstChunk;
  for (int i = 0; i < 3; ++i) {
    store::PhoneNumber n;
    n.id = newUuid();
    n.orgId = provider_.orgId;
    n.providerId = provider_.id;
    n.phoneNumberSid = sids_[i];
    n.phoneNumber = "+14155550" + std::to_string(101 + i);
    n.createdMs = n.updatedMs = 1;
    firstChunk.push_back(n);
  }
  job.done = 3;
  job.successCount = 3;
  stack_.run([&]() -> asio::awaitable<bool> {
    co_await stack_.writes.commit([&](const store::ReadView&, admin::ChangeSet& c) {
      c.numbersAdded = firstChunk;
      c.importJobs.push_back({job, {}, {}, 0});
    });
    const twilio::Credentials creds{provider_.accountSid, provider_.authToken};
    for (int i = 0; i < 6; ++i) co_await twilio_.attachNumber(creds, provider_.trunkSid, sids_[i]);
    co_return true;
  }());
  {
    auto txn = stack_.store->write();
    stack_.store->journalAttachments(txn, provider_.id, {sids_[3], sids_[4], sids_[5]});
    txn.commit();
  }

  // The restart: the journal sweep and the job's resume, side by side.
  makeServices();
  std::vector<std::string> attached;
  twilio_.failAttach([&](const std::string& sid) -> std::optional<twilio::TwilioError> {
    attached.push_back(sid);
    return std::nullopt;
  });
  imports_->startSweeper();
  jobs_->resume();
  stack_.io.restart();
  stack_.io.run();

  ImportJob after = stored(job.id);
  EXPECT_EQ(after.state, ImportJobState::kSucceeded);
  EXPECT_EQ(after.done, 10u);
  EXPECT_EQ(after.successCount, 10u);
  EXPECT_EQ(after.failedCount, 0u);
  EXPECT_THAT(errors(job.id), IsEmpty());
  EXPECT_EQ(storedSids(), sids_);
  EXPECT_EQ(twilio_.onTrunk(provider_.trunkSid), sids_);
  for (int i = 0; i < 3; ++i) EXPECT_THAT(attached, ::testing::Not(::testing::Contains(sids_[i])));
  auto txn = stack_.store->read();
  EXPECT_THAT(stack_.store->providersWithJournal(txn), IsEmpty());
}

}  // namespace
}  // namespace gw::import
