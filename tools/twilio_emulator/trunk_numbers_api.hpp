#pragma once
// Trunking v1: a trunk's PhoneNumbers. Attaching sets the number's trunk_sid (seen by the
// 2010 API too); a number is on at most one trunk.
#include "gateway/http/message.hpp"
#include "gateway/http/router.hpp"
#include "tools/twilio_emulator/state.hpp"
#include "tools/twilio_emulator/twilio_gate.hpp"

namespace gw::emulator {

class TrunkNumbersApi {
 public:
  TrunkNumbersApi(State& state, bool reattachSameTrunkOk)
      : state_(state), reattachSameTrunkOk_(reattachSameTrunkOk) {}

  void addRoutes(http::Router& router, TwilioGate& gate);

  http::Response attach(http::Request& req, Account& account);
  http::Response list(http::Request& req, Account& account);
  http::Response fetch(http::Request& req, Account& account);
  http::Response detach(http::Request& req, Account& account);

 private:
  State& state_;
  bool reattachSameTrunkOk_;
};

}  // namespace gw::emulator
