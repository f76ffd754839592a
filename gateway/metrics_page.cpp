#include "gateway/metrics_page.hpp"

#include <string_view>
#include <vector>

#include "common/metrics.hpp"
#include "gateway/admin_metrics.hpp"
#include "gateway/version.hpp"
#include "modules/import/import_metrics.hpp"
#include "sip/routing_table.hpp"
#include "sip/server.hpp"
#include "store/store.hpp"
#include "twilio/twilio_client.hpp"

namespace gw::gateway {

namespace {

using metrics::Exposition;
using T = metrics::Exposition::Type;

void writeBuildInfo(Exposition& out) {
  out.family("gateway_build_info", T::kGauge,
             "Always 1; the labels say which gatewayd this is (git: git describe at build).");
  out.sample("gateway_build_info", {{"version", kVersion}, {"git", kGitDescribe}}, uint64_t{1});
}

void writeStore(Exposition& out, const store::Store& db) {
  const store::Store::SpaceUsage u = db.spaceUsage();
  out.family("gateway_store_used_bytes", T::kGauge,
             "LMDB pages in use (below the high-water mark and not on the free list).");
  out.sample("gateway_store_used_bytes", {}, u.usedBytes);
  out.family("gateway_store_high_water_bytes", T::kGauge,
             "The extent of the LMDB data file as last written.");
  out.sample("gateway_store_high_water_bytes", {}, u.highWaterBytes);
  out.family("gateway_store_limit_bytes", T::kGauge,
             "--store-map-size: writes that add data are refused (507) beyond it.");
  out.sample("gateway_store_limit_bytes", {}, u.limitBytes);
  out.family("gateway_store_map_bytes", T::kGauge,
             "The LMDB map size: the limit plus the reserve that deletes may use.");
  out.sample("gateway_store_map_bytes", {}, u.mapBytes);
}

void writeRoutes(Exposition& out, const sip::RoutingTable& routes) {
  out.family("gateway_routing_table_numbers", T::kGauge, "Numbers in the SIP routing table.");
  out.sample("gateway_routing_table_numbers", {}, uint64_t{routes.size()});
  out.family("gateway_routing_table_memory_bytes", T::kGauge,
             "Memory of the routing table's published shards, pointer array and id pools.");
  out.sample("gateway_routing_table_memory_bytes", {}, uint64_t{routes.memoryBytes()});
}

// One family of per-worker counters that are a single number each.
struct WorkerCounter {
  std::string_view name;
  std::string_view help;
  uint64_t sip::ServerStats::*field;
};

constexpr WorkerCounter kWorkerCounters[] = {
    {"gateway_sip_acl_denials_total",
     "SIP requests answered 403 because the source is not allowed (trusted CIDRs, provider "
     "allowedAddresses).",
     &sip::ServerStats::aclDenials},
    {"gateway_sip_unknown_number_invites_total",
     "INVITEs answered 404 because the called number is not imported.",
     &sip::ServerStats::unknownNumberInvites},
    {"gateway_sip_parse_errors_total", "SIP messages that could not be parsed.",
     &sip::ServerStats::parseErrors},
    {"gateway_sip_dropped_total",
     "SIP messages dropped: no answer possible, not for the gateway, or nowhere to send.",
     &sip::ServerStats::dropped},
    {"gateway_sip_forwarded_requests_total", "SIP requests proxied to their next hop.",
     &sip::ServerStats::forwardedRequests},
    {"gateway_sip_relayed_responses_total", "SIP responses relayed back toward the caller.",
     &sip::ServerStats::forwardedResponses},
    {"gateway_sip_responses_received_total", "SIP responses received.",
     &sip::ServerStats::responsesReceived},
    {"gateway_sip_absorbed_acks_total", "ACKs for the gateway's own final responses.",
     &sip::ServerStats::absorbedAcks},
    {"gateway_sip_route_denials_total",
     "In-dialog requests refused by the Record-Route check (403; ACK dropped).",
     &sip::ServerStats::routeDenials},
    {"gateway_sip_loops_detected_total", "SIP requests answered 482 Loop Detected.",
     &sip::ServerStats::loopsDetected},
    {"gateway_sip_outbound_tcp_refused_total",
     "TCP connections not opened because the worker's outbound cap was reached.",
     &sip::ServerStats::outboundTcpRefused},
};

void writeSip(Exposition& out, const std::vector<sip::ServerStats>& workers) {
  out.family("gateway_sip_workers", T::kGauge, "SIP worker threads listening.");
  out.sample("gateway_sip_workers", {}, uint64_t{workers.size()});
  out.family("gateway_sip_requests_total", T::kCounter, "SIP requests received, by method.");
  for (size_t i = 0; i < workers.size(); ++i) {
    const std::string w = std::to_string(i);
    for (const auto& [method, n] : workers[i].requestsByMethod) {
      out.sample("gateway_sip_requests_total", {{"worker", w}, {"method", method}}, n);
    }
  }
  out.family("gateway_sip_responses_sent_total", T::kCounter,
             "SIP responses the gateway generated itself, by status code.");
  for (size_t i = 0; i < workers.size(); ++i) {
    const std::string w = std::to_string(i);
    for (const auto& [status, n] : workers[i].responsesSentByStatus) {
      const std::string code = std::to_string(status);
      out.sample("gateway_sip_responses_sent_total", {{"worker", w}, {"code", code}}, n);
    }
  }
  for (const WorkerCounter& c : kWorkerCounters) {
    out.family(c.name, T::kCounter, c.help);
    for (size_t i = 0; i < workers.size(); ++i) {
      out.sample(c.name, {{"worker", std::to_string(i)}}, workers[i].*c.field);
    }
  }
  out.family("gateway_sip_tcp_refused_total", T::kCounter,
             "Accepted SIP TCP connections the gateway closed, by reason.");
  for (size_t i = 0; i < workers.size(); ++i) {
    const std::string w = std::to_string(i);
    for (const auto& [reason, n] : workers[i].tcpRefused) {
      out.sample("gateway_sip_tcp_refused_total", {{"worker", w}, {"reason", reason}}, n);
    }
  }
  out.family("gateway_sip_tcp_connections", T::kGauge, "SIP TCP connections open.");
  for (size_t i = 0; i < workers.size(); ++i) {
    out.sample("gateway_sip_tcp_connections", {{"worker", std::to_string(i)}},
               workers[i].tcpConnections);
  }
}

}  // namespace

std::string renderMetrics(const MetricsSources& s) {
  Exposition out;
  writeBuildInfo(out);
  s.admin.write(out);
  s.imports.write(out);
  s.twilio.writeMetrics(out);
  writeRoutes(out, s.routes);
  writeStore(out, s.store);
  writeSip(out, s.sip ? s.sip->workerStats() : std::vector<sip::ServerStats>{});
  return out.take();
}

}  // namespace gw::gateway
