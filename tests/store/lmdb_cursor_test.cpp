#include "store/lmdb_cursor.hpp"

#include <vector>

#include <gtest/gtest.h>

#include "tests/store/lmdb_test_env.hpp"

namespace gw::store::lmdb {
namespace {

class LmdbCursorTest : public testing::LmdbFixture {};

TEST_F(LmdbCursorTest, WalksKeysInOrder) {
  auto txn = write();
  auto dbi = Dbi::open(txn.get(), "t", MDB_CREATE);
  for (const char* k : {"b", "c", "a"}) dbi.put(txn.get(), k, std::string("v") + k);
  std::vector<std::string> seen;
  Cursor c(txn.get(), dbi);
  for (bool ok = c.first(); ok; ok = c.next()) {
    seen.push_back(std::string(c.key()) + "=" + std::string(c.value()));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"a=va", "b=vb", "c=vc"}));
}

TEST_F(LmdbCursorTest, EmptyDatabaseHasNoFirst) {
  auto txn = write();
  Cursor c(txn.get(), Dbi::open(txn.get(), "t", MDB_CREATE));
  EXPECT_FALSE(c.first());
}

TEST_F(LmdbCursorTest, FindWalksTheValuesOfOneKeyOnly) {
  auto txn = write();
  auto dbi = Dbi::open(txn.get(), "d", MDB_CREATE | MDB_DUPSORT);
  for (const char* v : {"3", "1", "2"}) dbi.put(txn.get(), "p1", v);
  dbi.put(txn.get(), "p", "0");
  dbi.put(txn.get(), "p2", "9");
  Cursor c(txn.get(), dbi);
  ASSERT_TRUE(c.find("p1"));
  EXPECT_EQ(c.dupCount(), 3u);
  std::string values;
  do values += c.value();
  while (c.nextDup());
  EXPECT_EQ(values, "123");
  EXPECT_FALSE(c.find("p0"));
  EXPECT_FALSE(c.find(""));
  EXPECT_FALSE(c.find(std::string(4096, 'p')));
}

}  // namespace
}  // namespace gw::store::lmdb
