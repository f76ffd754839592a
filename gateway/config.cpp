#include "gateway/config.hpp"

#include <algorithm>
#include <charconv>
#include <functional>
#include <limits>
#include <string_view>
#include <thread>

#include <unistd.h>

namespace gw::gateway {
namespace {

struct Option {
  const char* flag;
  const char* env;  // nullptr: no variable
  const char* help;
  std::function<Result<void>(Config&, const std::string&)> apply;
};

Result<long> parseInt(const std::string& text, long min, long max) {
  long v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || v < min || v > max) {
    return Error{0, "expected a whole number from " + std::to_string(min) + " to " +
                        std::to_string(max) + ", got '" + text + "'"};
  }
  return v;
}

// "0", or a whole number with a unit: ms, s, m or h (at most a week), in milliseconds.
Result<long> parseDurationMs(const std::string& text) {
  if (text == "0") return 0L;
  static constexpr std::pair<const char*, long> kUnits[] = {
      {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}};
  constexpr long kWeekMs = 7L * 24 * 3'600'000;
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  const std::string unit = text.substr(digits);
  for (const auto& [name, ms] : kUnits) {
    if (unit != name || digits == 0) continue;
    auto n = parseInt(text.substr(0, digits), 1, kWeekMs / ms);
    if (n) return *n * ms;
  }
  return Error{0,
               "expected 0 or a duration such as 500ms, 90s, 30m or 1h (at most a week), "
               "got '" +
                   text + "'"};
}

bool validNodeId(const std::string& v) {
  if (v.empty() || v.size() > 64) return false;
  return std::all_of(v.begin(), v.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '.' || ch == '_' || ch == '-';
  });
}

// etcd client URLs, comma-separated: http:// or https://, a host and a port.
Result<void> setEtcdEndpoints(Config& c, const std::string& v) {
  std::vector<std::string> urls;
  size_t start = 0;
  while (start <= v.size()) {
    size_t comma = v.find(',', start);
    if (comma == std::string::npos) comma = v.size();
    std::string url = v.substr(start, comma - start);
    while (!url.empty() && url.front() == ' ') url.erase(url.begin());
    while (!url.empty() && url.back() == ' ') url.pop_back();
    while (!url.empty() && url.back() == '/') url.pop_back();
    const bool scheme = url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
    const size_t hostAt = url.find("//") + 2;
    if (!scheme || url.size() <= hostAt || url.find(':', hostAt) == std::string::npos ||
        url.find_first_of("/?#@ ", hostAt) != std::string::npos) {
      return Error{0,
                   "expected etcd client URLs such as http://127.0.0.1:2379, separated by "
                   "commas, got '" +
                       url + "'"};
    }
    urls.push_back(std::move(url));
    start = comma + 1;
  }
  c.etcdEndpoints = std::move(urls);
  return {};
}

// One CIDR, or several separated by commas (the environment variable's form).
Result<void> addCidrs(Config& c, const std::string& v) {
  size_t start = 0;
  while (start <= v.size()) {
    size_t comma = v.find(',', start);
    if (comma == std::string::npos) comma = v.size();
    std::string item = v.substr(start, comma - start);
    while (!item.empty() && item.front() == ' ') item.erase(item.begin());
    while (!item.empty() && item.back() == ' ') item.pop_back();
    auto cidr = sip::Cidr::parse(item);
    if (!cidr) {
      return Error{0, "expected a CIDR such as 10.0.0.0/8 or 2001:db8::/32, got '" + item +
                          "' (host bits below the prefix length must be zero)"};
    }
    c.sipTrustedCidrs.push_back(*cidr);
    start = comma + 1;
  }
  return {};
}

Result<void> needUrl(const std::string& v) {
  if (v.rfind("http://", 0) != 0 && v.rfind("https://", 0) != 0) {
    return Error{0, "expected an http:// or https:// URL, got '" + v + "'"};
  }
  return {};
}

// Bytes, or a whole number with a binary suffix: 64MiB, 16GiB (K, M, G, T and KiB... all
// mean powers of 1024).
Result<size_t> parseSize(const std::string& text, size_t min, size_t max) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  std::string suffix = text.substr(digits);
  if (suffix.size() == 3 && suffix.substr(1) == "iB") suffix.resize(1);
  unsigned shift = 0;
  if (suffix == "K") shift = 10;
  if (suffix == "M") shift = 20;
  if (suffix == "G") shift = 30;
  if (suffix == "T") shift = 40;
  unsigned long long n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + digits, n);
  bool ok = digits > 0 && ec == std::errc() && (suffix.empty() || shift != 0) &&
            n <= (std::numeric_limits<size_t>::max() >> shift);
  size_t bytes = ok ? static_cast<size_t>(n) << shift : 0;
  if (!ok || bytes < min || bytes > max) {
    const std::string range =
        std::to_string(min >> 20) + "MiB to " + std::to_string(max >> 40) + "TiB";
    return Error{0, "expected a size from " + range +
                        " such as 16GiB (bytes, or a K, M, G or T suffix), got '" + text + "'"};
  }
  return bytes;
}

std::string stripSlash(std::string v) {
  while (!v.empty() && v.back() == '/') v.pop_back();
  return v;
}

// A connection cap: a whole number from 1 up; "0" is refused (the default is derived).
std::function<Result<void>(Config&, const std::string&)> sizeOption(size_t Config::*field) {
  return [field](Config& c, const std::string& v) -> Result<void> {
    auto n = parseInt(v, 1, 10'000'000);
    if (!n) return n.error();
    c.*field = static_cast<size_t>(*n);
    return {};
  };
}

const std::vector<Option>& options() {
  static const std::vector<Option> kOptions = {
      {"--data-dir", "GATEWAY_DATA_DIR", "directory of the LMDB environment (default ./data)",
       [](Config& c, const std::string& v) -> Result<void> {
         if (v.empty()) return Error{0, "must not be empty"};
         c.dataDir = v;
         return {};
       }},
      {"--admin-listen", "GATEWAY_ADMIN_LISTEN",
       "HOST:PORT of the admin HTTP listener (default 127.0.0.1:8080)",
       [](Config& c, const std::string& v) -> Result<void> {
         auto hp = parseHostPort(v);
         if (!hp) return hp.error();
         c.adminListen = *hp;
         return {};
       }},
      {"--sip-listen", "GATEWAY_SIP_LISTEN",
       "HOST:PORT of the SIP listener, UDP and TCP (default 127.0.0.1:5060)",
       [](Config& c, const std::string& v) -> Result<void> {
         auto hp = parseHostPort(v);
         if (!hp) return hp.error();
         c.sipListen = *hp;
         return {};
       }},
      {"--public-sip-uri", "GATEWAY_PUBLIC_SIP_URI",
       "SIP URI Twilio's origination URL points at; its host:port is also written in Via\n"
       "      and Record-Route (default sip:<sip-listen>)",
       [](Config& c, const std::string& v) -> Result<void> {
         if (v.rfind("sip:", 0) != 0 && v.rfind("sips:", 0) != 0) {
           return Error{0, "expected a sip: or sips: URI, got '" + v + "'"};
         }
         c.publicSipUri = v;
         return {};
       }},
      {"--sip-workers", "GATEWAY_SIP_WORKERS",
       "SIP worker threads, each with its own UDP socket and TCP acceptor\n"
       "      (default: the number of cores)",
       [](Config& c, const std::string& v) -> Result<void> {
         auto n = parseInt(v, 1, 256);
         if (!n) return n.error();
         c.sipWorkers = static_cast<size_t>(*n);
         return {};
       }},
      {"--sip-udp-buffer-bytes", "GATEWAY_SIP_UDP_BUFFER_BYTES",
       "receive and send buffer of each worker's UDP socket; bursts beyond it are\n"
       "      dropped by the kernel (default 4194304; 0: the kernel's default; capped by\n"
       "      net.core.rmem_max / wmem_max)",
       [](Config& c, const std::string& v) -> Result<void> {
         auto n = parseInt(v, 0, 1 << 30);
         if (!n) return n.error();
         c.sipUdpBufferBytes = static_cast<size_t>(*n);
         return {};
       }},
      {"--sip-trusted-cidr", "GATEWAY_SIP_TRUSTED_CIDRS",
       "source CIDR trusted to call in for every provider, besides each provider's\n"
       "      allowedAddresses; repeatable (the variable takes a comma-separated list)",
       addCidrs},
      {"--sip-outbound-proxy", "GATEWAY_SIP_OUTBOUND_PROXY",
       "HOST:PORT where outbound calls (agent to PSTN) are sent over UDP instead of\n"
       "      the provider's termination URI (default: none)",
       [](Config& c, const std::string& v) -> Result<void> {
         auto hp = parseHostPort(v);
         if (!hp) return hp.error();
         if (hp->host.empty() || hp->port == 0) {
           return Error{0, "expected HOST:PORT with a port from 1 to 65535, got '" + v + "'"};
         }
         c.sipOutboundProxy = *hp;
         return {};
       }},
      {"--twilio-api-url", "TWILIO_API_URL",
       "base URL of Twilio's 2010-04-01 API (default https://api.twilio.com)",
       [](Config& c, const std::string& v) -> Result<void> {
         if (auto r = needUrl(v); !r) return r;
         c.twilioApiUrl = stripSlash(v);
         return {};
       }},
      {"--twilio-trunking-url", "TWILIO_TRUNKING_URL",
       "base URL of Twilio's Trunking v1 API (default https://trunking.twilio.com)",
       [](Config& c, const std::string& v) -> Result<void> {
         if (auto r = needUrl(v); !r) return r;
         c.twilioTrunkingUrl = stripSlash(v);
         return {};
       }},
      {"--tokens-file", "GATEWAY_TOKENS_FILE",
       "file of admin API tokens, one '<token> <orgId>' per line",
       [](Config& c, const std::string& v) -> Result<void> {
         c.tokensFile = v;
         return {};
       }},
      {"--metrics-orgs", "GATEWAY_METRICS_ORGS",
       "comma-separated orgs whose admin tokens may read GET /metrics, which covers every\n"
       "      org (default 'default': the org of GATEWAY_ADMIN_TOKEN and of the generated token)",
       [](Config& c, const std::string& v) -> Result<void> {
         std::vector<std::string> orgs;
         size_t start = 0;
         while (start <= v.size()) {
           size_t comma = std::min(v.find(',', start), v.size());
           std::string org = v.substr(start, comma - start);
           if (org.empty() || org.find_first_of(" \t") != std::string::npos) {
             return Error{0, "expected org ids separated by commas (no spaces, none empty), got '" +
                                 v + "'"};
           }
           orgs.push_back(std::move(org));
           start = comma + 1;
         }
         c.metricsOrgs = std::move(orgs);
         return {};
       }},
      {"--master-key-file", "GATEWAY_MASTER_KEY_FILE",
       "key file that encrypts the stored Twilio auth tokens (default\n"
       "      <data-dir>/master-key, generated 0600 on first start; a file named here must\n"
       "      exist)",
       [](Config& c, const std::string& v) -> Result<void> {
         c.masterKeyFile = v;
         return {};
       }},
      {"--twilio-concurrency", "GATEWAY_TWILIO_CONCURRENCY",
       "Twilio requests in flight per account at first; the bound then adapts to what\n"
       "      Twilio allows: it rises while Twilio accepts and falls when it answers 429\n"
       "      (default 16)",
       [](Config& c, const std::string& v) -> Result<void> {
         auto n = parseInt(v, 1, 1024);
         if (!n) return n.error();
         c.twilioConcurrency = static_cast<size_t>(*n);
         return {};
       }},
      {"--twilio-max-concurrency", "GATEWAY_TWILIO_MAX_CONCURRENCY",
       "the most Twilio requests in flight per account the adaptive bound may rise to;\n"
       "      at least --twilio-concurrency (default 100, or --twilio-concurrency when that\n"
       "      is higher)",
       [](Config& c, const std::string& v) -> Result<void> {
         auto n = parseInt(v, 1, 1024);
         if (!n) return n.error();
         c.twilioMaxConcurrency = static_cast<size_t>(*n);
         return {};
       }},
      {"--twilio-max-attempts", "GATEWAY_TWILIO_MAX_ATTEMPTS",
       "attempts per Twilio request, retries of 429/5xx/network errors included (default 4)",
       [](Config& c, const std::string& v) -> Result<void> {
         auto n = parseInt(v, 1, 20);
         if (!n) return n.error();
         c.twilioMaxAttempts = static_cast<int>(*n);
         return {};
       }},
      {"--twilio-timeout-ms", "GATEWAY_TWILIO_TIMEOUT_MS",
       "timeout of one Twilio request in milliseconds (default 15000)",
       [](Config& c, const std::string& v) -> Result<void> {
         auto n = parseInt(v, 100, 600'000);
         if (!n) return n.error();
         c.twilioTimeoutMs = static_cast<int>(*n);
         return {};
       }},
      {"--import-deadline-ms", "GATEWAY_IMPORT_DEADLINE_MS",
       "how long one import may take, waits for Twilio and for other imports of the\n"
       "      same numbers included; what is not on the trunk by then fails with the\n"
       "      reason (default 1800000: 30 minutes)",
       [](Config& c, const std::string& v) -> Result<void> {
         auto n = parseInt(v, 100, 24L * 3600 * 1000);
         if (!n) return n.error();
         c.importDeadlineMs = *n;
         return {};
       }},
      {"--import-job-chunk", "GATEWAY_IMPORT_JOB_CHUNK",
       "SIDs an import job imports per step: one commit of numbers and progress, and\n"
       "      what a restart repeats at most (default 1000)",
       [](Config& c, const std::string& v) -> Result<void> {
         auto n = parseInt(v, 1, 10'000);
         if (!n) return n.error();
         c.importJobChunk = static_cast<uint32_t>(*n);
         return {};
       }},
      {"--verify-interval", "GATEWAY_VERIFY_INTERVAL",
       "how often every provider is verified with Twilio (credentials, trunk, origination\n"
       "      URL, numbers still on the trunk), spread over the interval, the first round at\n"
       "      start-up: a number with a unit ms, s, m or h, e.g. 30m; 0 turns it off\n"
       "      (default 1h)",
       [](Config& c, const std::string& v) -> Result<void> {
         auto ms = parseDurationMs(v);
         if (!ms) return ms.error();
         c.verifyIntervalMs = *ms;
         return {};
       }},
      {"--etcd-endpoints", "GATEWAY_ETCD_ENDPOINTS",
       "etcd's client URLs, comma-separated (http://10.0.0.5:2379,...): this node joins\n"
       "      the cluster that keeps its registry there (docs/cluster.md); unset: a single\n"
       "      node with its own store",
       setEtcdEndpoints},
      {"--node-id", "GATEWAY_NODE_ID",
       "this node's name in the cluster: letters, digits, '.', '_' and '-', up to 64\n"
       "      (default: the host name)",
       [](Config& c, const std::string& v) -> Result<void> {
         if (!validNodeId(v)) {
           return Error{0, "expected 1 to 64 letters, digits, '.', '_' or '-', got '" + v + "'"};
         }
         c.nodeId = v;
         return {};
       }},
      {"--etcd-prefix", "GATEWAY_ETCD_PREFIX",
       "the key prefix of this cluster's registry in etcd (default /gateway/); nodes of\n"
       "      one cluster use the same",
       [](Config& c, const std::string& v) -> Result<void> {
         if (v.empty() || v.front() != '/' || v.size() > 128) {
           return Error{0,
                        "expected a prefix starting with '/' (at most 128 bytes), got '" + v + "'"};
         }
         c.etcdPrefix = v.back() == '/' ? v : v + "/";
         return {};
       }},
      {"--etcd-lease-ttl", "GATEWAY_ETCD_LEASE_TTL",
       "how long a node that stopped answering stays a member (its etcd lease), e.g. 10s;\n"
       "      whole seconds from 2s to 5m (default 10s)",
       [](Config& c, const std::string& v) -> Result<void> {
         auto ms = parseDurationMs(v);
         if (!ms) return ms.error();
         if (*ms < 2000 || *ms > 300'000 || *ms % 1000 != 0) {
           return Error{0, "expected whole seconds from 2s to 5m, got '" + v + "'"};
         }
         c.etcdLeaseTtlMs = *ms;
         return {};
       }},
      {"--cluster-grace", "GATEWAY_CLUSTER_GRACE",
       "how long a node may be gone before the leader takes its origination URL off the\n"
       "      trunks, e.g. 5m (default 5m; the last URL of a trunk is never removed)",
       [](Config& c, const std::string& v) -> Result<void> {
         auto ms = parseDurationMs(v);
         if (!ms) return ms.error();
         c.clusterGraceMs = *ms;
         return {};
       }},
      {"--store-sync", "GATEWAY_STORE_SYNC",
       "'true' (default) fsyncs every LMDB commit; 'false' trades durability for speed",
       [](Config& c, const std::string& v) -> Result<void> {
         if (v != "true" && v != "false")
           return Error{0, "expected true or false, got '" + v + "'"};
         c.storeSync = v == "true";
         return {};
       }},
      {"--store-map-size", "GATEWAY_STORE_MAP_SIZE",
       "largest size of the LMDB store, e.g. 16GiB (default 16GiB, room for about 10\n"
       "      million numbers); writes beyond it are refused with 507",
       [](Config& c, const std::string& v) -> Result<void> {
         auto n = parseSize(v, size_t{1} << 20, size_t{1} << 46);
         if (!n) return n.error();
         c.storeMapSizeBytes = *n;
         return {};
       }},
      {"--admin-max-connections", "GATEWAY_ADMIN_MAX_CONNECTIONS",
       "admin API connections open at once; when full, a connection from another address\n"
       "      closes the oldest of the address with the most (default: a quarter of the\n"
       "      file descriptor limit less 512 reserved)",
       sizeOption(&Config::adminMaxConnections)},
      {"--admin-max-connections-per-source", "GATEWAY_ADMIN_MAX_CONNECTIONS_PER_SOURCE",
       "admin API connections open at once from one client address; more are closed at\n"
       "      once (default: an eighth of --admin-max-connections)",
       sizeOption(&Config::adminMaxConnectionsPerSource)},
      {"--sip-tcp-max-connections", "GATEWAY_SIP_TCP_MAX_CONNECTIONS",
       "SIP TCP connections accepted and open at once, shared among the workers; when\n"
       "      full, as for the admin API (default: half of the file descriptor limit less\n"
       "      512 reserved)",
       sizeOption(&Config::sipTcpMaxConnections)},
      {"--sip-tcp-max-connections-per-source", "GATEWAY_SIP_TCP_MAX_CONNECTIONS_PER_SOURCE",
       "SIP TCP connections open at once from one address (default: an eighth of\n"
       "      --sip-tcp-max-connections)",
       sizeOption(&Config::sipTcpMaxConnectionsPerSource)},
      {"--log-level", "GATEWAY_LOG_LEVEL", "debug, info, warn or error (default info)",
       [](Config& c, const std::string& v) -> Result<void> {
         if (v != "debug" && v != "info" && v != "warn" && v != "error") {
           return Error{0, "expected debug, info, warn or error, got '" + v + "'"};
         }
         c.logLevel = v;
         return {};
       }},
      {"--log-format", "GATEWAY_LOG_FORMAT",
       "text (one line per record) or json (one JSON object per line) (default text)",
       [](Config& c, const std::string& v) -> Result<void> {
         if (v != "text" && v != "json") {
           return Error{0, "expected text or json, got '" + v + "'"};
         }
         c.logFormat = v;
         return {};
       }},
  };
  return kOptions;
}

}  // namespace

size_t defaultSipWorkers() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

Result<HostPort> parseHostPort(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return Error{0, "expected HOST:PORT, got '" + text + "'"};
  }
  HostPort hp;
  hp.host = text.substr(0, colon);
  if (hp.host.size() > 2 && hp.host.front() == '[' && hp.host.back() == ']') {
    hp.host = hp.host.substr(1, hp.host.size() - 2);
  }
  auto port = parseInt(text.substr(colon + 1), 0, 65535);
  if (!port) return Error{0, "bad port in '" + text + "': " + port.error().message};
  hp.port = static_cast<uint16_t>(*port);
  return hp;
}

Result<Config> parseConfig(const std::vector<std::string>& args,
                           const std::map<std::string, std::string>& env) {
  Config c;
  for (const Option& o : options()) {
    if (!o.env) continue;
    auto it = env.find(o.env);
    if (it == env.end() || it->second.empty()) continue;
    if (auto r = o.apply(c, it->second); !r) {
      return Error{2, std::string("environment variable ") + o.env + ": " + r.error().message};
    }
  }
  if (auto it = env.find("GATEWAY_ADMIN_TOKEN"); it != env.end()) {
    if (!it->second.empty() && it->second.size() < kMinAdminTokenLength) {
      return Error{2, "environment variable GATEWAY_ADMIN_TOKEN: the token is shorter than " +
                          std::to_string(kMinAdminTokenLength) +
                          " characters; use a random one of 32 or more (openssl rand -hex 32)"};
    }
    c.adminToken = it->second;
  }

  bool trustedFromFlags = false;  // the first --sip-trusted-cidr replaces the variable's list
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      c.help = true;
      continue;
    }
    std::string name = a;
    std::string value;
    bool hasValue = false;
    if (auto eq = a.find('='); eq != std::string::npos && a.rfind("--", 0) == 0) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
      hasValue = true;
    }
    const Option* found = nullptr;
    for (const Option& o : options()) {
      if (name == o.flag) found = &o;
    }
    if (!found) return Error{2, "unknown option '" + a + "' (see --help)"};
    if (!hasValue) {
      if (i + 1 >= args.size()) return Error{2, "option " + name + " needs a value"};
      value = args[++i];
    }
    if (std::string_view(found->flag) == "--sip-trusted-cidr" && !trustedFromFlags) {
      trustedFromFlags = true;
      c.sipTrustedCidrs.clear();
    }
    if (auto r = found->apply(c, value); !r) {
      return Error{2, "option " + name + ": " + r.error().message};
    }
  }
  if (c.twilioMaxConcurrency != 0 && c.twilioMaxConcurrency < c.twilioConcurrency) {
    return Error{2, "--twilio-max-concurrency (GATEWAY_TWILIO_MAX_CONCURRENCY) " +
                        std::to_string(c.twilioMaxConcurrency) +
                        " is below --twilio-concurrency (GATEWAY_TWILIO_CONCURRENCY) " +
                        std::to_string(c.twilioConcurrency) +
                        ": the bound starts at --twilio-concurrency and may only rise to "
                        "--twilio-max-concurrency; raise the maximum or lower the start"};
  }
  return c;
}

std::string Config::effectiveNodeId() const {
  if (!nodeId.empty()) return nodeId;
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == 0) return "gatewayd";
  std::string name(host);
  // A host name may hold characters a node id may not (rare): they become '-'.
  for (char& ch : name) {
    if (!validNodeId(std::string(1, ch))) ch = '-';
  }
  return name.substr(0, 64);
}

size_t Config::effectiveTwilioMaxConcurrency() const {
  if (twilioMaxConcurrency != 0) return twilioMaxConcurrency;
  return std::max(kDefaultTwilioMaxConcurrency, twilioConcurrency);
}

std::string helpText() {
  std::string out =
      "Usage: gatewayd [options]\n"
      "       gatewayd rotate-key [options]   (re-encrypts the stored auth tokens under a\n"
      "                                        new master key; stop gatewayd first)\n\n"
      "Telephony gateway: SIP listener plus the admin HTTP API that imports Twilio numbers.\n"
      "Every option can also be set through the environment variable shown.\n\n";
  for (const Option& o : options()) {
    out += "  ";
    out += o.flag;
    out += " VALUE";
    if (o.env) {
      out += "  [";
      out += o.env;
      out += "]";
    }
    out += "\n      ";
    out += o.help;
    out += "\n";
  }
  out +=
      "  --help\n      this text\n"
      "  --version\n      the version (and git describe of the source, when built from git)\n\n"
      "  GATEWAY_ADMIN_TOKEN (environment only): an admin API token for org 'default'.\n"
      "  With no token configured at all, one is generated and stored in\n"
      "  <data-dir>/admin-token (mode 0600).\n";
  return out;
}

}  // namespace gw::gateway
