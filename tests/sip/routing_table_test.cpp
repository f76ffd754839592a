#include "sip/routing_table.hpp"

#include <atomic>
#include <map>
#include <random>
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
  std::vector<Route> routes{makeRoute(5, 1), makeRoute(6, 1), makeRoute(5, 2)};
  table.replaceAll(routes);
  EXPECT_EQ(table.size(), 2u);
  EXPECT_FALSE(table.lookup(1));
  EXPECT_EQ(table.lookup(5)->phoneNumberId[0], 2);
}

TEST(RoutingTableTest, ReadersSeeConsistentRoutesWhileWriterUpdates) {
  RoutingTable table(4);
  constexpr uint64_t kStable = 100;
  for (uint64_t k = 1; k <= kStable; ++k) table.upsert(makeRoute(k, 1));
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> missing{0};
  std::thread reader([&] {
    while (!stop.load()) {
      for (uint64_t k = 1; k <= kStable; ++k) {
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

TEST(RoutingTableTest, KeyZeroIsNeverStored) {
  RoutingTable table(2);
  table.upsert(makeRoute(0, 1));
  EXPECT_EQ(table.size(), 0u);
  EXPECT_FALSE(table.lookup(0));
}

TEST(RoutingTableTest, KeepsProviderAndAgentIds) {
  RoutingTable table(3);
  Route r = makeRoute(14155550100ULL, 3);
  for (uint8_t i = 0; i < 16; ++i) {
    r.providerId[i] = static_cast<uint8_t>(0x10 + i);
    r.agentId[i] = static_cast<uint8_t>(0x80 + i);
  }
  table.upsert(r);
  auto got = table.lookup(14155550100ULL);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->providerId, r.providerId);
  EXPECT_EQ(got->agentId, r.agentId);
  EXPECT_EQ(got->phoneNumberId, r.phoneNumberId);
  // Unlinking (agent all zero) is a route like any other.
  r.agentId = {};
  table.upsert(r);
  EXPECT_EQ(table.lookup(14155550100ULL)->agentId, UuidBytes{});
  EXPECT_EQ(table.lookup(14155550100ULL)->providerId, r.providerId);
}

// Random upserts and erases against std::map as the model, on few shards so the shards
// grow, shrink and wrap their probe sequences around.
TEST(RoutingTableTest, MatchesAModelUnderRandomChanges) {
  for (size_t shardBits : {0u, 2u}) {
    RoutingTable table(shardBits);
    std::map<uint64_t, uint8_t> model;
    std::mt19937_64 rng(7 + shardBits);
    for (int round = 0; round < 300; ++round) {
      std::vector<Route> ups;
      std::vector<uint64_t> dels;
      size_t n = rng() % 40;
      for (size_t i = 0; i < n; ++i) {
        uint64_t key = 1 + rng() % 600;
        if (rng() % 3 == 0) {
          dels.push_back(key);
        } else {
          ups.push_back(makeRoute(key, static_cast<uint8_t>(1 + rng() % 200)));
        }
      }
      table.apply(ups, dels);
      for (const auto& r : ups) model[r.key] = r.phoneNumberId[0];
      for (uint64_t k : dels) model.erase(k);
      ASSERT_EQ(table.size(), model.size()) << "round " << round;
      for (uint64_t key = 1; key <= 600; ++key) {
        auto got = table.lookup(key);
        auto it = model.find(key);
        ASSERT_EQ(got.has_value(), it != model.end()) << "key " << key << " round " << round;
        if (got) {
          ASSERT_EQ(got->phoneNumberId[0], it->second) << "key " << key;
        }
      }
    }
  }
}

TEST(RoutingTableTest, MemoryFollowsContent) {
  RoutingTable table(4);
  size_t empty = table.memoryBytes();
  std::vector<Route> routes;
  for (uint64_t k = 1; k <= 10000; ++k) routes.push_back(makeRoute(14155550000ULL + k));
  table.apply(routes, {});
  size_t full = table.memoryBytes();
  EXPECT_GT(full, empty + 10000 * 32);
  std::vector<uint64_t> keys;
  for (const auto& r : routes) keys.push_back(r.key);
  table.apply({}, keys);
  EXPECT_EQ(table.size(), 0u);
  EXPECT_LT(table.memoryBytes(), empty + (full - empty) / 10);  // emptied shards shrink
}

// Many readers while the writer replaces shards often enough that retired shards are
// freed during the run: under AddressSanitizer a reader touching a freed shard fails.
TEST(RoutingTableTest, ReplacedShardsAreFreedOnlyAfterReadersLeave) {
  RoutingTable table(2);
  std::vector<Route> base;
  for (uint64_t k = 1; k <= 2000; ++k) base.push_back(makeRoute(k, 1));
  table.replaceAll(base);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> wrong{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&, t] {
      uint64_t k = 1 + static_cast<uint64_t>(t);
      while (!stop.load(std::memory_order_relaxed)) {
        auto r = table.lookup(k);
        if (!r || r->key != k) wrong.fetch_add(1);
        k = k % 2000 + 1;
      }
    });
  }
  for (int round = 0; round < 3000; ++round) {
    Route r = makeRoute(1 + static_cast<uint64_t>(round) % 2000, static_cast<uint8_t>(round));
    table.upsert(r);
  }
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(wrong.load(), 0u);
}

}  // namespace
}  // namespace gw::sip
