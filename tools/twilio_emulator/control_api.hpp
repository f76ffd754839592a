#pragma once
// The emulator's own routes, for tests, demos and benchmarks: no auth, no latency, no
// injected errors, no concurrency limit, not counted in the stats.
//   GET  /healthz
//   GET  /emulator/accounts/{AccountSid}/numbers          [{sid, phoneNumber, trunkSid}]
//   POST /emulator/accounts/{AccountSid}/numbers?count=N  creates N numbers (201)
//   What an account's owner does in the Twilio console, behind a client's back:
//   POST /emulator/accounts/{AccountSid}/numbers/{NumberSid}/detach
//        takes the number off its trunk (200 {sid, phoneNumber, trunkSid: null}; 409 when
//        it is on no trunk)
//   POST /emulator/accounts/{AccountSid}/numbers/{NumberSid}/move[?trunkSid=TK...]
//        moves the number to that trunk of the account, or to a new trunk when none is
//        named (200 {sid, phoneNumber, trunkSid}; 404 unknown trunk; 409 on it already)
//   DELETE /emulator/accounts/{AccountSid}/numbers/{NumberSid}
//        releases the number from the account: Twilio answers 404 for it from then on (204)
//   POST /emulator/accounts/{AccountSid}/auth-token?authToken=T
//        replaces the account's auth token (32 lower-case hex digits): the old one gets
//        401 with code 20003 from then on (204)
//   GET  /emulator/stats
//   POST /emulator/stats/reset
//   POST /emulator/faults?method=M&route=R&status=S[&times=N][&code=C][&message=T]
//        the next N (default 1) requests to Twilio route "M R" are answered S in Twilio's
//        error shape (code C and message T, defaulting to Twilio's for the status) (201)
//   GET  /emulator/faults                               [{method, route, status, code,
//                                                        message, remaining}] still pending
//   DELETE /emulator/faults                             forgets every pending fault (204)
#include "gateway/http/message.hpp"
#include "gateway/http/router.hpp"
#include "tools/twilio_emulator/fault_plan.hpp"
#include "tools/twilio_emulator/request_stats.hpp"
#include "tools/twilio_emulator/state.hpp"

namespace gw::emulator {

class ControlApi {
 public:
  ControlApi(State& state, RequestStats& stats, FaultPlan& faults)
      : state_(state), stats_(stats), faults_(faults) {}

  void addRoutes(http::Router& router);

  http::Response health(http::Request& req);
  http::Response listNumbers(http::Request& req);
  http::Response createNumbers(http::Request& req);
  http::Response detachNumber(http::Request& req);
  http::Response moveNumber(http::Request& req);
  http::Response releaseNumber(http::Request& req);
  http::Response rotateToken(http::Request& req);
  http::Response stats(http::Request& req);
  http::Response resetStats(http::Request& req);
  http::Response addFault(http::Request& req);
  http::Response listFaults(http::Request& req);
  http::Response clearFaults(http::Request& req);

 private:
  State& state_;
  RequestStats& stats_;
  FaultPlan& faults_;
};

}  // namespace gw::emulator
