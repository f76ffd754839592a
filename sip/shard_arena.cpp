#include "sip/shard_arena.hpp"

#include <sys/mman.h>

#include <cstdint>
#include <new>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
// A freed block is poisoned, so that a reader touching a shard after it was reclaimed
// fails under AddressSanitizer as it did when shards came from operator new.
#define GW_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define GW_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define GW_POISON(p, n) ((void)(p), (void)(n))
#define GW_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace gw::sip {

// The first line of every chunk; the chunk is found from a block's address by rounding it
// down to its chunk size, which is why chunks are mapped at that alignment.
struct alignas(ShardArena::kAlign) ShardArena::Chunk {
  Chunk* prev = nullptr;  // in the size class's list of chunks with room
  Chunk* next = nullptr;
  void* freed = nullptr;  // freed blocks, linked through their first word
  size_t blockBytes;
  uint32_t blocks;      // how many fit
  uint32_t carved = 0;  // blocks handed out at least once, from the front
  uint32_t live = 0;

  char* block(uint32_t i) { return reinterpret_cast<char*>(this + 1) + i * blockBytes; }
  bool hasRoom() const { return freed != nullptr || carved < blocks; }
};

ShardArena::SizeClass& ShardArena::sizeClass(size_t bytes) {
  for (SizeClass& c : classes_) {
    if (c.blockBytes == bytes) return c;
  }
  return classes_.emplace_back(SizeClass{bytes});
}

void ShardArena::link(SizeClass& c, Chunk* k) {
  k->prev = nullptr;
  k->next = c.withRoom;
  if (c.withRoom) c.withRoom->prev = k;
  c.withRoom = k;
}

void ShardArena::unlink(SizeClass& c, Chunk* k) {
  if (k->prev) {
    k->prev->next = k->next;
  } else {
    c.withRoom = k->next;
  }
  if (k->next) k->next->prev = k->prev;
  k->prev = k->next = nullptr;
}

void* ShardArena::allocate(size_t bytes) {
  if (!fromChunks(bytes)) return ::operator new (bytes, std::align_val_t{kAlign});
  SizeClass& c = sizeClass(bytes);
  Chunk* k = c.withRoom;
  if (!k) {
    const size_t chunkBytes = chunkBytesFor(bytes);
    // Twice the size, then the unaligned ends trimmed: mmap only promises page alignment.
    void* raw = mmap(nullptr, 2 * chunkBytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (raw == MAP_FAILED) throw std::bad_alloc();
    const auto start = reinterpret_cast<uintptr_t>(raw);
    const uintptr_t aligned = (start + chunkBytes - 1) & ~(chunkBytes - 1);
    if (aligned > start) munmap(raw, aligned - start);
    if (const uintptr_t end = start + 2 * chunkBytes; end > aligned + chunkBytes)
      munmap(reinterpret_cast<void*>(aligned + chunkBytes), end - aligned - chunkBytes);
    void* base = reinterpret_cast<void*>(aligned);
    // Advice only: without it (THP disabled) the chunk is ordinary memory.
    if (chunkBytes == kHugeChunkBytes) (void)madvise(base, chunkBytes, MADV_HUGEPAGE);
    mapped_.fetch_add(chunkBytes, std::memory_order_relaxed);
    k = new (base) Chunk;
    k->blockBytes = bytes;
    k->blocks = static_cast<uint32_t>((chunkBytes - sizeof(Chunk)) / bytes);
    link(c, k);
  }
  void* block;
  if (k->freed) {
    block = k->freed;
    GW_UNPOISON(block, bytes);
    k->freed = *static_cast<void**>(block);
  } else {
    block = k->block(k->carved++);
  }
  ++k->live;
  if (!k->hasRoom()) unlink(c, k);
  return block;
}

void ShardArena::deallocate(void* block, size_t bytes) {
  if (!block) return;
  if (!fromChunks(bytes)) {
    ::operator delete (block, std::align_val_t{kAlign});
    return;
  }
  const size_t chunkBytes = chunkBytesFor(bytes);
  auto* k = reinterpret_cast<Chunk*>(reinterpret_cast<uintptr_t>(block) & ~(chunkBytes - 1));
  SizeClass& c = sizeClass(bytes);
  const bool hadRoom = k->hasRoom();
  *static_cast<void**>(block) = k->freed;
  k->freed = block;
  GW_POISON(block, bytes);
  if (--k->live == 0) {
    // Readers may still prefetch lines of it (a hint: never a fault); none reads it, since
    // its blocks were freed only after their epochs ended.
    if (hadRoom) unlink(c, k);
    GW_UNPOISON(k, chunkBytes);  // the address range may be mapped again, as anything
    munmap(k, chunkBytes);
    mapped_.fetch_sub(chunkBytes, std::memory_order_relaxed);
  } else if (!hadRoom) {
    link(c, k);
  }
}

}  // namespace gw::sip
