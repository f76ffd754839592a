#pragma once
// Trunking v1: Trunks and their OriginationUrls. Trunks belong to the account that
// created them; another account's trunk answers 404, as an unknown one does.
#include "gateway/http/message.hpp"
#include "gateway/http/router.hpp"
#include "tools/twilio_emulator/state.hpp"
#include "tools/twilio_emulator/twilio_gate.hpp"

namespace gw::emulator {

class TrunksApi {
 public:
  explicit TrunksApi(State& state) : state_(state) {}

  void addRoutes(http::Router& router, TwilioGate& gate);

  http::Response createTrunk(http::Request& req, Account& account);
  http::Response listTrunks(http::Request& req, Account& account);
  http::Response fetchTrunk(http::Request& req, Account& account);
  http::Response deleteTrunk(http::Request& req, Account& account);
  http::Response createOriginationUrl(http::Request& req, Account& account);
  http::Response listOriginationUrls(http::Request& req, Account& account);
  http::Response fetchOriginationUrl(http::Request& req, Account& account);
  http::Response deleteOriginationUrl(http::Request& req, Account& account);

 private:
  State& state_;
};

}  // namespace gw::emulator
