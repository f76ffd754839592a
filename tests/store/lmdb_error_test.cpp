#include "store/lmdb_error.hpp"

#include <gtest/gtest.h>

#include "store/store.hpp"
#include "tests/store/sample_records.hpp"
#include "tests/support/temp_dir.hpp"

namespace gw::store::lmdb {
namespace {

using testing::sampleNumber;
using testsupport::TempDir;

TEST(LmdbErrorTest, NamesOperationDatabaseAndLmdbText) {
  try {
    fail(MDB_CORRUPTED, "get", "numbers");
  } catch (const StoreError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("get in numbers"), std::string::npos) << msg;
    EXPECT_NE(msg.find(mdb_strerror(MDB_CORRUPTED)), std::string::npos) << msg;
  }
  EXPECT_NO_THROW(check(MDB_SUCCESS, "get"));
  EXPECT_THROW(check(EINVAL, "get"), StoreError);
}

TEST(LmdbErrorTest, FullMapSaysTheStoreIsFull) {
  TempDir dir;
  auto store = Store::open(dir.path(), StoreOptions{size_t{1} << 20, false});
  auto txn = store->write();
  try {
    for (int i = 0; i < 1'000'000; ++i) store->insertNumber(txn, sampleNumber(i));
    FAIL() << "a 1 MiB map cannot hold a million numbers";
  } catch (const StoreError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("MDB_MAP_FULL"), std::string::npos) << msg;
    EXPECT_NE(msg.find("the store is full"), std::string::npos) << msg;
    EXPECT_NE(msg.find("3 MiB"), std::string::npos) << msg;  // 1 MiB and the reserve
    EXPECT_NE(msg.find("larger --store-map-size"), std::string::npos) << msg;
  }
  // The failed transaction cannot commit; what was committed before is intact.
  EXPECT_THROW(txn.commit(), StoreError);
  EXPECT_EQ(store->listNumbers(store->read(), {"org-1"}, 0, 1).totalCount, 0u);
}

// A full store used to be a plain StoreError, so the admin API could only answer 500.
TEST(LmdbErrorTest, FullMapAndFullDiskAreStoreFullErrors) {
  EXPECT_THROW(fail(MDB_MAP_FULL, "put", "numbers"), StoreFullError);
  EXPECT_THROW(fail(ENOSPC, "commit"), StoreFullError);
  EXPECT_THROW(fail(EDQUOT, "commit"), StoreFullError);
  try {
    fail(ENOSPC, "commit");
  } catch (const StoreFullError& e) {
    EXPECT_NE(std::string(e.what()).find("free disk space"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(isStoreFull(MDB_MAP_FULL));
  EXPECT_FALSE(isStoreFull(MDB_CORRUPTED));
  try {
    fail(MDB_CORRUPTED, "get");
  } catch (const StoreFullError&) {
    ADD_FAILURE() << "a damaged store is not a full one";
  } catch (const StoreError&) {
  }
}

TEST(LmdbErrorTest, StoreStaysUsableAfterItFilledUp) {
  TempDir dir;
  auto store = Store::open(dir.path(), StoreOptions{size_t{1} << 20, false});
  int stored = 0;
  for (;; ++stored) {
    try {
      auto txn = store->write();
      store->insertNumber(txn, sampleNumber(stored));
      txn.commit();
    } catch (const StoreFullError&) {
      break;
    }
    ASSERT_LT(stored, 100'000) << "a 1 MiB map never filled";
  }
  ASSERT_GT(stored, 10);
  EXPECT_EQ(store->listNumbers(store->read(), {"org-1"}, 0, 1).totalCount,
            static_cast<uint64_t>(stored));
  EXPECT_EQ(store->getNumber(store->read(), "n0"), sampleNumber(0));
  // Deletes still work in a full store, and freeing half of it makes room again.
  {
    auto txn = store->write();
    for (int i = 0; i < stored / 2; ++i) {
      EXPECT_TRUE(store->deleteNumber(txn, "n" + std::to_string(i)));
    }
    txn.commit();
  }
  auto txn = store->write();
  store->insertNumber(txn, sampleNumber(stored));
  txn.commit();
  EXPECT_EQ(store->getNumber(store->read(), "n" + std::to_string(stored)), sampleNumber(stored));
}

}  // namespace
}  // namespace gw::store::lmdb
