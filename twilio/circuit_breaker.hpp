#pragma once
// A circuit breaker for one Twilio account: consecutive network failures (no HTTP answer:
// timeouts, refused or reset connections) open it, and while it is open requests fail at
// once instead of waiting out timeouts and backoffs against an unreachable Twilio. After
// the cool-down a single request goes through as a probe: any HTTP answer closes the
// breaker, another network failure opens it for a new cool-down. Pure logic on a caller's
// clock; owned by the Twilio client on the control thread.
#include <chrono>
#include <cstddef>

namespace gw::twilio {

struct BreakerOptions {
  size_t failureThreshold = 5;  // consecutive network failures that open it; 0: never opens
  std::chrono::milliseconds coolDown{30'000};
};

class CircuitBreaker {
 public:
  using Clock = std::chrono::steady_clock;

  explicit CircuitBreaker(BreakerOptions options = {}) : options_(options) {}

  // Whether a request may go out now. While open, false until the cool-down ends; then
  // true once (the probe), false for the others until the probe's outcome is recorded.
  bool allow(Clock::time_point now);
  // The request got an HTTP answer, whatever its status: Twilio is reachable.
  void recordAnswer();
  // The request got no HTTP answer.
  void recordNetworkFailure(Clock::time_point now);
  // A request allowed through ended without telling anything about Twilio (the caller's
  // own deadline cut it short): a probe slot it held is given back.
  void recordAbandoned();

  bool open() const { return state_ != State::kClosed; }
  size_t consecutiveFailures() const { return failures_; }
  Clock::time_point retryAt() const { return openUntil_; }

 private:
  enum class State { kClosed, kOpen, kProbing };

  BreakerOptions options_;
  State state_ = State::kClosed;
  size_t failures_ = 0;
  Clock::time_point openUntil_{};
};

}  // namespace gw::twilio
