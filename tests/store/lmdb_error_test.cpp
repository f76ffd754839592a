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
    EXPECT_NE(msg.find("1 MiB"), std::string::npos) << msg;
    EXPECT_NE(msg.find("larger map size"), std::string::npos) << msg;
  }
  // The failed transaction cannot commit; what was committed before is intact.
  EXPECT_THROW(txn.commit(), StoreError);
  EXPECT_EQ(store->listNumbers(store->read(), {"org-1"}, 0, 1).totalCount, 0u);
}

}  // namespace
}  // namespace gw::store::lmdb
