#include "sip/routing_table.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <optional>
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

// The first copy of a new key goes into the published shard in place; the second is a change
// of an existing key and goes to a copy, which must start from the in-place contents.
TEST(RoutingTableTest, NewKeyGivenTwiceInOneBatchKeepsItsLastRoute) {
  RoutingTable table(0);
  table.upsert(makeRoute(1, 1));
  std::vector<Route> batch{makeRoute(2, 1), makeRoute(3, 1), makeRoute(2, 2)};
  table.apply(batch, {});
  EXPECT_EQ(table.size(), 3u);
  EXPECT_EQ(table.lookup(1)->phoneNumberId[0], 1);
  EXPECT_EQ(table.lookup(2)->phoneNumberId[0], 2);
  EXPECT_EQ(table.lookup(3)->phoneNumberId[0], 1);
}

TEST(RoutingTableTest, NewKeyInsertedAndErasedInOneBatchIsGone) {
  RoutingTable table(0);
  table.upsert(makeRoute(1, 1));
  std::vector<Route> ups{makeRoute(2, 1)};
  std::vector<uint64_t> dels{2};
  table.apply(ups, dels);
  EXPECT_EQ(table.size(), 1u);
  EXPECT_FALSE(table.lookup(2));
  EXPECT_TRUE(table.lookup(1));
}

TEST(RoutingTableTest, LookupBatchAnswersEveryKeyInOrder) {
  RoutingTable table(2);
  for (uint64_t k = 1; k <= 100; ++k) table.upsert(makeRoute(k * 10, static_cast<uint8_t>(k)));
  // Longer than the prefetch window, with misses, key 0 and a repeated key.
  std::vector<uint64_t> keys;
  for (uint64_t k = 0; k <= 101; ++k) keys.push_back(k * 5);
  keys.push_back(500);
  std::vector<std::optional<Route>> out(keys.size(), makeRoute(1));  // stale values
  table.lookupBatch(keys, out);
  for (size_t i = 0; i < keys.size(); ++i) {
    auto want = table.lookup(keys[i]);
    ASSERT_EQ(out[i].has_value(), want.has_value()) << "key " << keys[i];
    if (want) {
      EXPECT_EQ(out[i]->key, keys[i]);
      EXPECT_EQ(out[i]->phoneNumberId, want->phoneNumberId);
      EXPECT_EQ(out[i]->providerId, want->providerId);
    }
  }
  EXPECT_FALSE(out[0]);  // key 0
  EXPECT_EQ(out.back()->phoneNumberId[0], 50);
  table.lookupBatch({}, {});  // an empty batch is harmless
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
// grow, shrink and wrap their probe sequences around. New keys mostly go in place, changed
// ones by copy, often both in one batch; every key is checked through lookup(), through
// lookupBatch() and after a prefetch().
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
      std::vector<uint64_t> keys;
      for (uint64_t key = 1; key <= 600; ++key) keys.push_back(key);
      std::shuffle(keys.begin(), keys.end(), rng);
      std::vector<std::optional<Route>> batch(keys.size());
      table.lookupBatch(keys, batch);
      for (size_t i = 0; i < keys.size(); ++i) {
        const uint64_t key = keys[i];
        table.prefetch(key);
        auto got = table.lookup(key);
        auto it = model.find(key);
        ASSERT_EQ(got.has_value(), it != model.end()) << "key " << key << " round " << round;
        ASSERT_EQ(batch[i].has_value(), it != model.end()) << "key " << key << " round " << round;
        if (got) {
          ASSERT_EQ(got->phoneNumberId[0], it->second) << "key " << key;
          ASSERT_EQ(batch[i]->phoneNumberId[0], it->second) << "key " << key;
          ASSERT_EQ(batch[i]->providerId, got->providerId) << "key " << key;
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

// A route whose every field is derived from its key and a version, so a reader can tell a
// route the writer wrote from a torn or mixed one without knowing the writer's progress.
Route versionedRoute(uint64_t key, uint8_t version) {
  Route r;
  r.key = key;
  std::memcpy(r.phoneNumberId.data(), &key, sizeof key);
  r.phoneNumberId[8] = version;
  r.providerId[0] = static_cast<uint8_t>(1 + key % 5);
  r.agentId[0] = static_cast<uint8_t>((key + version) % 64);  // 0: no agent
  return r;
}

bool isVersionedRoute(const Route& r, uint64_t key) {
  uint64_t idKey = 0;
  std::memcpy(&idKey, r.phoneNumberId.data(), sizeof idKey);
  Route want = versionedRoute(key, r.phoneNumberId[8]);
  return r.key == key && idKey == key && r.phoneNumberId == want.phoneNumberId &&
         r.providerId == want.providerId && r.agentId == want.agentId;
}

// Readers (lookup after prefetch, and lookupBatch) while the writer inserts new keys (in
// place while a shard has room), changes routes, erases and grows shards (by copy). Every
// route a reader sees must be exactly one the writer wrote for that key; keys the writer
// never touches and new keys it has finished inserting (and never erases) must always be
// found. The writer's work is a fixed sequence; the readers run until it is done (and at
// least one round of each kind of lookup).
TEST(RoutingTableTest, ReadersSeeWholeRoutesWhileWriterInsertsInPlace) {
  RoutingTable table(3);
  constexpr uint64_t kStable = 200;  // keys 1..200, never touched
  constexpr uint64_t kFirstNew = 1000;
  constexpr uint64_t kNew = 6000;  // keys 1000..6999: every third is erased again later
  std::vector<Route> stable;
  for (uint64_t k = 1; k <= kStable; ++k) stable.push_back(versionedRoute(k, 0));
  table.replaceAll(stable);

  std::atomic<uint64_t> inserted{0};  // new keys [kFirstNew, kFirstNew + inserted) are in
  std::atomic<bool> done{false};
  std::atomic<int> started{0};
  std::atomic<uint64_t> wrong{0}, missing{0};
  auto permanent = [](uint64_t key) { return (key - kFirstNew) % 3 != 0; };
  auto check = [&](const std::optional<Route>& r, uint64_t key, bool mustExist) {
    if (r && !isVersionedRoute(*r, key)) wrong.fetch_add(1, std::memory_order_relaxed);
    if (!r && mustExist) missing.fetch_add(1, std::memory_order_relaxed);
  };
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&, t] {
      std::mt19937_64 rng(100 + t);
      std::vector<uint64_t> keys(24);
      std::vector<std::optional<Route>> out(keys.size());
      started.fetch_add(1);
      // At least one round of each kind, however early the writer finishes.
      for (int round = 0; round < 2 || !done.load(std::memory_order_acquire); ++round) {
        const uint64_t in = inserted.load(std::memory_order_acquire);
        // Stable keys, keys already inserted, and keys at or past the writer's front.
        for (size_t i = 0; i < keys.size(); ++i) {
          switch (i % 3) {
            case 0:
              keys[i] = 1 + rng() % kStable;
              break;
            case 1:
              keys[i] = kFirstNew + (in ? rng() % in : 0);
              break;
            default:
              keys[i] = kFirstNew + in + rng() % 8;
              break;
          }
        }
        auto mustExist = [&](uint64_t key) {
          return key <= kStable || (key < kFirstNew + in && permanent(key));
        };
        if (round % 2 == 0) {
          table.lookupBatch(keys, out);
          for (size_t i = 0; i < keys.size(); ++i) check(out[i], keys[i], mustExist(keys[i]));
        } else {
          for (uint64_t key : keys) table.prefetch(key);
          for (uint64_t key : keys) check(table.lookup(key), key, mustExist(key));
        }
      }
    });
  }
  while (started.load() < 2) {
  }

  std::vector<uint8_t> version(kNew, 0);
  uint64_t nextErase = 0;  // transient keys below kFirstNew + nextErase are erased
  for (uint64_t j = 0; j < kNew; ++j) {
    const uint64_t key = kFirstNew + j;
    if (j % 16 == 15) {
      // A batch of new keys in one apply(), then the single inserts resume after it.
      std::vector<Route> batch;
      for (uint64_t b = 0; b < 4 && j + b < kNew; ++b) batch.push_back(versionedRoute(key + b, 0));
      table.apply(batch, {});
      j += batch.size() - 1;
    } else {
      table.upsert(versionedRoute(key, 0));
    }
    inserted.store(j + 1, std::memory_order_release);
    if (j % 5 == 0 && j >= 10) {  // a changed route: by copy
      const uint64_t old = j - 10;
      if (permanent(kFirstNew + old)) {
        table.upsert(versionedRoute(kFirstNew + old, ++version[old]));
      }
    }
    // Erases of the transient keys 30 behind the front: by copy.
    std::vector<uint64_t> erases;
    for (; nextErase + 30 <= j; ++nextErase) {
      if (!permanent(kFirstNew + nextErase)) erases.push_back(kFirstNew + nextErase);
    }
    if (!erases.empty()) table.apply({}, erases);
  }
  done.store(true, std::memory_order_release);
  for (auto& r : readers) r.join();

  EXPECT_EQ(wrong.load(), 0u);
  EXPECT_EQ(missing.load(), 0u);
  for (uint64_t j = 0; j < kNew; ++j) {
    const uint64_t key = kFirstNew + j;
    auto r = table.lookup(key);
    if (j < nextErase && !permanent(key)) {
      EXPECT_FALSE(r) << key;
    } else if (permanent(key)) {
      ASSERT_TRUE(r) << key;
      EXPECT_EQ(r->phoneNumberId[8], version[j]) << key;
      EXPECT_TRUE(isVersionedRoute(*r, key)) << key;
    }
  }
}

}  // namespace
}  // namespace gw::sip
