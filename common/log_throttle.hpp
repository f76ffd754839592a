#pragma once
// Rate limit for a log line that a peer can trigger at will (refused connections, accept
// failures): at most one line per interval, telling how many were left out since. Not
// thread-safe: one per owner, used on the owner's thread.
#include <chrono>
#include <cstdint>

namespace gw::log {

class Throttle {
 public:
  explicit Throttle(std::chrono::steady_clock::duration interval = std::chrono::seconds(10))
      : interval_(interval) {}

  // True when a line may be written now; `suppressed` then holds how many calls since the
  // last line were told no.
  bool allow(uint64_t& suppressed) {
    const auto now = std::chrono::steady_clock::now();
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

 private:
  std::chrono::steady_clock::duration interval_;
  std::chrono::steady_clock::time_point last_{};
  uint64_t skipped_ = 0;
  bool written_ = false;
};

}  // namespace gw::log
