// Routing table (sip/routing_table.hpp): lookups at 1k / 100k / 1M numbers, one at a time
// and in batches, lookups while a writer thread keeps updating or importing, one update at
// 1M numbers, and memory per number.
#include "sip/routing_table.hpp"

#include <malloc.h>

#include <atomic>
#include <bit>
#include <chrono>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <span>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>

#include "sample_data.hpp"
#include "sip/shard_arena.hpp"

namespace gw::sip {
namespace {

constexpr int64_t k1k = 1'000;
constexpr int64_t k100k = 100'000;
constexpr int64_t k1M = 1'000'000;
constexpr size_t kImportBatch = 10'000;

// A table built the way start-up builds it (replaceAll), the routes it holds, and a
// power-of-two array of its keys in random order for the lookup loops.
struct LoadedTable {
  std::unique_ptr<RoutingTable> table;
  std::vector<Route> routes;
  std::vector<uint64_t> probes;
};

LoadedTable& loadedTable(size_t numbers) {
  // Built once per size and shared by every benchmark (and thread) that asks for it.
  static std::mutex mutex;
  static std::map<size_t, std::unique_ptr<LoadedTable>> cache;
  std::lock_guard lock(mutex);
  auto& slot = cache[numbers];
  if (!slot) {
    auto t = std::make_unique<LoadedTable>();
    t->routes = bench::routesFor(bench::distinctKeys(numbers, 42 + numbers), 7 + numbers);
    t->table = std::make_unique<RoutingTable>();
    t->table->replaceAll(t->routes);
    std::mt19937_64 rng(99);
    t->probes.resize(std::bit_ceil(std::max<size_t>(numbers, size_t{1} << 16)));
    for (auto& p : t->probes) p = t->routes[rng() % numbers].key;
    slot = std::move(t);
  }
  return *slot;
}

// Heap bytes in use (small chunks plus mmapped blocks), headers included, plus the shard
// arenas' chunks, whole (malloc's statistics do not see them).
size_t memoryInUse() {
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd + ShardArena::mappedBytesInProcess();
}

void BM_RoutingTable_Lookup(benchmark::State& state) {
  const LoadedTable& t = loadedTable(static_cast<size_t>(state.range(0)));
  if (!t.table->lookup(t.probes[0])) {
    state.SkipWithError("a probe key is not in the table");
    return;
  }
  const size_t mask = t.probes.size() - 1;
  size_t i = static_cast<size_t>(state.thread_index()) * (t.probes.size() / 2);
  for (auto _ : state) {
    auto route = t.table->lookup(t.probes[i & mask]);
    benchmark::DoNotOptimize(route);
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RoutingTable_Lookup)->Arg(k1k)->Arg(k100k)->Arg(k1M);
// Two readers on the two cores: how far the readers' shared shard pointers let it scale.
BENCHMARK(BM_RoutingTable_Lookup)->Arg(k1M)->Threads(2)->UseRealTime();

// The same random keys, range(1) at a time through lookupBatch(): the slot lines of a batch
// are fetched together, so their misses overlap. Items are keys.
void BM_RoutingTable_LookupBatch(benchmark::State& state) {
  const LoadedTable& t = loadedTable(static_cast<size_t>(state.range(0)));
  const size_t batch = static_cast<size_t>(state.range(1));
  std::vector<std::optional<Route>> out(batch);
  const size_t mask = t.probes.size() - 1;
  size_t i = 0;
  for (auto _ : state) {
    // The probe array's size is a power of two at least 65,536: a batch never wraps.
    t.table->lookupBatch({t.probes.data() + i, batch}, out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
    i = (i + batch) & mask;
  }
  for (const auto& r : out) {
    if (!r) state.SkipWithError("a probe key is not in the table");
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(batch));
}
BENCHMARK(BM_RoutingTable_LookupBatch)
    ->ArgNames({"numbers", "batch"})
    ->ArgsProduct({{k1k, k100k, k1M}, {16, 32}});

// What a SIP worker does with the datagrams one recvmmsg returned: prefetch() the called
// number of each, then lookup() them one by one. Items are keys.
void BM_RoutingTable_PrefetchThenLookup(benchmark::State& state) {
  const LoadedTable& t = loadedTable(static_cast<size_t>(state.range(0)));
  const size_t batch = static_cast<size_t>(state.range(1));
  const size_t mask = t.probes.size() - 1;
  size_t i = 0;
  uint64_t missing = 0;
  for (auto _ : state) {
    const uint64_t* keys = t.probes.data() + i;
    for (size_t j = 0; j < batch; ++j) t.table->prefetch(keys[j]);
    for (size_t j = 0; j < batch; ++j) {
      auto route = t.table->lookup(keys[j]);
      missing += !route.has_value();
      benchmark::DoNotOptimize(route);
    }
    i = (i + batch) & mask;
  }
  if (missing) state.SkipWithError("a probe key is not in the table");
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(batch));
}
BENCHMARK(BM_RoutingTable_PrefetchThenLookup)
    ->ArgNames({"numbers", "batch"})
    ->ArgsProduct({{k1k, k100k, k1M}, {16, 32}});

// One reader (the timed loop) while a writer thread applies batches of range(1) changes as
// fast as it can, i.e. a writer far busier than any import. With imports=0 the changes are
// updates of existing numbers (linking / relinking an agent: each copies its shard); with
// imports=1 they are new numbers (inserted in place), erased again 100,000 at a time so the
// table keeps its size. The writer is started before and stopped after the timed loop; the
// table is left as it was found.
//
// This machine's memory latency drifts with its neighbours' load, so the idle figure to
// compare with is measured in the same call, just before the writer starts (untimed, 100 ms
// of lookups): the counter idle_ratio is lookups/s under writes over lookups/s idle. The
// machine is shared, and the writer thread needs a core of its own: when other work takes
// CPU from the reader, idle_ratio shows that too, so idle_ratio_cpu compares lookups per
// second of the reader thread's own CPU time, which only the memory traffic affects.
void BM_RoutingTable_LookupUnderWrites(benchmark::State& state) {
  LoadedTable& t = loadedTable(static_cast<size_t>(state.range(0)));
  const size_t batch = static_cast<size_t>(state.range(1));
  const bool imports = state.range(2) != 0;
  const size_t numbers = t.routes.size();
  const size_t mask = t.probes.size() - 1;
  // UK numbers (44...): never among the table's North American keys.
  constexpr size_t kImported = 100'000;
  std::vector<Route> fresh;
  if (imports) {
    fresh.resize(kImported);
    for (size_t j = 0; j < kImported; ++j) {
      fresh[j] = t.routes[j % numbers];
      fresh[j].key = 442'000'000'000ull + j * 7;
    }
  }

  auto threadCpuSeconds = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  };
  double idleRate = 0;
  double idleCpuRate = 0;
  {
    using Clock = std::chrono::steady_clock;
    const double cpuStart = threadCpuSeconds();
    const auto start = Clock::now();
    const auto until = start + std::chrono::milliseconds(100);
    size_t done = 0;
    while (Clock::now() < until) {
      for (size_t j = 0; j < 4096; ++j, ++done) {
        auto route = t.table->lookup(t.probes[done & mask]);
        benchmark::DoNotOptimize(route);
      }
    }
    idleRate =
        static_cast<double>(done) / std::chrono::duration<double>(Clock::now() - start).count();
    idleCpuRate = static_cast<double>(done) / (threadCpuSeconds() - cpuStart);
  }

  std::atomic<bool> stop{false};
  std::atomic<uint64_t> updates{0};
  std::vector<uint64_t> freshKeys;
  for (const Route& r : fresh) freshKeys.push_back(r.key);
  std::thread writer([&] {
    std::vector<Route> pending(batch);
    size_t next = 0;
    uint8_t agent = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      if (imports) {
        if (next == kImported) {
          t.table->apply({}, freshKeys);
          next = 0;
        }
        const size_t n = std::min(batch, kImported - next);
        t.table->apply(std::span<const Route>(fresh).subspan(next, n), {});
        next += n;
        updates.fetch_add(n, std::memory_order_relaxed);
        continue;
      }
      ++agent;
      for (Route& r : pending) {
        r = t.routes[next++ % numbers];
        r.agentId[0] = agent;
      }
      t.table->apply(pending, {});
      updates.fetch_add(batch, std::memory_order_relaxed);
    }
    if (imports) t.table->apply({}, freshKeys);
  });

  size_t i = 0;
  uint64_t missing = 0;
  const uint64_t updatesBefore = updates.load();
  const auto loopStart = std::chrono::steady_clock::now();
  const double loopCpuStart = threadCpuSeconds();
  for (auto _ : state) {
    auto route = t.table->lookup(t.probes[i & mask]);
    missing += !route.has_value();
    benchmark::DoNotOptimize(route);
    ++i;
  }
  const double loopSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - loopStart).count();
  const double loopCpuSeconds = threadCpuSeconds() - loopCpuStart;
  const uint64_t updatesDuring = updates.load() - updatesBefore;
  stop.store(true);
  writer.join();

  if (missing) state.SkipWithError("a lookup missed while the writer updated");
  if (t.table->size() != numbers) state.SkipWithError("the writer left the table changed");
  state.SetItemsProcessed(state.iterations());
  state.counters["updates_per_s"] =
      benchmark::Counter(static_cast<double>(updatesDuring), benchmark::Counter::kIsRate);
  state.counters["idle_ratio"] = static_cast<double>(state.iterations()) / loopSeconds / idleRate;
  state.counters["idle_lookups_per_s"] = idleRate;
  state.counters["idle_ratio_cpu"] =
      static_cast<double>(state.iterations()) / loopCpuSeconds / idleCpuRate;
}
BENCHMARK(BM_RoutingTable_LookupUnderWrites)
    ->ArgNames({"numbers", "batch", "imports"})
    ->Args({k1k, 1, 0})
    ->Args({k1M, 1, 0})
    ->Args({k1M, static_cast<int64_t>(kImportBatch), 0})
    ->Args({k1M, 1, 1})
    ->Args({k1M, static_cast<int64_t>(kImportBatch), 1})
    ->UseRealTime();

// One number linked to (or unlinked from) an agent: the time until apply() returns is the
// time until the change is routable.
void BM_RoutingTable_Update(benchmark::State& state) {
  LoadedTable& t = loadedTable(static_cast<size_t>(state.range(0)));
  std::vector<Route> updates(std::min<size_t>(t.routes.size(), size_t{1} << 16));
  std::mt19937_64 rng(5);
  for (Route& r : updates) {
    r = t.routes[rng() % t.routes.size()];
    r.agentId = bench::randomUuidBytes(rng);
  }
  size_t i = 0;
  for (auto _ : state) {
    t.table->upsert(updates[i % updates.size()]);
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RoutingTable_Update)->Arg(k1k)->Arg(k1M)->Unit(benchmark::kMicrosecond);

// One number imported, then deleted: two writes per iteration, the table keeps its size.
void BM_RoutingTable_InsertThenErase(benchmark::State& state) {
  LoadedTable& t = loadedTable(static_cast<size_t>(state.range(0)));
  // UK numbers (44...): never among the table's North American keys.
  std::vector<Route> fresh(1024);
  std::mt19937_64 rng(6);
  for (size_t j = 0; j < fresh.size(); ++j) {
    fresh[j] = t.routes[j % t.routes.size()];
    fresh[j].key = 442'070'000'000ull + j * 7919;
    fresh[j].phoneNumberId = bench::randomUuidBytes(rng);
  }
  size_t i = 0;
  for (auto _ : state) {
    const Route& r = fresh[i % fresh.size()];
    t.table->upsert(r);
    t.table->erase(r.key);
    ++i;
  }
  if (t.table->size() != t.routes.size()) state.SkipWithError("the table changed size");
  state.SetItemsProcessed(2 * state.iterations());
}
BENCHMARK(BM_RoutingTable_InsertThenErase)->Arg(k1k)->Arg(k1M)->Unit(benchmark::kMicrosecond);

// Bytes per number of a table holding range(0) numbers, built either as start-up does
// (replaceAll) or as a gateway that grew by imports (apply() in batches of 10,000). The
// time is the build time; the counter is what matters.
void BM_RoutingTable_BytesPerNumber(benchmark::State& state) {
  const size_t numbers = static_cast<size_t>(state.range(0));
  const bool byImports = state.range(1) != 0;
  const std::vector<Route> routes =
      bench::routesFor(bench::distinctKeys(numbers, 11 + numbers), 13 + numbers);
  double bytesPerNumber = 0;
  for (auto _ : state) {
    const size_t before = memoryInUse();
    auto table = std::make_unique<RoutingTable>();
    if (byImports) {
      std::span<const Route> all(routes);
      for (size_t off = 0; off < all.size(); off += kImportBatch) {
        table->apply(all.subspan(off, std::min(kImportBatch, all.size() - off)), {});
      }
    } else {
      table->replaceAll(routes);  // the copy it takes is freed before it returns
    }
    const size_t after = memoryInUse();
    benchmark::DoNotOptimize(table.get());
    if (table->size() != numbers) {
      state.SkipWithError("the table lost numbers");
      break;
    }
    bytesPerNumber = static_cast<double>(after - before) / static_cast<double>(numbers);
    state.PauseTiming();
    table.reset();
    state.ResumeTiming();
  }
  state.counters["bytes_per_number"] = bytesPerNumber;
  state.counters["route_bytes"] = static_cast<double>(sizeof(Route));
}
BENCHMARK(BM_RoutingTable_BytesPerNumber)
    ->ArgNames({"numbers", "by_imports"})
    ->Args({k1k, 0})
    ->Args({k1M, 0})
    ->Args({k1M, 1})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace gw::sip

// libstdc++ updates shared_ptr reference counts without atomic instructions while a process
// has never started a thread. The gateway always runs several, so this process starts one
// before any benchmark: every lookup then pays what it pays in gatewayd, whichever
// benchmarks are selected and in whatever order.
int main(int argc, char** argv) {
  std::thread([] {}).join();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
