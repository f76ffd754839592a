#pragma once
// A gatewayd child process on a data directory it keeps across restarts.
#include <memory>
#include <optional>
#include <string>
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
  std::vector<std::string> extraArgs;
};

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
  // Set when the current run ended without stop() or kill(): a crash or a refusal to run.
  std::optional<ExitStatus> unexpectedExit() const;

  // Options apply from the next start(); the data directory stays the same.
  GatewayOptions& options() { return options_; }
  const std::string& baseUrl() const { return baseUrl_; }
  // Everything every run of this gateway wrote, oldest first.
  std::string output() const;

 private:
  std::unique_ptr<ChildProcess> spawn();

  std::string binary_;
  GatewayOptions options_;
  std::unique_ptr<ChildProcess> process_;
  bool stopRequested_ = false;
  std::string earlierOutput_;
  std::string baseUrl_;
};

}  // namespace gw::integration
