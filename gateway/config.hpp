#pragma once
// gatewayd's settings: each flag has an environment variable of the same meaning; a flag
// wins over its variable, which wins over the embedded default.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "sip/cidr.hpp"
#include "store/store.hpp"

namespace gw::gateway {

struct HostPort {
  std::string host;
  uint16_t port = 0;
  std::string text() const { return host + ":" + std::to_string(port); }
};

// The number of cores (at least 1): one SIP worker per core by default.
size_t defaultSipWorkers();

struct Config {
  std::string dataDir = "./data";
  HostPort adminListen{"127.0.0.1", 8080};
  HostPort sipListen{"127.0.0.1", 5060};
  std::string publicSipUri;  // empty: "sip:" + sipListen
  size_t sipWorkers = defaultSipWorkers();
  size_t sipUdpBufferBytes = size_t{4} << 20;
  std::vector<sip::Cidr> sipTrustedCidrs;    // sources trusted for every provider
  std::optional<HostPort> sipOutboundProxy;  // where outbound INVITEs go instead of DNS
  std::string twilioApiUrl = "https://api.twilio.com";
  std::string twilioTrunkingUrl = "https://trunking.twilio.com";
  std::string tokensFile;
  std::string masterKeyFile;  // empty: <dataDir>/master-key, generated on first start
  std::string adminToken;     // from GATEWAY_ADMIN_TOKEN only (never a flag: argv is visible)
  // Orgs whose tokens may read GET /metrics, which covers every org.
  std::vector<std::string> metricsOrgs{"default"};
  size_t twilioConcurrency = 16;  // requests in flight per Twilio account at first
  // The most the adaptive bound may rise to; 0: the larger of kDefaultTwilioMaxConcurrency
  // and twilioConcurrency. Set explicitly, it may not be below twilioConcurrency.
  size_t twilioMaxConcurrency = 0;
  int twilioMaxAttempts = 4;
  int twilioTimeoutMs = 15'000;
  int64_t importDeadlineMs = 30 * 60'000;
  uint32_t importJobChunk = 1000;       // SIDs per import job step
  int64_t verifyIntervalMs = 3600'000;  // every provider verified this often; 0: never
  bool storeSync = true;
  size_t storeMapSizeBytes = store::kDefaultMapSizeBytes;
  std::string logLevel = "info";
  std::string logFormat = "text";  // "text" or "json"
  // Connection caps; 0: derived from the file descriptor limit (gateway/fd_budget.hpp).
  size_t adminMaxConnections = 0;
  size_t adminMaxConnectionsPerSource = 0;
  size_t sipTcpMaxConnections = 0;
  size_t sipTcpMaxConnectionsPerSource = 0;
  // The cluster (docs/cluster.md). No etcd endpoints: a single node, as without them.
  std::vector<std::string> etcdEndpoints;  // "http://host:port", tried in turn
  std::string nodeId;                      // empty: the host name
  std::string etcdPrefix = "/gateway/";
  int64_t etcdLeaseTtlMs = 10'000;      // whole seconds, 2 s to 5 min
  int64_t clusterGraceMs = 5 * 60'000;  // how long a gone node keeps its origination URL
  bool help = false;

  bool clustered() const { return !etcdEndpoints.empty(); }
  std::string effectiveNodeId() const;

  size_t effectiveTwilioMaxConcurrency() const;
  std::string effectivePublicSipUri() const {
    return publicSipUri.empty() ? "sip:" + sipListen.text() : publicSipUri;
  }
};

inline constexpr size_t kDefaultTwilioMaxConcurrency = 100;

// Admin tokens shorter than this are refused, wherever they come from.
inline constexpr size_t kMinAdminTokenLength = 16;

// Parses argv and the environment. The error says which flag or variable was wrong and why
// (never a token's value).
Result<Config> parseConfig(const std::vector<std::string>& args,
                           const std::map<std::string, std::string>& env);
Result<HostPort> parseHostPort(const std::string& text);
std::string helpText();

}  // namespace gw::gateway
