#include "store/lmdb_txn.hpp"

#include <gtest/gtest.h>

#include "store/lmdb_dbi.hpp"
#include "store/store.hpp"
#include "tests/store/lmdb_test_env.hpp"

namespace gw::store::lmdb {
namespace {

class LmdbTxnTest : public testing::LmdbFixture {
 protected:
  void SetUp() override {
    auto txn = write();
    dbi_ = Dbi::open(txn.get(), "t", MDB_CREATE);
    txn.commit();
  }
  bool stored(std::string_view key) {
    auto txn = read();
    return dbi_.contains(txn.get(), key);
  }
  Dbi dbi_;
};

TEST_F(LmdbTxnTest, AbortsInDestructor) {
  {
    auto txn = write();
    dbi_.put(txn.get(), "k", "v");
  }
  EXPECT_FALSE(stored("k"));
}

TEST_F(LmdbTxnTest, CommitFinishesTheTransaction) {
  auto txn = write();
  dbi_.put(txn.get(), "k", "v");
  txn.commit();
  EXPECT_FALSE(txn.active());
  EXPECT_THROW(txn.get(), StoreError);
  EXPECT_THROW(txn.commit(), StoreError);
  EXPECT_TRUE(stored("k"));
}

TEST_F(LmdbTxnTest, ExplicitAbortDiscards) {
  auto txn = write();
  dbi_.put(txn.get(), "k", "v");
  txn.abort();
  txn.abort();  // harmless twice
  EXPECT_FALSE(txn.active());
  EXPECT_FALSE(stored("k"));
}

TEST_F(LmdbTxnTest, MoveHandsOverTheTransaction) {
  auto first = write();
  dbi_.put(first.get(), "k", "v");
  Txn second(std::move(first));
  EXPECT_FALSE(first.active());  // NOLINT(bugprone-use-after-move): on purpose
  second.commit();
  EXPECT_TRUE(stored("k"));
}

}  // namespace
}  // namespace gw::store::lmdb
