// The LMDB store (store/store.hpp): batch inserts of 1k / 10k numbers in one write
// transaction, with and without fsync at commit, and the start-up path: open the store and
// rebuild the routing table from every stored number (10k and 1M numbers).
#include "store/store.hpp"

#include <stdlib.h>

#include <cstdio>
#include <exception>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "common/uuid.hpp"
#include "modules/admin/route_binding.hpp"
#include "sample_data.hpp"
#include "sip/routing_table.hpp"
#include "tests/support/temp_dir.hpp"

namespace gw::store {
namespace {

using testsupport::TempDir;

// Numbers as an import stores them: random UUID ids, one provider and org, E.164 numbers
// and SIDs derived from the index so batches never collide.
class NumberFactory {
 public:
  explicit NumberFactory(uint64_t salt) : salt_(salt), providerId_(newUuid()), orgId_(newUuid()) {}

  std::vector<PhoneNumber> next(size_t count) {
    std::vector<PhoneNumber> out(count);
    for (PhoneNumber& n : out) {
      const uint64_t i = next_++;
      n.id = newUuid();
      n.orgId = orgId_;
      n.providerId = providerId_;
      n.phoneNumberSid = bench::phoneNumberSid(salt_, i);
      n.phoneNumber = "+1" + std::to_string(2'000'000'000ull + i);
      n.displayName = "(" + n.phoneNumber.substr(2, 3) + ") " + n.phoneNumber.substr(5, 3) + "-" +
                      n.phoneNumber.substr(8);
      n.createdMs = n.updatedMs = 1'700'000'000'000 + static_cast<int64_t>(i);
    }
    return out;
  }

 private:
  uint64_t salt_;
  uint64_t next_ = 0;
  std::string providerId_;
  std::string orgId_;
};

void BM_Store_InsertBatch(benchmark::State& state) {
  const size_t batch = static_cast<size_t>(state.range(0));
  StoreOptions options;
  options.syncOnCommit = state.range(1) != 0;
  try {
    TempDir dir("gw-bench-store");
    auto store = Store::open(dir.path(), options);
    NumberFactory factory(1);
    for (auto _ : state) {
      state.PauseTiming();
      const std::vector<PhoneNumber> numbers = factory.next(batch);
      state.ResumeTiming();
      auto txn = store->write();
      for (const PhoneNumber& n : numbers) store->insertNumber(txn, n);
      txn.commit();
    }
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(batch));
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}
BENCHMARK(BM_Store_InsertBatch)
    ->ArgNames({"numbers", "sync"})
    ->Args({1'000, 1})
    ->Args({1'000, 0})
    ->Args({10'000, 1})
    ->Args({10'000, 0})
    ->UseRealTime()  // fsync waits are wall time, not CPU time
    ->Unit(benchmark::kMillisecond);

// A store holding `numbers` numbers, built once (without fsync, in batches) outside every
// timed region and closed again so the benchmark can open it. Removed at exit.
const std::string& filledStore(size_t numbers) {
  static std::map<size_t, std::unique_ptr<TempDir>> dirs;
  auto& dir = dirs[numbers];
  if (!dir) {
    dir = std::make_unique<TempDir>("gw-bench-store");
    StoreOptions options;
    options.syncOnCommit = false;
    auto store = Store::open(dir->path(), options);
    NumberFactory factory(2);
    constexpr size_t kBatch = 50'000;
    for (size_t done = 0; done < numbers; done += kBatch) {
      const auto batch = factory.next(std::min(kBatch, numbers - done));
      auto txn = store->write();
      for (const PhoneNumber& n : batch) store->insertNumber(txn, n);
      txn.commit();
    }
  }
  return dir->path();
}

// Start-up: open the environment, check its schema, read every number and publish the
// routing table. The page cache is warm (the store was just written or read).
void BM_Store_OpenAndRebuildRoutes(benchmark::State& state) {
  const size_t numbers = static_cast<size_t>(state.range(0));
  try {
    const std::string& dir = filledStore(numbers);
    for (auto _ : state) {
      auto store = Store::open(dir);
      auto table = std::make_unique<sip::RoutingTable>();
      const size_t routed = admin::rebuildRoutes(*store, *table);
      if (routed != numbers) {
        state.SkipWithError("some stored numbers were not routed");
        break;
      }
      benchmark::DoNotOptimize(table->size());
      state.PauseTiming();
      table.reset();
      store.reset();
      state.ResumeTiming();
    }
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(numbers));
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}
BENCHMARK(BM_Store_OpenAndRebuildRoutes)
    ->Arg(10'000)
    ->Arg(1'000'000)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// The store's share of the rebuild: one read transaction decoding every number record,
// nothing else (no UUID parsing, no routing table).
void BM_Store_ScanNumbers(benchmark::State& state) {
  const size_t numbers = static_cast<size_t>(state.range(0));
  try {
    auto store = Store::open(filledStore(numbers));
    for (auto _ : state) {
      size_t seen = 0;
      size_t bytes = 0;
      auto txn = store->read();
      store->forEachNumber(txn, [&](const PhoneNumber& n) {
        ++seen;
        bytes += n.phoneNumber.size();
      });
      benchmark::DoNotOptimize(bytes);
      if (seen != numbers) {
        state.SkipWithError("the scan did not see every number");
        break;
      }
    }
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(numbers));
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}
BENCHMARK(BM_Store_ScanNumbers)
    ->Arg(10'000)
    ->Arg(1'000'000)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace gw::store

BENCHMARK_MAIN();
