#include "sip/routing_table.hpp"

#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <mutex>
#include <new>
#include <stdexcept>

#include "sip/shard_arena.hpp"

namespace gw::sip {
namespace {

// ---- Epoch-based reclamation, shared by every table of the process ----------------------

struct alignas(64) ReaderSlot {
  std::atomic<uint64_t> epoch{0};  // 0: not inside a lookup
  std::atomic<bool> inUse{false};
};

class EpochDomain {
 public:
  static EpochDomain& instance() {
    static EpochDomain domain;
    return domain;
  }

  // Readers need a full fence of their own only when membarrier(2) is unavailable.
  bool readersNeedFence() const { return !membarrier_; }
  uint64_t current() const { return epoch_.load(std::memory_order_acquire); }

  ReaderSlot* acquireSlot() {
    std::lock_guard lock(mu_);
    for (auto& s : slots_) {
      if (!s->inUse.load(std::memory_order_relaxed)) {
        s->inUse.store(true, std::memory_order_relaxed);
        return s.get();
      }
    }
    slots_.push_back(std::make_unique<ReaderSlot>());
    slots_.back()->inUse.store(true, std::memory_order_relaxed);
    return slots_.back().get();
  }

  // Writer: after unpublishing shards, makes every reader's epoch store visible (a barrier
  // on each CPU running a thread of ours), opens a new epoch and answers the oldest epoch a
  // reader is still inside (UINT64_MAX when none). A shard retired at epoch r is free once
  // r < that answer: any reader that could still hold it pinned an epoch <= r.
  uint64_t advanceAndOldestPinned() {
    if (membarrier_) {
      if (syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0) {
        std::atomic_thread_fence(std::memory_order_seq_cst);
      }
    } else {
      std::atomic_thread_fence(std::memory_order_seq_cst);
    }
    epoch_.fetch_add(1, std::memory_order_acq_rel);
    uint64_t oldest = UINT64_MAX;
    std::lock_guard lock(mu_);
    for (const auto& s : slots_) {
      uint64_t e = s->epoch.load(std::memory_order_acquire);
      if (e != 0 && e < oldest) oldest = e;
    }
    return oldest;
  }

 private:
  EpochDomain()
      : membarrier_(syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0) {
  }

  std::atomic<uint64_t> epoch_{1};
  const bool membarrier_;
  std::mutex mu_;
  std::vector<std::unique_ptr<ReaderSlot>> slots_;  // guarded by mu_; never shrinks
};

struct ThreadSlot {
  ReaderSlot* slot = nullptr;
  ~ThreadSlot() {
    if (slot) {
      slot->epoch.store(0, std::memory_order_release);
      slot->inUse.store(false, std::memory_order_release);
    }
  }
};
thread_local ThreadSlot tThreadSlot;

// Marks this thread as inside a lookup for its lifetime: one plain store on entry and on
// exit, no read-modify-write.
class ReadPin {
 public:
  // Inlined by force, like probe(): with lookup() and lookupBatch() both using it, GCC
  // made it a call, and single lookups at 1k numbers lost ~10 %.
  [[gnu::always_inline]] ReadPin() {
    EpochDomain& d = EpochDomain::instance();
    if (!tThreadSlot.slot) tThreadSlot.slot = d.acquireSlot();
    slot_ = tThreadSlot.slot;
    slot_->epoch.store(d.current(), std::memory_order_relaxed);
    if (d.readersNeedFence()) {
      std::atomic_thread_fence(std::memory_order_seq_cst);
    } else {
      std::atomic_signal_fence(std::memory_order_seq_cst);
    }
  }
  ~ReadPin() { slot_->epoch.store(0, std::memory_order_release); }
  ReadPin(const ReadPin&) = delete;
  ReadPin& operator=(const ReadPin&) = delete;

 private:
  ReaderSlot* slot_;
};

// splitmix64's finaliser: numbers of one block (consecutive DIDs) spread evenly; the high
// bits pick the shard, the low bits the slot.
inline uint64_t hashKey(uint64_t key) {
  key ^= key >> 30;
  key *= 0xbf58476d1ce4e5b9ULL;
  key ^= key >> 27;
  key *= 0x94d049bb133111ebULL;
  key ^= key >> 31;
  return key;
}

// Capacity (a power of two) for `count` routes at a load factor of at most 3/4.
inline uint32_t capacityFor(size_t count) {
  size_t want = std::max<size_t>(4, count + count / 3 + 1);
  return static_cast<uint32_t>(std::bit_ceil(want));
}

}  // namespace

// ---- Slots and shards -------------------------------------------------------------------

struct RoutingTable::Slot {
  uint64_t key;  // 0: empty
  UuidBytes phoneNumberId;
  uint32_t provider;  // IdPool index
  uint32_t agent;     // IdPool index, 0: no agent
};

// A header line followed by capacity slots, in one allocation.
struct alignas(64) RoutingTable::Shard {
  static_assert(sizeof(Slot) == 32, "two slots per cache line");
  uint32_t mask = 0;  // capacity - 1
  uint32_t count = 0;

  Slot* slots() { return reinterpret_cast<Slot*>(this + 1); }
  const Slot* slots() const { return reinterpret_cast<const Slot*>(this + 1); }
  uint32_t capacity() const { return mask + 1; }
  size_t bytes() const { return sizeof(Shard) + size_t{capacity()} * sizeof(Slot); }

  // Slots are left uninitialised: the caller zeroes them or copies a shard over them.
  static Shard* allocate(ShardArena& arena, uint32_t capacity) {
    static_assert(alignof(Shard) == ShardArena::kAlign && sizeof(Shard) % ShardArena::kAlign == 0);
    auto* s = new (arena.allocate(sizeof(Shard) + size_t{capacity} * sizeof(Slot))) Shard;
    s->mask = capacity - 1;
    return s;
  }
  void clear() {
    count = 0;
    std::memset(static_cast<void*>(slots()), 0, size_t{capacity()} * sizeof(Slot));
  }
  static void destroy(ShardArena& arena, Shard* s) {
    if (!s) return;
    const size_t size = s->bytes();
    s->~Shard();
    arena.deallocate(s, size);
  }

  // The address of the slot a probe for `hash` starts at, from the tagged shard pointer
  // alone (integer arithmetic: the shard may already be retired, see prefetch()).
  static uintptr_t firstSlotAddress(uintptr_t tagged, uint64_t hash) {
    uint32_t mask = (uint32_t{1} << (tagged & kTagMask)) - 1;
    return (tagged & ~kTagMask) + sizeof(Shard) +
           (static_cast<uint32_t>(hash) & mask) * sizeof(Slot);
  }

  // Reader side. The key is loaded with acquire because the writer may be storing it in
  // place right now (insertInPlace): a key seen means its payload is seen too.
  static const Slot* find(const Slot* base, uint32_t mask, uint64_t key, uint64_t hash) {
    for (uint32_t i = static_cast<uint32_t>(hash) & mask;; i = (i + 1) & mask) {
      const Slot& s = base[i];
      uint64_t k =
          std::atomic_ref<uint64_t>(const_cast<uint64_t&>(s.key)).load(std::memory_order_acquire);
      if (k == key) return &s;
      if (k == 0) return nullptr;
    }
  }

  // Writer only, on the published shard. Fills the empty slot that ends the key's probe
  // sequence and returns true, or returns false when the key is already present (its route
  // then changes by copy: a reader must never see a payload change under its key). The
  // shard must have a free slot. Filling an empty slot hides no other key, since no probe
  // sequence passes an empty slot; the payload is written first and the key last, with
  // release, so a concurrent reader sees the empty slot (the insert linearises after its
  // lookup) or the whole route.
  bool insertInPlace(const Slot& slot) {
    Slot* base = slots();
    for (uint32_t i = static_cast<uint32_t>(hashKey(slot.key)) & mask;; i = (i + 1) & mask) {
      if (base[i].key == slot.key) return false;
      if (base[i].key == 0) {
        base[i].phoneNumberId = slot.phoneNumberId;
        base[i].provider = slot.provider;
        base[i].agent = slot.agent;
        std::atomic_ref<uint64_t>(base[i].key).store(slot.key, std::memory_order_release);
        ++count;
        return true;
      }
    }
  }

  // Writer only. Returns true when the key was new. The shard must have a free slot.
  bool upsert(const Slot& slot) {
    Slot* base = slots();
    for (uint32_t i = static_cast<uint32_t>(hashKey(slot.key)) & mask;; i = (i + 1) & mask) {
      if (base[i].key == slot.key) {
        base[i] = slot;
        return false;
      }
      if (base[i].key == 0) {
        base[i] = slot;
        ++count;
        return true;
      }
    }
  }

  // Writer only. Backward-shift deletion keeps every probe sequence unbroken without
  // tombstones.
  bool erase(uint64_t key) {
    Slot* base = slots();
    uint32_t i = static_cast<uint32_t>(hashKey(key)) & mask;
    for (;; i = (i + 1) & mask) {
      if (base[i].key == key) break;
      if (base[i].key == 0) return false;
    }
    for (uint32_t j = (i + 1) & mask; base[j].key != 0; j = (j + 1) & mask) {
      uint32_t home = static_cast<uint32_t>(hashKey(base[j].key)) & mask;
      // The entry at j may move back to i unless its home lies cyclically in (i, j].
      bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
      if (!stays) {
        base[i] = base[j];
        i = j;
      }
    }
    base[i] = Slot{};
    --count;
    return true;
  }
};

// ---- Provider and agent ids, interned -----------------------------------------------------

// Append-only: an index handed out stays valid for the table's lifetime, so readers
// resolve it without synchronisation beyond the shard pointer they loaded. Index 0 is the
// all-zero id.
class RoutingTable::IdPool {
 public:
  IdPool() : chunks_(new std::atomic<UuidBytes*>[kChunks]) {
    for (size_t i = 0; i < kChunks; ++i) chunks_[i].store(nullptr, std::memory_order_relaxed);
    chunks_[0].store(new UuidBytes[kChunkSize]{}, std::memory_order_release);
  }
  ~IdPool() {
    for (size_t i = 0; i < kChunks; ++i) delete[] chunks_[i].load(std::memory_order_relaxed);
  }

  uint32_t intern(const UuidBytes& id) {
    if (id == UuidBytes{}) return 0;
    auto [it, inserted] = index_.try_emplace(id, next_);
    if (!inserted) return it->second;
    if (next_ >= kChunks * kChunkSize) {
      index_.erase(it);
      throw std::length_error("routing table: more than 4 million distinct provider or agent ids");
    }
    size_t chunk = next_ >> kChunkBits;
    UuidBytes* c = chunks_[chunk].load(std::memory_order_relaxed);
    if (!c) {
      c = new UuidBytes[kChunkSize]{};
      chunks_[chunk].store(c, std::memory_order_release);
    }
    c[next_ & (kChunkSize - 1)] = id;
    return next_++;
  }

  const UuidBytes& get(uint32_t index) const {
    return chunks_[index >> kChunkBits].load(std::memory_order_acquire)[index & (kChunkSize - 1)];
  }

  size_t bytes() const {
    size_t chunks = (next_ + kChunkSize - 1) / kChunkSize;
    return kChunks * sizeof(void*) + chunks * kChunkSize * sizeof(UuidBytes) +
           index_.size() * (sizeof(UuidBytes) + 4 + 2 * sizeof(void*));
  }

 private:
  static constexpr size_t kChunkBits = 10;
  static constexpr size_t kChunkSize = size_t{1} << kChunkBits;
  static constexpr size_t kChunks = 4096;

  struct Hash {
    size_t operator()(const UuidBytes& u) const noexcept {
      uint64_t a, b;
      std::memcpy(&a, u.data(), 8);
      std::memcpy(&b, u.data() + 8, 8);
      return static_cast<size_t>(hashKey(a ^ b));
    }
  };
  std::unique_ptr<std::atomic<UuidBytes*>[]> chunks_;
  std::unordered_map<UuidBytes, uint32_t, Hash> index_;  // writer only
  uint32_t next_ = 1;
};

// ---- The table ----------------------------------------------------------------------------

RoutingTable::RoutingTable(size_t shardCountLog2)
    : shardBits_(static_cast<unsigned>(std::min<size_t>(shardCountLog2, 20))),
      arena_(std::make_unique<ShardArena>()),
      shards_(new std::atomic<uintptr_t>[size_t{1} << shardBits_]),
      providers_(std::make_unique<IdPool>()),
      agents_(std::make_unique<IdPool>()) {
  for (size_t i = 0; i < (size_t{1} << shardBits_); ++i)
    shards_[i].store(0, std::memory_order_relaxed);
  EpochDomain::instance();  // registers membarrier(2) before any reader runs
}

RoutingTable::~RoutingTable() {
  for (size_t i = 0; i < (size_t{1} << shardBits_); ++i)
    Shard::destroy(*arena_, untag(shards_[i].load(std::memory_order_relaxed)));
  for (auto& r : retired_) Shard::destroy(*arena_, r.shard);
}

uintptr_t RoutingTable::tag(Shard* s) {
  static_assert(alignof(Shard) > kTagMask, "the low pointer bits hold log2(capacity)");
  if (!s) return 0;
  return reinterpret_cast<uintptr_t>(s) | static_cast<uintptr_t>(std::countr_zero(s->capacity()));
}

RoutingTable::Shard* RoutingTable::untag(uintptr_t tagged) {
  return reinterpret_cast<Shard*>(tagged & ~kTagMask);
}

size_t RoutingTable::shardOf(uint64_t hash) const {
  return shardBits_ == 0 ? 0 : static_cast<size_t>(hash >> (64 - shardBits_));
}

// The caller holds a ReadPin, taken before it loaded `tagged`. The route is built in
// `out` itself: through a returned temporary, lookupBatch() paid store-forwarding stalls.
[[gnu::always_inline]] inline void RoutingTable::probe(uintptr_t tagged, uint64_t key,
                                                       uint64_t hash,
                                                       std::optional<Route>& out) const {
  out.reset();
  if (tagged == 0 || key == 0) return;
  // The capacity travels in the pointer's low bits: the lookup reads no shard header,
  // only the slots it probes.
  const Shard* shard = untag(tagged);
  const Slot* s = Shard::find(shard->slots(), (uint32_t{1} << (tagged & kTagMask)) - 1, key, hash);
  if (!s) return;
  Route& r = out.emplace();
  r.key = key;
  r.phoneNumberId = s->phoneNumberId;
  r.providerId = providers_->get(s->provider);
  r.agentId = agents_->get(s->agent);
}

std::optional<Route> RoutingTable::lookup(uint64_t key) const {
  uint64_t hash = hashKey(key);
  ReadPin pin;
  std::optional<Route> route;
  probe(shards_[shardOf(hash)].load(std::memory_order_acquire), key, hash, route);
  return route;
}

void RoutingTable::prefetch(uint64_t key) const {
  // No epoch: the shard may be retired, recycled or freed before (or while) the line
  // arrives, and that is harmless. A prefetch is a hint, not an access: it never faults
  // (not even on an unmapped page), changes no memory and leaves nothing for the lookup
  // to trust; that lookup loads the shard pointer again inside its own epoch. At worst
  // the line fetched is one the lookup will not read.
  uint64_t hash = hashKey(key);
  uintptr_t tagged = shards_[shardOf(hash)].load(std::memory_order_relaxed);
  if (tagged != 0) {
    __builtin_prefetch(reinterpret_cast<const void*>(Shard::firstSlotAddress(tagged, hash)));
  }
}

void RoutingTable::lookupBatch(std::span<const uint64_t> keys,
                               std::span<std::optional<Route>> out) const {
  // A window of kAhead keys whose slot lines are on their way: key i is probed, then key
  // i + kAhead is sent for. A core tracks a couple of dozen outstanding L1 misses, so 16
  // keeps it busy without the prefetches evicting each other's lines before use.
  constexpr size_t kAhead = 16;
  uint64_t hashes[kAhead];
  uintptr_t tagged[kAhead];
  // One epoch for the batch: the shard pointers loaded by start() stay valid until the
  // probes that use them are done.
  ReadPin pin;
  auto start = [&](size_t i) {
    uint64_t h = hashKey(keys[i]);
    uintptr_t t = shards_[shardOf(h)].load(std::memory_order_acquire);
    if (t != 0) __builtin_prefetch(reinterpret_cast<const void*>(Shard::firstSlotAddress(t, h)));
    hashes[i % kAhead] = h;
    tagged[i % kAhead] = t;
  };
  const size_t n = keys.size();
  for (size_t i = 0; i < std::min(n, kAhead); ++i) start(i);
  for (size_t i = 0; i < n; ++i) {
    probe(tagged[i % kAhead], keys[i], hashes[i % kAhead], out[i]);
    if (i + kAhead < n) start(i + kAhead);
  }
}

RoutingTable::Shard* RoutingTable::newShard(uint32_t capacity, bool zeroed) {
  // A shard freed by reclaim() left its block on the arena's free list, so the next shard
  // of its size reuses it (still in cache, already faulted in) without a trip to the kernel.
  Shard* s = Shard::allocate(*arena_, capacity);
  if (zeroed) s->clear();
  return s;
}

void RoutingTable::recycle(Shard* s) {
  Shard::destroy(*arena_, s);
}

void RoutingTable::publish(size_t shard, Shard* next) {
  Shard* old = untag(shards_[shard].exchange(tag(next), std::memory_order_acq_rel));
  if (old) {
    retired_.push_back({old, EpochDomain::instance().current()});
    retiredBytes_ += old->bytes();
  }
}

void RoutingTable::reclaim(bool force) {
  // The barrier costs every reader CPU an interrupt: batch it.
  if (retired_.empty() || (!force && retired_.size() < 64 && retiredBytes_ < (size_t{4} << 20)))
    return;
  uint64_t oldest = EpochDomain::instance().advanceAndOldestPinned();
  std::erase_if(retired_, [&](const Retired& r) {
    if (r.epoch >= oldest) return false;
    retiredBytes_ -= r.shard->bytes();
    recycle(r.shard);
    return true;
  });
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
  for (const Route& r : upserts) {
    if (r.key != 0) changes.push_back({shardOf(hashKey(r.key)), &r, r.key});
  }
  for (uint64_t k : erases) {
    if (k != 0) changes.push_back({shardOf(hashKey(k)), nullptr, k});
  }
  // Stable: within a shard, upserts keep request order and come before erases.
  std::stable_sort(changes.begin(), changes.end(),
                   [](const Change& a, const Change& b) { return a.shard < b.shard; });

  long delta = 0;
  size_t i = 0;
  while (i < changes.size()) {
    const size_t s = changes[i].shard;
    size_t end = i;
    while (end < changes.size() && changes[end].shard == s) ++end;

    Shard* current = untag(shards_[s].load(std::memory_order_relaxed));
    // The leading new keys go into the published shard itself while it stays at most 3/4
    // full: no copy, nothing retired. Only the published shard is ever written in place;
    // a retired shard is never published again (its memory is reused only once no reader
    // can hold it), and a later copy starts from the current contents.
    for (; current && i < end && changes[i].upsert; ++i) {
      if (capacityFor(current->count + 1) > current->capacity()) break;
      const Change& c = changes[i];
      Slot slot{c.key, c.upsert->phoneNumberId, providers_->intern(c.upsert->providerId),
                agents_->intern(c.upsert->agentId)};
      if (!current->insertInPlace(slot)) break;
      ++delta;
    }
    if (i == end) continue;

    // The rest of the shard's changes (an existing key, an erase, no room) go to a copy.
    size_t inserts = 0;
    for (size_t k = i; k < end; ++k) inserts += changes[k].upsert != nullptr;
    size_t currentCount = current ? current->count : 0;
    uint32_t capacity = capacityFor(currentCount + inserts);
    if (current && current->capacity() > capacity) capacity = current->capacity();
    const bool copy = current && current->capacity() == capacity;
    Shard* next = newShard(capacity, !copy);
    if (current) {
      if (copy) {
        std::memcpy(static_cast<void*>(next->slots()), current->slots(),
                    size_t{capacity} * sizeof(Slot));
        next->count = current->count;
      } else {
        for (uint32_t k = 0; k < current->capacity(); ++k) {
          if (current->slots()[k].key != 0) next->upsert(current->slots()[k]);
        }
      }
    }
    for (; i < end; ++i) {
      const Change& c = changes[i];
      if (c.upsert) {
        Slot slot{c.key, c.upsert->phoneNumberId, providers_->intern(c.upsert->providerId),
                  agents_->intern(c.upsert->agentId)};
        if (next->upsert(slot)) ++delta;
      } else if (next->erase(c.key)) {
        --delta;
      }
    }
    // Erases may leave a shard mostly empty: shrink it so memory follows the content.
    if (next->capacity() > 2 * capacityFor(next->count)) {
      Shard* smaller = newShard(capacityFor(next->count), true);
      for (uint32_t k = 0; k < next->capacity(); ++k) {
        if (next->slots()[k].key != 0) smaller->upsert(next->slots()[k]);
      }
      recycle(next);
      next = smaller;
    }
    publish(s, next);
  }
  size_.fetch_add(static_cast<size_t>(delta), std::memory_order_relaxed);
  // A bulk change (an import) reclaims at once: its retired shards would otherwise keep
  // whole arena chunks mapped until later writes, and one barrier is little next to it.
  reclaim(changes.size() >= 1024);
}

void RoutingTable::replaceAll(std::span<const Route> routes) {
  const size_t shardCount = size_t{1} << shardBits_;
  // Two passes over the routes: count per shard, then fill shards sized once.
  std::vector<uint32_t> perShard(shardCount, 0);
  std::vector<uint64_t> hashes(routes.size());
  for (size_t i = 0; i < routes.size(); ++i) {
    hashes[i] = hashKey(routes[i].key);
    if (routes[i].key != 0) ++perShard[shardOf(hashes[i])];
  }
  std::vector<Shard*> next(shardCount, nullptr);
  for (size_t s = 0; s < shardCount; ++s) {
    if (perShard[s]) next[s] = newShard(capacityFor(perShard[s]), true);
  }
  size_t total = 0;
  for (size_t i = 0; i < routes.size(); ++i) {
    const Route& r = routes[i];
    if (r.key == 0) continue;
    Slot slot{r.key, r.phoneNumberId, providers_->intern(r.providerId), agents_->intern(r.agentId)};
    // In input order, so a key given twice keeps its last route.
    if (next[shardOf(hashes[i])]->upsert(slot)) ++total;
  }
  for (size_t s = 0; s < shardCount; ++s) publish(s, next[s]);
  size_.store(total, std::memory_order_relaxed);
  reclaim(true);
}

size_t RoutingTable::memoryBytes() const {
  size_t bytes = (size_t{1} << shardBits_) * sizeof(std::atomic<Shard*>);
  for (size_t i = 0; i < (size_t{1} << shardBits_); ++i) {
    if (const Shard* s = untag(shards_[i].load(std::memory_order_relaxed))) bytes += s->bytes();
  }
  return bytes + providers_->bytes() + agents_->bytes();
}

}  // namespace gw::sip
