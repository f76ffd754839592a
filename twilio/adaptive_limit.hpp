#pragma once
// How many requests one Twilio account may have in flight, adapted to what Twilio allows.
// Twilio limits the requests in flight per account and answers the excess 429 (code
// 20429); the limit is not published and other users of the account share it. This
// controller starts at a configured bound and adapts it:
// - slow start: until Twilio first refuses one of the account's requests, +1 per
//   successful answer, so the bound doubles every round trip and a high Twilio limit is
//   found in a few round trips instead of one step per round trip (as TCP does);
// - then additive increase: +1 after a window of successful answers about as long as the bound
//   itself, counting only requests sent while the bound was in full use (a bound that is
//   not reached says nothing about whether a higher one would be);
// - multiplicative decrease on a 429: the requests in flight when the refused one was sent,
//   times `decrease`, at most once per overload: a 429 for a request sent before the last
//   decrease is the same overload seen again and does not lower the bound again (it only
//   moves it to a refusal seen with fewer requests in flight, when one comes later);
// - the level that was refused is remembered, and the bound stays one below it for
//   `probeWindows` windows before trying it again, so a steady Twilio limit costs one 429
//   now and then instead of one per climb; a whole window at that level without a 429
//   forgets it (Twilio allows more now);
// - a Retry-After pauses the account: no request is sent before it passes;
// - never below 1, never above `max`.
// Pure logic on a caller's clock; owned by the Twilio client on the control thread.
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace gw::twilio {

struct AdaptiveLimitOptions {
  size_t initial = 16;
  size_t max = 100;  // raised to `initial` when below it
  // Factor on a 429, in (0, 1). Gentler than TCP's halving: a refusal just above Twilio's
  // limit then costs a few round trips at 90 % instead of dozens at 50 to 80 %; an
  // overload far above the limit still falls in one step, to the refusal seen with the
  // fewest requests in flight.
  double decrease = 0.9;
  size_t probeWindows = 16;  // windows spent just below a refused level before trying it
};

class AdaptiveLimit {
 public:
  using Clock = std::chrono::steady_clock;

  // What the controller needs to know about one request when its answer comes.
  struct Ticket {
    uint64_t seq = 0;
    size_t inFlight = 0;     // requests of the account in flight, this one included
    bool saturated = false;  // the bound was in full use when it was sent
  };

  explicit AdaptiveLimit(AdaptiveLimitOptions options = {});

  // A request is sent with `inFlight` requests in flight, itself included.
  Ticket sent(size_t inFlight);
  // Twilio answered and did not refuse for load (any status but 429, 4xx included: the
  // request was taken at this concurrency).
  void answered(const Ticket& t);
  // Twilio answered 429 / 20429; `retryAfter` is its Retry-After (zero: none).
  void throttled(const Ticket& t, Clock::time_point now, Clock::duration retryAfter);

  size_t limit() const { return limit_; }
  size_t max() const { return max_; }
  // Nothing is sent before this (a Retry-After); the epoch when there is no pause.
  Clock::time_point pausedUntil() const { return pausedUntil_; }
  uint64_t decreases() const { return decreases_; }

 private:
  void grow();
  size_t reduced(size_t from) const;

  size_t max_;
  double decrease_;
  size_t probeWindows_;
  size_t limit_;
  bool slowStart_ = true;  // until the first 429
  size_t window_ = 0;      // saturated answers since the last change
  size_t probing_ = 0;     // windows spent one below `ceiling_`
  size_t ceiling_ = 0;     // the level last refused; 0: none known
  uint64_t nextSeq_ = 0;
  uint64_t firstAfterDecrease_ = 0;  // requests sent from here on see the lower bound
  uint64_t decreases_ = 0;
  Clock::time_point pausedUntil_{};
};

}  // namespace gw::twilio
