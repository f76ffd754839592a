#include "twilio/adaptive_limit.hpp"

#include <algorithm>
#include <cmath>

namespace gw::twilio {

AdaptiveLimit::AdaptiveLimit(AdaptiveLimitOptions options)
    : max_(std::max<size_t>({options.max, options.initial, 1})),
      decrease_(options.decrease > 0.0 && options.decrease < 1.0 ? options.decrease : 0.5),
      probeWindows_(options.probeWindows),
      limit_(std::clamp<size_t>(options.initial, 1, max_)) {}

AdaptiveLimit::Ticket AdaptiveLimit::sent(size_t inFlight) {
  return Ticket{nextSeq_++, inFlight, inFlight >= limit_};
}

void AdaptiveLimit::answered(const Ticket& t) {
  if (!t.saturated) return;
  if (slowStart_) {
    limit_ = std::min(limit_ + 1, max_);
    return;
  }
  if (++window_ < limit_) return;
  window_ = 0;
  grow();
}

// One window of answers at the current bound has passed.
void AdaptiveLimit::grow() {
  if (ceiling_ != 0 && limit_ >= ceiling_) ceiling_ = 0;  // the refused level works now
  if (limit_ >= max_) return;
  if (ceiling_ != 0 && limit_ + 1 >= ceiling_ && ++probing_ < probeWindows_) return;
  probing_ = 0;
  ++limit_;
}

size_t AdaptiveLimit::reduced(size_t from) const {
  const double scaled = std::floor(static_cast<double>(from) * decrease_);
  return std::max<size_t>(1, static_cast<size_t>(scaled));
}

void AdaptiveLimit::throttled(const Ticket& t, Clock::time_point now, Clock::duration retryAfter) {
  if (retryAfter > Clock::duration::zero()) pausedUntil_ = std::max(pausedUntil_, now + retryAfter);
  slowStart_ = false;
  const size_t refusedAt = std::max<size_t>(t.inFlight, 1);
  if (t.seq < firstAfterDecrease_) {
    // The overload already acted on. Its refusals come back in any order; one sent with
    // fewer requests in flight tells more precisely where Twilio's limit is, and the bound
    // follows it without falling a second time.
    if (refusedAt < ceiling_) {
      ceiling_ = refusedAt;
      limit_ = std::min(limit_, reduced(refusedAt));
      window_ = 0;
    }
    return;
  }
  limit_ = reduced(std::min(refusedAt, limit_));
  ceiling_ = refusedAt;
  window_ = 0;
  probing_ = 0;
  firstAfterDecrease_ = nextSeq_;
  ++decreases_;
}

}  // namespace gw::twilio
