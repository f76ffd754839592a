#pragma once
// A gatewayd child process on a data directory it keeps across restarts.
//
// With GW_TEST_OPENAPI_PROXY set to a prism executable (@stoplight/prism-cli), gatewayd runs
// behind `prism proxy --errors` with the OpenAPI document (GW_TEST_OPENAPI_SPEC, default
// api/openapi.json of the source tree): baseUrl() is then the proxy, which checks each
// response against the document and answers 500 instead of one that breaks it, and
// proxyViolations() lists what it found. directUrl() stays gatewayd's. Node takes seconds
// to start, so one prism serves the whole test process, in front of an admin port reserved
// for it; a gateway started while another holds that port gets a prism of its own.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness/child_process.hpp"

namespace gw::integration {

struct GatewayOptions {
  std::string dataDir;    // required
  std::string twilioUrl;  // both --twilio-api-url and --twilio-trunking-url
  // GATEWAY_ADMIN_TOKEN (org "default"); nullopt or empty: not set.
  std::optional<std::string> adminToken;
  std::string tokensFile;     // --tokens-file; empty: not passed
  bool storeSync = false;     // --store-sync
  int twilioMaxAttempts = 0;  // 0: gatewayd's default
  int twilioConcurrency = 0;  // 0: gatewayd's default
  std::string logLevel = "info";
  // --public-sip-uri; nullopt: not passed, so the gateway's Via and Record-Route name the
  // address it bound (what a test that routes SIP through it needs).
  std::optional<std::string> publicSipUri = "sip:127.0.0.1:5060";
  std::vector<std::string> extraArgs;
  // Environment variables set for gatewayd (after GATEWAY_* and TWILIO_* were removed).
  std::vector<std::pair<std::string, std::string>> env;
  // Files gatewayd writes cannot grow past this size (a full disk, as LMDB sees it); 0: no
  // limit.
  uint64_t fileSizeLimitBytes = 0;
};

// Where the SIP listener of a running gatewayd is (UDP and TCP share the port).
struct SipListenAddress {
  std::string host;
  uint16_t port = 0;
  std::string text() const { return host + ":" + std::to_string(port); }
};

// The OpenAPI document the proxy checks against (GW_TEST_OPENAPI_SPEC or api/openapi.json).
std::string openApiSpecPath();

class GatewayProcess {
 public:
  GatewayProcess(std::string binary, GatewayOptions options);
  ~GatewayProcess();

  // Starts it and waits for "admin listening on"; throws when it does not come up.
  void start();
  // Starts it and waits for it to exit by itself (a start-up error): its exit status.
  ExitStatus startExpectingExit();
  // SIGTERM; nullopt when it did not exit in time (the destructor then kills it).
  std::optional<ExitStatus> stop();
  // SIGKILL: a crash, as far as the data directory can tell.
  ExitStatus kill();
  bool running() const { return process_ && process_->running(); }
  // The running process's id (/proc/<pid>/...), or -1.
  pid_t pid() const { return process_ ? process_->pid() : -1; }
  // Set when the current run ended without stop() or kill(): a crash or a refusal to run.
  std::optional<ExitStatus> unexpectedExit() const;

  // Options apply from the next start(); the data directory stays the same.
  GatewayOptions& options() { return options_; }
  const std::string& baseUrl() const { return baseUrl_; }
  // gatewayd's own URL, also when baseUrl() is the OpenAPI proxy.
  const std::string& directUrl() const { return directUrl_; }
  bool proxied() const { return baseUrl_ != directUrl_; }
  // The proxy's reports of responses that break the OpenAPI document (all runs), or "".
  std::string proxyViolations() const;
  // Everything the proxy wrote (all runs).
  std::string proxyOutput() const;
  // From its "sip listening on udp://HOST:PORT and tcp://HOST:PORT" line, waited for on
  // first use in each run; throws when the line does not come.
  SipListenAddress sipAddress();
  // Everything every run of this gateway wrote, oldest first.
  std::string output() const;

 private:
  std::unique_ptr<ChildProcess> spawn();
  void startProxy(const std::string& prism);
  void stopProxy();
  void releaseSharedProxy();

  std::string binary_;
  GatewayOptions options_;
  std::unique_ptr<ChildProcess> process_;
  bool stopRequested_ = false;
  std::string earlierOutput_;
  std::string baseUrl_;
  std::string directUrl_;
  std::unique_ptr<ChildProcess> proxy_;
  std::string earlierProxyOutput_;
  uint16_t adminPort_ = 0;             // --admin-listen 127.0.0.1:<port>; 0: any
  bool sharedProxy_ = false;           // this gateway holds the shared proxy's port
  size_t sharedProxyOutputFrom_ = 0;   // where this gateway's part of its output starts
  std::optional<SipListenAddress> sipAddress_;
};

}  // namespace gw::integration
