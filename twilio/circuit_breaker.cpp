#include "twilio/circuit_breaker.hpp"

namespace gw::twilio {

bool CircuitBreaker::allow(Clock::time_point now) {
  switch (state_) {
    case State::kClosed:
      return true;
    case State::kProbing:
      return false;
    case State::kOpen:
      if (now < openUntil_) return false;
      state_ = State::kProbing;
      return true;
  }
  return true;
}

void CircuitBreaker::recordAnswer() {
  state_ = State::kClosed;
  failures_ = 0;
}

void CircuitBreaker::recordNetworkFailure(Clock::time_point now) {
  ++failures_;
  // Requests that were already in flight when the breaker opened may fail after it: they
  // extend nothing, only the probe's failure starts a new cool-down.
  if (state_ == State::kOpen) return;
  if (state_ == State::kProbing ||
      (options_.failureThreshold > 0 && failures_ >= options_.failureThreshold)) {
    state_ = State::kOpen;
    openUntil_ = now + options_.coolDown;
  }
}

void CircuitBreaker::recordAbandoned() {
  if (state_ == State::kProbing) state_ = State::kOpen;  // openUntil_ has passed: next may probe
}

}  // namespace gw::twilio
