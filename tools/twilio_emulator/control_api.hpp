#pragma once
// The emulator's own routes, for tests, demos and benchmarks: no auth, no latency, no
// injected errors, no concurrency limit, not counted in the stats.
//   GET  /healthz
//   GET  /emulator/accounts/{AccountSid}/numbers          [{sid, phoneNumber, trunkSid}]
//   POST /emulator/accounts/{AccountSid}/numbers?count=N  creates N numbers (201)
//   GET  /emulator/stats
//   POST /emulator/stats/reset
#include "gateway/http/message.hpp"
#include "gateway/http/router.hpp"
#include "tools/twilio_emulator/request_stats.hpp"
#include "tools/twilio_emulator/state.hpp"

namespace gw::emulator {

class ControlApi {
 public:
  ControlApi(State& state, RequestStats& stats) : state_(state), stats_(stats) {}

  void addRoutes(http::Router& router);

  http::Response health(http::Request& req);
  http::Response listNumbers(http::Request& req);
  http::Response createNumbers(http::Request& req);
  http::Response stats(http::Request& req);
  http::Response resetStats(http::Request& req);

 private:
  State& state_;
  RequestStats& stats_;
};

}  // namespace gw::emulator
