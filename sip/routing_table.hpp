#pragma once
// The in-process routing table: E.164 number -> route. Read by every SIP worker on the hot
// path, written only by the control thread.
//
// Readers take no mutex: the table is split into shards, each an immutable sorted array
// published through an atomic pointer. A write copies only the shards it touches (a few
// hundred entries at 1 M numbers), so one import or unlink never copies the whole table,
// and a reader always sees either the old or the new shard, never a torn one.
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "common/uuid.hpp"

namespace gw::sip {

struct Route {
  uint64_t key = 0;  // E.164 digits as an integer (gw::e164Key)
  UuidBytes phoneNumberId{};
  UuidBytes providerId{};
  UuidBytes orgId{};
  UuidBytes agentId{};  // all zero: no agent linked
};

class RoutingTable {
 public:
  explicit RoutingTable(size_t shardCountLog2 = 12);
  ~RoutingTable();
  RoutingTable(const RoutingTable&) = delete;
  RoutingTable& operator=(const RoutingTable&) = delete;

  std::optional<Route> lookup(uint64_t key) const;

  // Writer side (one thread). Applies upserts then erases, copying each touched shard once.
  void apply(std::span<const Route> upserts, std::span<const uint64_t> erases);
  void upsert(const Route& route) { apply({&route, 1}, {}); }
  void erase(uint64_t key) { apply({}, {&key, 1}); }
  // Replaces the whole content (start-up rebuild from the store).
  void replaceAll(std::vector<Route> routes);

  size_t size() const { return size_.load(std::memory_order_relaxed); }

 private:
  struct Shard;
  size_t shardOf(uint64_t key) const;

  size_t shardMask_;
  std::unique_ptr<std::atomic<std::shared_ptr<const Shard>>[]> shards_;
  std::atomic<size_t> size_{0};
};

}  // namespace gw::sip
