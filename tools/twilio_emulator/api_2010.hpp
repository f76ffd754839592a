#pragma once
// The 2010-04-01 API routes the gateway uses: fetch account, list and fetch incoming
// phone numbers. The account SID in the path must be the authenticated one (else 404).
#include "gateway/http/message.hpp"
#include "gateway/http/router.hpp"
#include "tools/twilio_emulator/state.hpp"
#include "tools/twilio_emulator/twilio_gate.hpp"

namespace gw::emulator {

class Api2010 {
 public:
  explicit Api2010(State& state) : state_(state) {}

  void addRoutes(http::Router& router, TwilioGate& gate);

  http::Response fetchAccount(http::Request& req, Account& account);
  http::Response listNumbers(http::Request& req, Account& account);
  http::Response fetchNumber(http::Request& req, Account& account);

 private:
  State& state_;
};

}  // namespace gw::emulator
