#pragma once
// Memory for the routing table's shards: blocks of a few fixed sizes carved from 2 MiB
// chunks that ask the kernel for transparent huge pages (madvise(MADV_HUGEPAGE); the
// machines run THP in "madvise" mode, so malloc's memory gets none). At 1 M numbers the
// shards are 64 MB: in 4 KB pages every lookup also misses the TLB, in 2 MB pages all of
// them fit in it (lookups at 1 M, A/B on the same binary: ~25 % faster one at a time,
// 20 - 50 % in batches).
//
// Each chunk holds blocks of one size, a header line first, and is unmapped as soon as its
// last block is freed, so memory follows the content as it did with malloc. Blocks too
// large to share a chunk with seven others come from operator new. Writer thread only.
#include <atomic>
#include <cstddef>
#include <vector>

namespace gw::sip {

class ShardArena {
 public:
  static constexpr size_t kAlign = 64;

  // Every block must have been freed before the arena is destroyed (chunks go with their
  // last block, so the arena itself holds nothing).
  ShardArena() = default;
  ShardArena(const ShardArena&) = delete;
  ShardArena& operator=(const ShardArena&) = delete;

  // `bytes`: a multiple of kAlign. The block is kAlign-aligned and uninitialised.
  void* allocate(size_t bytes);
  // `bytes` as given to allocate().
  void deallocate(void* block, size_t bytes);

  // Bytes mapped for chunks by every arena of the process, used or not (for benchmarks:
  // malloc's statistics do not see them).
  static size_t mappedBytesInProcess() { return mapped_.load(std::memory_order_relaxed); }

 private:
  struct Chunk;
  struct SizeClass {
    size_t blockBytes;
    Chunk* withRoom = nullptr;  // chunks with a free block, doubly linked
  };

  // Blocks under 2 KB (the shards of a table of less than ~100 k numbers) come from 64 KB
  // chunks of ordinary pages instead: a huge page would be mostly empty (a table of 1,000
  // numbers would take 4 MB), and such tables fit the TLB anyway.
  static constexpr size_t kHugeChunkBytes = size_t{2} << 20;
  static constexpr size_t kSmallChunkBytes = size_t{64} << 10;
  static size_t chunkBytesFor(size_t bytes) {
    return bytes >= 2048 ? kHugeChunkBytes : kSmallChunkBytes;
  }
  static bool fromChunks(size_t bytes) { return bytes <= (kHugeChunkBytes - kAlign) / 8; }
  SizeClass& sizeClass(size_t bytes);
  static void link(SizeClass& c, Chunk* k);
  static void unlink(SizeClass& c, Chunk* k);

  std::vector<SizeClass> classes_;  // a handful: one per shard capacity in use
  static inline std::atomic<size_t> mapped_{0};
};

}  // namespace gw::sip
