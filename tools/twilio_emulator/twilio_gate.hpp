#pragma once
// What every Twilio API route goes through before and after its handler: Basic auth
// (401 / 20003), the per-account concurrency limit (429 / 20429), added latency (an Asio
// timer, never a blocking sleep), injected 500/503 errors and the faults a test asked for
// (FaultPlan), Twilio's response headers
// (Twilio-Concurrent-Requests, Twilio-Request-Duration, Twilio-Request-Id) and the stats.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "gateway/http/message.hpp"
#include "gateway/http/router.hpp"
#include "tools/twilio_emulator/fault_plan.hpp"
#include "tools/twilio_emulator/request_stats.hpp"
#include "tools/twilio_emulator/sid.hpp"
#include "tools/twilio_emulator/state.hpp"

namespace gw::emulator {

struct GateOptions {
  std::chrono::milliseconds latency{0};
  double errorRate = 0.0;
  size_t maxConcurrency = 0;  // per account, like Twilio's REST concurrency limit; 0: none
  uint64_t seed = 1;
  uint32_t retryAfterSeconds = 0;  // Retry-After on 429 and 503 answers; 0: none
};

// Runs once the caller is authenticated, its request admitted and the latency served.
// Handlers are synchronous: the state lives on one thread and never waits.
using TwilioHandler = std::function<http::Response(http::Request&, Account&)>;

class TwilioGate {
 public:
  TwilioGate(State& state, RequestStats& stats, FaultPlan& faults, GateOptions options);

  // Registers `handler` for (method, pattern) behind the gate. `pattern` names the route
  // in the stats and in the fault plan ("GET /v1/Trunks/{Sid}").
  void add(http::Router& router, std::string_view method, std::string_view pattern,
           TwilioHandler handler);

 private:
  struct Route {
    std::string name;
    TwilioHandler handler;
  };

  boost::asio::awaitable<http::Response> serve(std::shared_ptr<const Route> route,
                                               http::Request& req);
  Account* authenticate(const http::Request& req);

  State& state_;
  RequestStats& stats_;
  FaultPlan& faults_;
  GateOptions options_;
  SidGenerator errorDraws_;  // apart from SID generation, so errors do not shift SIDs
  SidGenerator requestIds_;
};

}  // namespace gw::emulator
