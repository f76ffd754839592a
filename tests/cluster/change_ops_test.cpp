#include "cluster/change_ops.hpp"

#include <algorithm>

#include <gtest/gtest.h>

#include "store/store.hpp"
#include "tests/store/sample_records.hpp"
#include "tests/support/temp_dir.hpp"

namespace gw::cluster {
namespace {

using store::testing::sampleNumber;
using store::testing::sampleProvider;
using store::testing::sampleSid;

class ChangeOpsTest : public ::testing::Test {
 protected:
  testsupport::TempDir dir_{"gw-change-ops"};
  std::unique_ptr<store::Store> store_ =
      store::Store::open(dir_.path(), store::StoreOptions{size_t{16} << 20, false});
  Keyspace keys_{"/gw/"};
};

TEST_F(ChangeOpsTest, ANewNumberClaimsItsSidAndE164InOneGroup) {
  admin::ChangeSet c;
  c.providersPut.push_back(sampleProvider("p1"));
  c.numbersAdded.push_back(sampleNumber(1));
  auto txn = store_->read();
  auto groups = opsOf(c, keys_, *store_, txn, nullptr);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].ops.front().key, "/gw/data/providers/p1");
  const auto& g = groups[1];
  ASSERT_EQ(g.ops.size(), 3u);
  EXPECT_EQ(g.ops[0].key, "/gw/data/numbers/n1");
  EXPECT_EQ(g.ops[1].key, "/gw/claims/sid/" + sampleSid(1));
  EXPECT_EQ(g.ops[1].value, "n1");
  EXPECT_EQ(g.ops[2].key, "/gw/claims/e164/+14150000001");
  ASSERT_EQ(g.compares.size(), 3u);
  EXPECT_EQ(g.compares[1].key, g.ops[1].key);
  EXPECT_EQ(g.compares[2].key, g.ops[2].key);
}

TEST_F(ChangeOpsTest, ARemovedNumberReleasesItsClaimsAndAProviderItsVerification) {
  admin::ChangeSet c;
  c.numbersRemoved.push_back(sampleNumber(1));
  c.providersRemoved.push_back("p1");
  auto txn = store_->read();
  auto groups = opsOf(c, keys_, *store_, txn, nullptr);
  ASSERT_EQ(groups.size(), 2u);
  ASSERT_EQ(groups[0].ops.size(), 3u);
  for (const auto& op : groups[0].ops) EXPECT_EQ(op.kind, Op::Kind::kDelete);
  EXPECT_EQ(groups[1].ops[0].key, "/gw/data/verifications/p1");
  EXPECT_EQ(groups[1].ops[1].key, "/gw/data/providers/p1");
}

TEST_F(ChangeOpsTest, AChangedNumberMovesAClaimOnlyWhenItChanges) {
  {
    auto w = store_->write();
    store_->putProvider(w, sampleProvider("p1"));
    store_->insertNumber(w, sampleNumber(1));
    w.commit();
  }
  admin::ChangeSet c;
  auto n = sampleNumber(1);
  n.displayName = "renamed";
  c.numbersChanged.push_back(n);
  auto moved = sampleNumber(1);
  moved.phoneNumber = "+14159999999";
  c.numbersChanged.push_back(moved);
  auto txn = store_->read();
  auto groups = opsOf(c, keys_, *store_, txn, nullptr);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].ops.size(), 1u);
  EXPECT_TRUE(groups[0].compares.empty());
  ASSERT_EQ(groups[1].ops.size(), 3u);
  EXPECT_EQ(groups[1].ops[1].key, "/gw/claims/e164/+14150000001");
  EXPECT_EQ(groups[1].ops[1].kind, Op::Kind::kDelete);
  EXPECT_EQ(groups[1].ops[2].key, "/gw/claims/e164/+14159999999");
  ASSERT_EQ(groups[1].compares.size(), 1u);
}

TEST_F(ChangeOpsTest, ChunksStayWithinTheLimitsAndNeverSplitANumber) {
  admin::ChangeSet c;
  for (int i = 0; i < 200; ++i) c.numbersAdded.push_back(sampleNumber(i));
  auto txn = store_->read();
  auto chunks = chunk(opsOf(c, keys_, *store_, txn, nullptr), TxnLimits{});
  ASSERT_EQ(chunks.size(), 5u);  // 41 numbers (123 ops) per chunk
  size_t ops = 0;
  for (const auto& ch : chunks) {
    EXPECT_LE(ch.ops.size(), 125u);
    EXPECT_LE(ch.compares.size(), 126u);
    EXPECT_EQ(ch.ops.size() % 3, 0u);
    EXPECT_EQ(ch.ops.size(), ch.compares.size());
    ops += ch.ops.size();
  }
  EXPECT_EQ(ops, 600u);

  auto groups = opsOf(c, keys_, *store_, txn, nullptr);
  size_t largest = 0;
  for (const auto& g : groups) largest = std::max(largest, g.bytes);
  TxnLimits small;
  small.maxBytes = largest * 5 / 2;  // two numbers' worth, not three
  auto byBytes = chunk(std::move(groups), small);
  EXPECT_EQ(byBytes.size(), 100u);
}

}  // namespace
}  // namespace gw::cluster
