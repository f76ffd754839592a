#include "store/import_job_table.hpp"

#include <cstdio>

#include <gtest/gtest.h>

#include "tests/store/store_fixture.hpp"

namespace gw::store {
namespace {

using ImportJobTableTest = testing::StoreFixture;

std::string sidOf(int i) {
  char sid[35];
  std::snprintf(sid, sizeof sid, "PN%032x", i);
  return sid;
}

ImportJob sampleJob() {
  ImportJob j;
  j.id = "0d4f6c1e-8b7a-4c52-9e01-3f2a6b5c7d80";
  j.orgId = "org-1";
  j.providerId = "p-1";
  j.state = ImportJobState::kRunning;
  j.total = 7;
  j.done = 3;
  j.successCount = 2;
  j.failedCount = 1;
  j.chunkSize = 3;
  j.createdMs = 1'700'000'000'000;
  j.startedMs = 1'700'000'000'500;
  j.error = "why";
  return j;
}

TEST_F(ImportJobTableTest, KeepsJobsSidsInChunksAndErrorsAcrossReopen) {
  const ImportJob job = sampleJob();
  std::vector<std::string> sids;
  for (int i = 1; i <= 7; ++i) sids.push_back(sidOf(i));
  {
    auto txn = store_->write();
    store_->putImportJob(txn, job);
    store_->putImportJobSids(txn, job.id, sids, job.chunkSize);
    store_->putImportJobErrors(txn, job.id, 0, {{sidOf(2), "Not found"}});
    store_->putImportJobErrors(txn, job.id, 1, {{sidOf(5), "a"}, {sidOf(6), "b"}});
    txn.commit();
  }
  reopen();
  auto txn = store_->read();
  auto back = store_->getImportJob(txn, job.id);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->id, job.id);
  EXPECT_EQ(back->orgId, "org-1");
  EXPECT_EQ(back->providerId, "p-1");
  EXPECT_EQ(back->state, ImportJobState::kRunning);
  EXPECT_EQ(back->total, 7u);
  EXPECT_EQ(back->done, 3u);
  EXPECT_EQ(back->successCount, 2u);
  EXPECT_EQ(back->failedCount, 1u);
  EXPECT_EQ(back->chunkSize, 3u);
  EXPECT_EQ(back->createdMs, job.createdMs);
  EXPECT_EQ(back->startedMs, job.startedMs);
  EXPECT_EQ(back->finishedMs, 0);
  EXPECT_EQ(back->error, "why");
  EXPECT_EQ(store_->listImportJobs(txn).size(), 1u);
  EXPECT_FALSE(store_->getImportJob(txn, "nope"));

  EXPECT_EQ(store_->importJobChunk(txn, job.id, 0),
            (std::vector<std::string>{sidOf(1), sidOf(2), sidOf(3)}));
  EXPECT_EQ(store_->importJobChunk(txn, job.id, 2), std::vector<std::string>{sidOf(7)});
  EXPECT_TRUE(store_->importJobChunk(txn, job.id, 3).empty());

  auto page = store_->importJobErrors(txn, job.id, 1, 5);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].phoneNumberSid, sidOf(5));
  EXPECT_EQ(page[1].errorMessage, "b");
  EXPECT_EQ(store_->importJobErrors(txn, job.id, 0, 1).size(), 1u);
  EXPECT_TRUE(store_->importJobErrors(txn, job.id, 3, 5).empty());
}

TEST_F(ImportJobTableTest, RefusesWhatItCannotStoreOrRead) {
  {
    auto txn = store_->write();
    EXPECT_THROW(store_->putImportJobSids(txn, "j", {"PNshort"}, 10), StoreError);
    EXPECT_THROW(store_->putImportJobSids(txn, "j", {sidOf(1)}, 0), StoreError);
    EXPECT_THROW(store_->putImportJob(txn, ImportJob{}), StoreError);
  }
  putRaw(kImportJobsDb, "j", std::string("\x01\x05", 2));  // truncated
  auto txn = store_->read();
  EXPECT_THROW(store_->getImportJob(txn, "j"), StoreError);
}

}  // namespace
}  // namespace gw::store
