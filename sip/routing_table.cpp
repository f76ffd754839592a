#include "sip/routing_table.hpp"

#include <algorithm>

namespace gw::sip {

struct RoutingTable::Shard {
  std::vector<Route> routes;  // sorted by key
};

namespace {

bool keyLess(const Route& r, uint64_t key) {
  return r.key < key;
}

// Fibonacci hashing: consecutive numbers (a block of DIDs) spread over all shards.
inline uint64_t mix(uint64_t key) {
  return key * 0x9E3779B97F4A7C15ull;
}

}  // namespace

RoutingTable::RoutingTable(size_t shardCountLog2)
    : shardMask_((size_t{1} << shardCountLog2) - 1),
      shards_(new std::atomic<std::shared_ptr<const Shard>>[shardMask_ + 1]) {
  auto empty = std::make_shared<const Shard>();
  for (size_t i = 0; i <= shardMask_; ++i) shards_[i].store(empty, std::memory_order_relaxed);
}

RoutingTable::~RoutingTable() = default;

size_t RoutingTable::shardOf(uint64_t key) const {
  return static_cast<size_t>(mix(key) >> 32) & shardMask_;
}

std::optional<Route> RoutingTable::lookup(uint64_t key) const {
  std::shared_ptr<const Shard> shard = shards_[shardOf(key)].load(std::memory_order_acquire);
  auto it = std::lower_bound(shard->routes.begin(), shard->routes.end(), key, keyLess);
  if (it == shard->routes.end() || it->key != key) return std::nullopt;
  return *it;
}

void RoutingTable::apply(std::span<const Route> upserts, std::span<const uint64_t> erases) {
  // Group the changes by shard so each touched shard is copied and published once.
  struct Change {
    size_t shard;
    const Route* upsert;  // null for an erase
    uint64_t key;
  };
  std::vector<Change> changes;
  changes.reserve(upserts.size() + erases.size());
  for (const Route& r : upserts) changes.push_back({shardOf(r.key), &r, r.key});
  for (uint64_t k : erases) changes.push_back({shardOf(k), nullptr, k});
  // Stable: within a shard, upserts keep request order and come before erases.
  std::stable_sort(changes.begin(), changes.end(),
                   [](const Change& a, const Change& b) { return a.shard < b.shard; });

  size_t i = 0;
  while (i < changes.size()) {
    size_t s = changes[i].shard;
    auto next = std::make_shared<Shard>(*shards_[s].load(std::memory_order_relaxed));
    auto& routes = next->routes;
    long delta = 0;
    for (; i < changes.size() && changes[i].shard == s; ++i) {
      const Change& c = changes[i];
      auto it = std::lower_bound(routes.begin(), routes.end(), c.key, keyLess);
      bool present = it != routes.end() && it->key == c.key;
      if (c.upsert) {
        if (present) {
          *it = *c.upsert;
        } else {
          routes.insert(it, *c.upsert);
          ++delta;
        }
      } else if (present) {
        routes.erase(it);
        --delta;
      }
    }
    shards_[s].store(std::move(next), std::memory_order_release);
    size_.fetch_add(static_cast<size_t>(delta), std::memory_order_relaxed);
  }
}

void RoutingTable::replaceAll(std::vector<Route> routes) {
  std::vector<std::vector<Route>> perShard(shardMask_ + 1);
  for (const Route& r : routes) perShard[shardOf(r.key)].push_back(r);
  size_t total = 0;
  for (size_t s = 0; s <= shardMask_; ++s) {
    auto& v = perShard[s];
    std::stable_sort(v.begin(), v.end(),
                     [](const Route& a, const Route& b) { return a.key < b.key; });
    // A key stored twice keeps its last route.
    auto last = std::unique(v.rbegin(), v.rend(),
                            [](const Route& a, const Route& b) { return a.key == b.key; });
    v.erase(v.begin(), last.base());
    total += v.size();
    auto shard = std::make_shared<Shard>();
    shard->routes = std::move(v);
    shards_[s].store(std::move(shard), std::memory_order_release);
  }
  size_.store(total, std::memory_order_relaxed);
}

}  // namespace gw::sip
