// gw::log (common/log.*) against spdlog for the gateway's usage pattern: a debug line on
// the SIP hot path that the default level (info) turns off, and an info line that is
// written (an agent change, an access-log line). Both write to /dev/null with a mutex, as
// both do to stderr in production; the spdlog logger is held by pointer, as a port would.
#include <cstdio>
#include <memory>
#include <string>

#include <benchmark/benchmark.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>

#include "common/log.hpp"

namespace {

// Inputs of the SIP worker's "udp send failed" line (sip/worker.cpp).
const std::string kAddress = "192.0.2.10";
constexpr int kPort = 5060;
const char* const kWhy = "Connection refused";
const std::string kAgentId = "3f6c2a9e-8d4b-4c1e-9a7f-2b5d8e1c0a44";

void gatewayTo(gw::log::Format format) {
  static std::FILE* devNull = std::fopen("/dev/null", "w");
  gw::log::setOutput(devNull);
  gw::log::setLevel(gw::log::Level::kInfo);
  gw::log::setFormat(format);
}

std::shared_ptr<spdlog::logger> spdlogToDevNull(const std::string& pattern) {
  auto sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>("/dev/null");
  auto logger = std::make_shared<spdlog::logger>("sip", sink);
  logger->set_formatter(
      std::make_unique<spdlog::pattern_formatter>(pattern, spdlog::pattern_time_type::utc));
  logger->set_level(spdlog::level::info);
  return logger;
}

// The same layout as gw::log's text lines: "2026-...Z info sip: message".
constexpr const char* kTextPattern = "%Y-%m-%dT%H:%M:%S.%eZ %l %n: %v";

void BM_Log_GatewayDisabledDebug(benchmark::State& state) {
  gatewayTo(gw::log::Format::kText);
  for (auto _ : state) {
    gw::log::debug("sip", "udp send to ", kAddress, ":", kPort, " failed: ", kWhy);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Log_GatewayDisabledDebug);

void BM_Log_SpdlogDisabledDebug(benchmark::State& state) {
  auto logger = spdlogToDevNull(kTextPattern);
  for (auto _ : state) {
    logger->debug("udp send to {}:{} failed: {}", kAddress, kPort, kWhy);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Log_SpdlogDisabledDebug);

void BM_Log_GatewayInfoText(benchmark::State& state) {
  gatewayTo(gw::log::Format::kText);
  for (auto _ : state) {
    gw::log::info("agents", "created agent ", kAgentId, " (", "inbound", ")");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Log_GatewayInfoText);

void BM_Log_SpdlogInfoText(benchmark::State& state) {
  auto logger = spdlogToDevNull(kTextPattern);
  for (auto _ : state) {
    logger->info("created agent {} ({})", kAgentId, "inbound");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Log_SpdlogInfoText);

// The access-log line with its eight fields, as JSON (escaped, UTF-8 checked).
void BM_Log_GatewayAccessJson(benchmark::State& state) {
  gatewayTo(gw::log::Format::kJson);
  for (auto _ : state) {
    gw::log::write(gw::log::Level::kInfo, "access", "GET /api/v1/providers/{id} 200",
                   {{"request_id", kAgentId},
                    {"org", "org_1"},
                    {"method", "GET"},
                    {"route", "/api/v1/providers/{id}"},
                    {"status", 200},
                    {"duration_ms", 0.412},
                    {"bytes", uint64_t{512}},
                    {"remote", "127.0.0.1:40000"}});
  }
  gatewayTo(gw::log::Format::kText);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Log_GatewayAccessJson);

// spdlog 1.10 has no structured fields: the nearest is a JSON-shaped pattern with the
// fields formatted into the message. Nothing is escaped, so it is a lower bound only.
void BM_Log_SpdlogAccessJsonPattern(benchmark::State& state) {
  auto logger = spdlogToDevNull(
      R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","component":"%n","message":"%v})");
  for (auto _ : state) {
    logger->info(R"(GET /api/v1/providers/{{id}} 200","request_id":"{}","org":"{}","method":"{}",)"
                 R"("route":"{}","status":{},"duration_ms":{:.3f},"bytes":{},"remote":"{})",
                 kAgentId, "org_1", "GET", "/api/v1/providers/{id}", 200, 0.412, 512,
                 "127.0.0.1:40000");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Log_SpdlogAccessJsonPattern);

}  // namespace

BENCHMARK_MAIN();
