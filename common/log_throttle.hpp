#pragma once
// Rate limit for a log line that a peer can trigger at will (refused connections, accept
// failures, failed UDP sends, unresolvable Via hosts): at most one line per interval,
// telling how many were left out since. Not thread-safe: one per owner, used on the
// owner's thread. On a hot path, ask log::enabled() first: a line below the level then
// costs neither a clock read nor a count.
#include <chrono>
#include <cstdint>

namespace gw::log {

class Throttle {
 public:
  explicit Throttle(std::chrono::steady_clock::duration interval = std::chrono::seconds(10))
      : interval_(interval) {}

  // True when a line may be written now; `suppressed` then holds how many calls since the
  // last line were told no.
  bool allow(uint64_t& suppressed) { return allow(suppressed, std::chrono::steady_clock::now()); }
  // The same at a given time (tests, or a caller that has read the clock already).
  bool allow(uint64_t& suppressed, std::chrono::steady_clock::time_point now) {
    if (written_ && now - last_ < interval_) {
      ++skipped_;
      return false;
    }
    written_ = true;
    last_ = now;
    suppressed = skipped_;
    skipped_ = 0;
    return true;
  }

  // Calls told no since the last line: what a line at shutdown would report.
  uint64_t suppressed() const { return skipped_; }

 private:
  std::chrono::steady_clock::duration interval_;
  std::chrono::steady_clock::time_point last_{};
  uint64_t skipped_ = 0;
  bool written_ = false;
};

}  // namespace gw::log
