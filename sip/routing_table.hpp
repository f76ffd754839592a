#pragma once
// The in-process routing table: E.164 number -> route. Read by every SIP worker on the hot
// path, written only by the control thread.
//
// Layout: the table is split into shards by a hash of the key; each shard is an
// open-addressing hash table of 32-byte slots (key, phone number id, and 32-bit indexes of
// the provider and agent ids, which are few and kept once in IdPools). A lookup is one
// shard pointer load and, almost always, one cache line of slots. At 1 M numbers the slots
// are twice the L3, so that line is a DRAM miss: prefetch() and lookupBatch() let the
// misses of several lookups overlap instead of paying them one after the other. Shards
// live in 2 MB transparent huge pages (ShardArena), so the line's address is almost always
// in the TLB, which 64 MB of 4 KB pages are not.
//
// Writes: a new key goes straight into the published shard when it has room (its payload
// first, then the key with a release store, so a reader sees either the empty slot or the
// whole route). Everything else (a changed route, an erase, a shard that must grow) copies
// only the shards it touches (a few hundred slots at 1 M numbers) and publishes the copy
// with one pointer store; a reader sees the old or the new shard, never a torn one.
// Readers take no lock and do no atomic read-modify-write: a lookup announces itself in a
// per-thread epoch slot with a plain store, and the writer frees a replaced shard only
// once no reader that could still hold it is inside a lookup (epoch-based reclamation;
// the writer's side pays for the memory barrier, with membarrier(2), so the readers' side
// needs none).
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "common/uuid.hpp"

namespace gw::sip {

class ShardArena;

struct Route {
  uint64_t key = 0;  // E.164 digits as an integer (gw::e164Key); never 0
  UuidBytes phoneNumberId{};
  UuidBytes providerId{};
  UuidBytes agentId{};  // all zero: no agent linked
};

class RoutingTable {
 public:
  explicit RoutingTable(size_t shardCountLog2 = 12);
  ~RoutingTable();  // no lookup may be running
  RoutingTable(const RoutingTable&) = delete;
  RoutingTable& operator=(const RoutingTable&) = delete;

  // Any thread, concurrently with the writer.
  std::optional<Route> lookup(uint64_t key) const;
  // Starts loading the line of slots a lookup of `key` will read first, and returns at
  // once: a worker that has several keys in hand (the called numbers of the datagrams one
  // recvmmsg returned) prefetches them all, then looks them up while the misses overlap.
  // Costs a hash and one load of the shard pointer; it takes no epoch.
  void prefetch(uint64_t key) const;
  // out[i] = lookup(keys[i]) for every i (out.size() >= keys.size()), with the misses of
  // up to 16 keys in flight at a time and one epoch announcement for the whole batch.
  void lookupBatch(std::span<const uint64_t> keys, std::span<std::optional<Route>> out) const;

  // Writer side (one thread at a time). Applies upserts then erases. Per shard, the new
  // keys that come first are inserted in place while the shard stays at most 3/4 full;
  // from the first change that is not such an insert on, the shard is copied once.
  // Key 0 is ignored.
  void apply(std::span<const Route> upserts, std::span<const uint64_t> erases);
  void upsert(const Route& route) { apply({&route, 1}, {}); }
  void erase(uint64_t key) { apply({}, {&key, 1}); }
  // Replaces the whole content (start-up rebuild from the store). A key given twice keeps
  // its last route.
  void replaceAll(std::span<const Route> routes);

  size_t size() const { return size_.load(std::memory_order_relaxed); }
  // Bytes held by the published shards, the pointer array and the id pools (not counting
  // retired shards, nor the free room of the arena's chunks).
  size_t memoryBytes() const;

 private:
  struct Slot;
  struct Shard;
  class IdPool;

  size_t shardOf(uint64_t hash) const;
  void probe(uintptr_t tagged, uint64_t key, uint64_t hash, std::optional<Route>& out) const;
  Shard* newShard(uint32_t capacity, bool zeroed);
  void recycle(Shard* shard);
  void publish(size_t shard, Shard* next);
  void reclaim(bool force);

  unsigned shardBits_;
  // Each entry: the shard's address with log2(capacity) in its low 6 bits (0: empty).
  static constexpr uintptr_t kTagMask = 63;
  static uintptr_t tag(Shard* shard);
  static Shard* untag(uintptr_t tagged);
  std::unique_ptr<ShardArena> arena_;  // the shards' memory; writer only
  std::unique_ptr<std::atomic<uintptr_t>[]> shards_;
  std::unique_ptr<IdPool> providers_;
  std::unique_ptr<IdPool> agents_;
  std::atomic<size_t> size_{0};

  struct Retired {
    Shard* shard;
    uint64_t epoch;
  };
  std::vector<Retired> retired_;  // writer only
  size_t retiredBytes_ = 0;
};

}  // namespace gw::sip
