// The admin API's JSON at its largest: the body of a 10,000-SID import request parsed and
// validated (parseImportRequest), and a 10,000-entry import result written
// (importResultJson).
#include "modules/import/import_api.hpp"

#include <string>
#include <variant>
#include <vector>

#include <benchmark/benchmark.h>

#include "sample_data.hpp"

namespace gw::import {
namespace {

constexpr size_t kSids = kMaxSidsPerImport;  // 10,000: the largest request accepted

http::Request importRequest(size_t sids) {
  http::Request req;
  req.method = "POST";
  req.path = "/api/v1/providers/twilio/00000000-0000-4000-8000-000000000000/import-numbers";
  req.target = req.path;
  req.headers.push_back({"Content-Type", "application/json"});
  req.body = R"({"phoneNumberSids":[)";
  for (size_t i = 0; i < sids; ++i) {
    if (i) req.body += ',';
    req.body += '"';
    req.body += bench::phoneNumberSid(0xabc, i);
    req.body += '"';
  }
  req.body += "]}";
  return req;
}

void BM_ImportJson_ParseRequest(benchmark::State& state) {
  const size_t sids = static_cast<size_t>(state.range(0));
  const http::Request req = importRequest(sids);
  {
    auto parsed = parseImportRequest(req);
    if (!parsed.ok() || parsed->size() != sids) {
      state.SkipWithError("the request body was refused");
      return;
    }
  }
  for (auto _ : state) {
    auto parsed = parseImportRequest(req);
    benchmark::DoNotOptimize(parsed);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(sids));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(req.body.size()));
}
BENCHMARK(BM_ImportJson_ParseRequest)->Arg(kSids)->Unit(benchmark::kMicrosecond);

// Every SID failed: the longest result a 10,000-SID request can produce, with the messages
// the import service actually writes.
ImportOutcome failedOutcome(size_t sids) {
  static const char* const kMessages[] = {
      "Not found",
      "Already imported",
      "Duplicate in request",
      "Trunk attachment failed: attached to another trunk TK0123456789abcdef0123456789abcdef",
  };
  ImportOutcome out;
  out.errors.reserve(sids);
  for (size_t i = 0; i < sids; ++i) {
    out.errors.push_back({bench::phoneNumberSid(0xdef, i), kMessages[i % 4]});
  }
  return out;
}

void BM_ImportJson_WriteResult(benchmark::State& state) {
  const size_t entries = static_cast<size_t>(state.range(0));
  const ImportOutcome outcome = failedOutcome(entries);
  size_t bytes = 0;
  for (auto _ : state) {
    std::string json = importResultJson(outcome);
    bytes = json.size();
    benchmark::DoNotOptimize(json);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(entries));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes));
}
BENCHMARK(BM_ImportJson_WriteResult)->Arg(kSids)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace gw::import

BENCHMARK_MAIN();
