#include "store/idempotency_table.hpp"

#include <gtest/gtest.h>

#include "tests/store/store_fixture.hpp"

namespace gw::store {
namespace {

using IdempotencyTableTest = testing::StoreFixture;

IdempotentAnswer answer(int64_t createdMs, std::string body) {
  return {"fp-" + body,
          createdMs,
          201,
          {"Content-Type", "application/json", "Location", "/x"},
          std::move(body)};
}

TEST_F(IdempotencyTableTest, KeepsAnswersBySlotAcrossReopen) {
  {
    auto txn = store_->write();
    store_->putIdempotentAnswer(txn, "slot-a", answer(1000, "a"));
    store_->putIdempotentAnswer(txn, "slot-b", answer(2000, "b"));
    txn.commit();
  }
  reopen();
  auto txn = store_->read();
  EXPECT_EQ(store_->findIdempotentAnswer(txn, "slot-a"), answer(1000, "a"));
  EXPECT_EQ(store_->findIdempotentAnswer(txn, "slot-b"), answer(2000, "b"));
  EXPECT_FALSE(store_->findIdempotentAnswer(txn, "slot-c"));
  EXPECT_EQ(store_->countIdempotentAnswers(txn), 2u);
}

TEST_F(IdempotencyTableTest, PurgesOnlyWhatIsOlderOldestFirstUpToTheBound) {
  {
    auto txn = store_->write();
    store_->putIdempotentAnswer(txn, "slot-3", answer(3000, "c"));
    store_->putIdempotentAnswer(txn, "slot-1", answer(1000, "a"));
    store_->putIdempotentAnswer(txn, "slot-2", answer(2000, "b"));
    store_->putIdempotentAnswer(txn, "slot-4", answer(-5, "negative"));  // before 1970
    txn.commit();
  }
  {
    auto txn = store_->write();
    EXPECT_EQ(store_->purgeIdempotentAnswers(txn, 3000, 2), 2u);  // -5 and 1000
    txn.commit();
  }
  {
    auto txn = store_->read();
    EXPECT_FALSE(store_->findIdempotentAnswer(txn, "slot-4"));
    EXPECT_FALSE(store_->findIdempotentAnswer(txn, "slot-1"));
    EXPECT_TRUE(store_->findIdempotentAnswer(txn, "slot-2"));
    EXPECT_TRUE(store_->findIdempotentAnswer(txn, "slot-3"));
  }
  auto txn = store_->write();
  EXPECT_EQ(store_->purgeIdempotentAnswers(txn, 3000, 100), 1u);  // 2000; 3000 is not older
  EXPECT_EQ(store_->purgeIdempotentAnswers(txn, 3000, 100), 0u);
  EXPECT_EQ(store_->countIdempotentAnswers(txn), 1u);
}

TEST_F(IdempotencyTableTest, ReplacingAnAnswerMovesItsAge) {
  auto txn = store_->write();
  store_->putIdempotentAnswer(txn, "slot-1", answer(1000, "old"));
  store_->putIdempotentAnswer(txn, "slot-1", answer(5000, "new"));
  // The old age is gone with the old answer: a purge up to 2000 keeps the new one.
  EXPECT_EQ(store_->purgeIdempotentAnswers(txn, 2000, 100), 0u);
  EXPECT_EQ(store_->findIdempotentAnswer(txn, "slot-1"), answer(5000, "new"));
  EXPECT_EQ(store_->purgeIdempotentAnswers(txn, 6000, 100), 1u);
  EXPECT_FALSE(store_->findIdempotentAnswer(txn, "slot-1"));
}

TEST_F(IdempotencyTableTest, AnAbortedWriteKeepsNothing) {
  {
    auto txn = store_->write();
    store_->putIdempotentAnswer(txn, "slot-1", answer(1000, "a"));
  }
  auto txn = store_->read();
  EXPECT_FALSE(store_->findIdempotentAnswer(txn, "slot-1"));
  EXPECT_EQ(store_->countIdempotentAnswers(txn), 0u);
}

}  // namespace
}  // namespace gw::store
