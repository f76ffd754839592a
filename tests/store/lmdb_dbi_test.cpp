#include "store/lmdb_dbi.hpp"

#include <gtest/gtest.h>

#include "store/store.hpp"
#include "tests/store/lmdb_test_env.hpp"

namespace gw::store::lmdb {
namespace {

class LmdbDbiTest : public testing::LmdbFixture {};

TEST_F(LmdbDbiTest, PutGetDelete) {
  auto txn = write();
  auto dbi = Dbi::open(txn.get(), "t", MDB_CREATE);
  EXPECT_FALSE(dbi.get(txn.get(), "k"));
  EXPECT_TRUE(dbi.put(txn.get(), "k", "v1"));
  EXPECT_FALSE(dbi.put(txn.get(), "k", "v2", MDB_NOOVERWRITE));
  EXPECT_EQ(dbi.get(txn.get(), "k"), "v1");
  EXPECT_TRUE(dbi.put(txn.get(), "k", "v2"));
  EXPECT_EQ(dbi.get(txn.get(), "k"), "v2");
  EXPECT_EQ(dbi.entries(txn.get()), 1u);
  EXPECT_TRUE(dbi.del(txn.get(), "k"));
  EXPECT_FALSE(dbi.del(txn.get(), "k"));
  EXPECT_EQ(dbi.entries(txn.get()), 0u);
}

TEST_F(LmdbDbiTest, KeysLmdbCannotHoldAreNotFound) {
  auto txn = write();
  auto dbi = Dbi::open(txn.get(), "t", MDB_CREATE);
  std::string tooLong(size_t(mdb_env_get_maxkeysize(env_.get())) + 1, 'k');
  EXPECT_FALSE(keyFits(txn.get(), ""));
  EXPECT_FALSE(keyFits(txn.get(), tooLong));
  EXPECT_TRUE(keyFits(txn.get(), tooLong.substr(1)));
  EXPECT_FALSE(dbi.get(txn.get(), ""));
  EXPECT_FALSE(dbi.get(txn.get(), tooLong));
  EXPECT_FALSE(dbi.del(txn.get(), tooLong));
  try {
    dbi.put(txn.get(), tooLong, "v");
    FAIL() << "LMDB refuses such a key";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("put in t"), std::string::npos) << e.what();
  }
}

TEST_F(LmdbDbiTest, DupsortPairsAreAddedAndRemovedOneByOne) {
  auto txn = write();
  auto dbi = Dbi::open(txn.get(), "d", MDB_CREATE | MDB_DUPSORT);
  EXPECT_TRUE(dbi.put(txn.get(), "k", "b"));
  EXPECT_TRUE(dbi.put(txn.get(), "k", "a"));
  EXPECT_TRUE(dbi.put(txn.get(), "k", "a"));  // the same pair again is kept once
  EXPECT_FALSE(dbi.put(txn.get(), "k", "a", MDB_NODUPDATA));
  EXPECT_EQ(dbi.entries(txn.get()), 2u);
  EXPECT_EQ(dbi.get(txn.get(), "k"), "a");  // the first value
  EXPECT_TRUE(dbi.delPair(txn.get(), "k", "a"));
  EXPECT_FALSE(dbi.delPair(txn.get(), "k", "a"));
  EXPECT_EQ(dbi.get(txn.get(), "k"), "b");
}

TEST_F(LmdbDbiTest, OpenRefusesAMissingDatabaseOrOtherFlags) {
  auto txn = write();
  EXPECT_THROW(Dbi::open(txn.get(), "missing", 0), StoreError);
  Dbi::open(txn.get(), "plain", MDB_CREATE);
  EXPECT_THROW(Dbi::open(txn.get(), "plain", MDB_DUPSORT), StoreError);
}

TEST_F(LmdbDbiTest, DropDeletesTheDatabase) {
  {
    auto txn = write();
    auto dbi = Dbi::open(txn.get(), "t", MDB_CREATE);
    dbi.put(txn.get(), "k", "v");
    txn.commit();
  }
  auto txn = write();
  Dbi::open(txn.get(), "t", 0).drop(txn.get());
  EXPECT_THROW(Dbi::open(txn.get(), "t", 0), StoreError);
  auto again = Dbi::open(txn.get(), "t", MDB_CREATE | MDB_DUPSORT);
  EXPECT_EQ(again.entries(txn.get()), 0u);
}

}  // namespace
}  // namespace gw::store::lmdb
