#pragma once
// Deterministic inputs shared by the benchmarks: distinct E.164 keys, routes, SIDs and
// stored-number records. Built before any timed loop.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "common/uuid.hpp"
#include "sip/routing_table.hpp"

namespace gw::bench {

// `count` distinct 11-digit North American keys (1 NPA NXX XXXX), shuffled, so that both
// the order of inserts and the order of lookups are random.
inline std::vector<uint64_t> distinctKeys(size_t count, uint64_t seed) {
  constexpr uint64_t kFirst = 12'000'000'000ull;
  constexpr uint64_t kSpan = 8'000'000'000ull;
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<uint64_t> dist(0, kSpan - 1);
  std::vector<uint64_t> keys;
  keys.reserve(count + count / 8);
  while (keys.size() < count) {
    while (keys.size() < count + count / 16 + 16) keys.push_back(kFirst + dist(rng));
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  }
  std::shuffle(keys.begin(), keys.end(), rng);
  keys.resize(count);
  return keys;
}

inline UuidBytes randomUuidBytes(std::mt19937_64& rng) {
  UuidBytes b{};
  for (size_t i = 0; i < b.size(); i += 8) {
    uint64_t v = rng();
    for (size_t j = 0; j < 8; ++j) b[i + j] = static_cast<uint8_t>(v >> (8 * j));
  }
  return b;
}

inline std::vector<sip::Route> routesFor(const std::vector<uint64_t>& keys, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const UuidBytes provider = randomUuidBytes(rng);
  std::vector<sip::Route> routes;
  routes.reserve(keys.size());
  for (uint64_t k : keys) {
    sip::Route r;
    r.key = k;
    r.phoneNumberId = randomUuidBytes(rng);
    r.providerId = provider;
    routes.push_back(r);
  }
  return routes;
}

// "PN" + 32 lowercase hex: the index in the low digits, the salt in the high ones, so that
// different salts never collide.
inline std::string phoneNumberSid(uint64_t salt, uint64_t index) {
  char buf[35];
  std::snprintf(buf, sizeof buf, "PN%016llx%016llx", static_cast<unsigned long long>(salt),
                static_cast<unsigned long long>(index));
  return buf;
}

}  // namespace gw::bench
