// gw::log (common/log.*, a facade over spdlog) against the same spdlog sink called directly,
// on the gateway's usage pattern: a debug line on the SIP hot path that the default level
// (info) turns off, an info line that is written (an agent change) and the access-log line.
// Both write the same line to /dev/null through spdlog's stderr sink (one fwrite and fflush
// per line under its console mutex), so the difference is what the facade costs: building
// the message and fields, escaping them, and its distributing sink.
#include <cstdio>
#include <memory>
#include <string>

#include <benchmark/benchmark.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "common/log.hpp"

namespace {

// Inputs of the SIP worker's "udp send failed" line (sip/worker.cpp).
const std::string kAddress = "192.0.2.10";
constexpr int kPort = 5060;
const char* const kWhy = "Connection refused";
const std::string kAgentId = "3f6c2a9e-8d4b-4c1e-9a7f-2b5d8e1c0a44";

std::FILE* devNull() {
  static std::FILE* file = std::fopen("/dev/null", "w");
  return file;
}

void gatewayTo(gw::log::Format format) {
  gw::log::setOutput(devNull());
  gw::log::setLevel(gw::log::Level::kInfo);
  gw::log::setFormat(format);
}

std::shared_ptr<spdlog::logger> spdlogToDevNull(const std::string& pattern) {
  auto sink =
      std::make_shared<spdlog::sinks::stdout_sink_base<spdlog::details::console_mutex>>(devNull());
  auto logger = std::make_shared<spdlog::logger>("gateway", sink);
  logger->set_formatter(
      std::make_unique<spdlog::pattern_formatter>(pattern, spdlog::pattern_time_type::utc, "\n"));
  logger->set_level(spdlog::level::info);
  return logger;
}

// The layout of gw::log's text lines: "2026-...Z info agents: message". The component is
// written into the message, as gw::log does.
constexpr const char* kTextPattern = "%Y-%m-%dT%H:%M:%S.%eZ %l %v";

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
    logger->debug("sip: udp send to {}:{} failed: {}", kAddress, kPort, kWhy);
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
    logger->info("agents: created agent {} ({})", kAgentId, "inbound");
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

// The same line with spdlog alone: the JSON layout in the pattern and the fields formatted
// into the message. Nothing is escaped, so it is a lower bound only.
void BM_Log_SpdlogAccessJsonPattern(benchmark::State& state) {
  auto logger =
      spdlogToDevNull(R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","component":"access",%v})");
  for (auto _ : state) {
    logger->info(R"("message":"GET /api/v1/providers/{{id}} 200","request_id":"{}","org":"{}",)"
                 R"("method":"{}","route":"{}","status":{},"duration_ms":{:.3f},"bytes":{},)"
                 R"("remote":"{}")",
                 kAgentId, "org_1", "GET", "/api/v1/providers/{id}", 200, 0.412, 512,
                 "127.0.0.1:40000");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Log_SpdlogAccessJsonPattern);

}  // namespace

BENCHMARK_MAIN();
