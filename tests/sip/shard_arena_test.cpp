#include "sip/shard_arena.hpp"

#include <cstdint>
#include <cstring>
#include <set>
#include <vector>

#include <gtest/gtest.h>

namespace gw::sip {
namespace {

// The sizes a routing table asks for: a header line and 2^k slots of 32 bytes.
size_t shardBytes(unsigned log2Capacity) {
  return 64 + (size_t{32} << log2Capacity);
}

TEST(ShardArenaTest, BlocksAreAlignedDistinctAndWritable) {
  ShardArena arena;
  std::vector<std::pair<char*, size_t>> blocks;
  for (unsigned k : {2u, 6u, 9u, 12u}) {
    for (int i = 0; i < 300; ++i) {
      const size_t bytes = shardBytes(k);
      auto* p = static_cast<char*>(arena.allocate(bytes));
      ASSERT_EQ(reinterpret_cast<uintptr_t>(p) % ShardArena::kAlign, 0u);
      std::memset(p, static_cast<int>(k), bytes);
      blocks.emplace_back(p, bytes);
    }
  }
  // No two blocks overlap, and each still holds what was written into it.
  std::set<std::pair<char*, size_t>> sorted(blocks.begin(), blocks.end());
  char* end = nullptr;
  for (const auto& [p, bytes] : sorted) {
    EXPECT_GE(p, end);
    end = p + bytes;
  }
  for (const auto& [p, bytes] : blocks) {
    EXPECT_EQ(p[0], p[bytes - 1]);
    arena.deallocate(p, bytes);
  }
}

TEST(ShardArenaTest, FreedBlocksAreReusedAndEmptyChunksUnmapped) {
  const size_t before = ShardArena::mappedBytesInProcess();
  {
    ShardArena arena;
    const size_t bytes = shardBytes(9);  // 16 KB slots: huge-page chunks
    std::vector<void*> blocks;
    for (int i = 0; i < 1000; ++i) blocks.push_back(arena.allocate(bytes));
    const size_t full = ShardArena::mappedBytesInProcess();
    EXPECT_GT(full, before + 1000 * bytes);
    EXPECT_LT(full, before + 1000 * bytes + 2 * (size_t{2} << 20));

    // Freed then allocated again: the same memory, nothing new mapped.
    void* freed = blocks[500];
    arena.deallocate(freed, bytes);
    EXPECT_EQ(arena.allocate(bytes), freed);
    EXPECT_EQ(ShardArena::mappedBytesInProcess(), full);

    for (void* p : blocks) arena.deallocate(p, bytes);
    EXPECT_EQ(ShardArena::mappedBytesInProcess(), before);
  }
  // Blocks too large to share a chunk come from the heap.
  ShardArena arena;
  void* large = arena.allocate(shardBytes(16));
  EXPECT_EQ(ShardArena::mappedBytesInProcess(), before);
  arena.deallocate(large, shardBytes(16));
}

}  // namespace
}  // namespace gw::sip
