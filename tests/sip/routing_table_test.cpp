#include "sip/routing_table.hpp"

#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace gw::sip {
namespace {

Route makeRoute(uint64_t key, uint8_t tag = 1) {
  Route r;
  r.key = key;
  r.phoneNumberId[0] = tag;
  r.providerId[15] = static_cast<uint8_t>(key & 0xff);
  return r;
}

TEST(RoutingTableTest, LookupOfUnknownNumberIsEmpty) {
  RoutingTable table(4);
  EXPECT_FALSE(table.lookup(14155550100ULL).has_value());
  EXPECT_EQ(table.size(), 0u);
}

TEST(RoutingTableTest, UpsertThenLookupThenErase) {
  RoutingTable table(4);
  table.upsert(makeRoute(14155550100ULL, 7));
  auto r = table.lookup(14155550100ULL);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->phoneNumberId[0], 7);
  EXPECT_EQ(table.size(), 1u);

  table.upsert(makeRoute(14155550100ULL, 9));  // replaces, does not duplicate
  EXPECT_EQ(table.lookup(14155550100ULL)->phoneNumberId[0], 9);
  EXPECT_EQ(table.size(), 1u);

  table.erase(14155550100ULL);
  EXPECT_FALSE(table.lookup(14155550100ULL).has_value());
  EXPECT_EQ(table.size(), 0u);
  table.erase(14155550100ULL);  // erasing an absent key is harmless
  EXPECT_EQ(table.size(), 0u);
}

TEST(RoutingTableTest, BatchApplyAcrossShards) {
  RoutingTable table(3);
  std::vector<Route> batch;
  for (uint64_t i = 0; i < 5000; ++i) batch.push_back(makeRoute(14155550000ULL + i));
  table.apply(batch, {});
  EXPECT_EQ(table.size(), 5000u);
  for (uint64_t i = 0; i < 5000; ++i) ASSERT_TRUE(table.lookup(14155550000ULL + i)) << i;
  EXPECT_FALSE(table.lookup(14155555000ULL));

  std::vector<uint64_t> erases;
  for (uint64_t i = 0; i < 5000; i += 2) erases.push_back(14155550000ULL + i);
  table.apply({}, erases);
  EXPECT_EQ(table.size(), 2500u);
  EXPECT_FALSE(table.lookup(14155550000ULL));
  EXPECT_TRUE(table.lookup(14155550001ULL));
}

TEST(RoutingTableTest, ReplaceAllKeepsLastRouteOfADuplicatedKey) {
  RoutingTable table(2);
  table.upsert(makeRoute(1, 1));
  table.replaceAll({makeRoute(5, 1), makeRoute(6, 1), makeRoute(5, 2)});
  EXPECT_EQ(table.size(), 2u);
  EXPECT_FALSE(table.lookup(1));
  EXPECT_EQ(table.lookup(5)->phoneNumberId[0], 2);
}

TEST(RoutingTableTest, ReadersSeeConsistentRoutesWhileWriterUpdates) {
  RoutingTable table(4);
  constexpr uint64_t kStable = 100;
  for (uint64_t k = 0; k < kStable; ++k) table.upsert(makeRoute(k, 1));
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> missing{0};
  std::thread reader([&] {
    while (!stop.load()) {
      for (uint64_t k = 0; k < kStable; ++k) {
        if (!table.lookup(k)) missing.fetch_add(1);
      }
    }
  });
  for (uint64_t round = 0; round < 200; ++round) {
    std::vector<Route> adds;
    for (uint64_t k = 1000; k < 1100; ++k) adds.push_back(makeRoute(k + round, 2));
    table.apply(adds, {});
    std::vector<uint64_t> dels;
    for (uint64_t k = 1000; k < 1100; ++k) dels.push_back(k + round);
    table.apply({}, dels);
  }
  stop = true;
  reader.join();
  EXPECT_EQ(missing.load(), 0u);  // keys never touched by the writer are always visible
  EXPECT_EQ(table.size(), kStable);
}

}  // namespace
}  // namespace gw::sip
