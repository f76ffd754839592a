#pragma once
// The Twilio emulator: in-memory accounts, numbers and trunks served over gw::http on one
// io_context. Both the 2010-04-01 API and Trunking v1 paths share one port.
#include <functional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include "gateway/http/router.hpp"
#include "gateway/http/server.hpp"
#include "tools/twilio_emulator/api_2010.hpp"
#include "tools/twilio_emulator/control_api.hpp"
#include "tools/twilio_emulator/fault_plan.hpp"
#include "tools/twilio_emulator/options.hpp"
#include "tools/twilio_emulator/request_stats.hpp"
#include "tools/twilio_emulator/state.hpp"
#include "tools/twilio_emulator/trunk_numbers_api.hpp"
#include "tools/twilio_emulator/trunks_api.hpp"
#include "tools/twilio_emulator/twilio_gate.hpp"

namespace gw::emulator {

class Emulator {
 public:
  // Creates the accounts (the demo account when none is given) and their numbers.
  // Throws std::invalid_argument for unusable options (duplicate accounts, too many).
  Emulator(boost::asio::io_context& io, Options options);
  ~Emulator();
  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;

  // Binds options.host:options.port; port 0 picks a free one (see localEndpoint()).
  boost::system::error_code listen();
  boost::asio::ip::tcp::endpoint localEndpoint() const;
  // Must run on the io_context. In-flight requests are answered before onStopped.
  void stop(std::function<void()> onStopped = {});

  const Options& options() const { return options_; }
  // For tests and the control routes; only touch it on the io_context thread.
  State& state() { return state_; }
  RequestStats& stats() { return stats_; }
  // Open client connections (tests check that clients reuse them).
  size_t connectionCount() const { return server_.connectionCount(); }

 private:
  Options options_;
  State state_;
  RequestStats stats_;
  FaultPlan faults_;
  TwilioGate gate_;
  Api2010 api2010_;
  TrunksApi trunks_;
  TrunkNumbersApi trunkNumbers_;
  ControlApi control_;
  http::Router router_;
  http::Server server_;  // after router_: it routes through it
};

}  // namespace gw::emulator
