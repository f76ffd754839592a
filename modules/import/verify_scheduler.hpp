#pragma once
// Verifies every stored provider at start-up and then every `interval`, in the background
// on the control io_context: a round spreads its providers evenly over the interval (one
// every interval / N), and at most `width` verifications run at once, so Twilio sees a
// steady trickle however many providers there are. Start-up, the admin API and SIP never
// wait for it. A provider Twilio cannot be reached for keeps its last result until the
// next round.
//
// With a gate (a cluster node: "this node leads"), the rounds run only while the gate is
// open: a node that is not open waits, checking every second, and starts a round at once
// when it opens; a verification falling due while it is closed is skipped. So one node of
// a cluster asks Twilio, not every node.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>

#include "modules/admin/context.hpp"
#include "modules/import/verify_service.hpp"

namespace gw::import {

class VerifyScheduler {
 public:
  VerifyScheduler(admin::Context& ctx, VerifyService& service, std::chrono::milliseconds interval,
                  size_t width);
  ~VerifyScheduler();
  VerifyScheduler(const VerifyScheduler&) = delete;
  VerifyScheduler& operator=(const VerifyScheduler&) = delete;

  // Starts the rounds (once); the first begins at once, or once `gate` (when given)
  // returns true.
  void start(std::function<bool()> gate = {});
  // Stops after the verifications in flight; no new one starts.
  void stop();

 private:
  struct State;
  boost::asio::awaitable<void> run(std::shared_ptr<State> state);
  boost::asio::awaitable<void> round(std::shared_ptr<State> state);
  bool open() const { return !gate_ || gate_(); }

  admin::Context& ctx_;
  VerifyService& service_;
  std::chrono::milliseconds interval_;
  size_t width_;
  std::function<bool()> gate_;
  std::shared_ptr<State> state_;
};

}  // namespace gw::import
