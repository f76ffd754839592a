#pragma once
// Twilio SIDs: a two-letter prefix and 32 hex characters. The emulator keeps the 128 bits
// as two integers so that a million numbers stay compact and sort the way their text does.
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gw::emulator {

struct Sid128 {
  uint64_t hi = 0;
  uint64_t lo = 0;

  auto operator<=>(const Sid128&) const = default;
  bool empty() const { return hi == 0 && lo == 0; }
};

inline constexpr std::string_view kAccountPrefix = "AC";
inline constexpr std::string_view kNumberPrefix = "PN";
inline constexpr std::string_view kTrunkPrefix = "TK";
inline constexpr std::string_view kOriginationUrlPrefix = "OU";
inline constexpr std::string_view kRequestPrefix = "RQ";

// prefix + 32 lowercase hex characters; ordering of the text equals ordering of Sid128.
std::string formatSid(std::string_view prefix, const Sid128& sid);
// Accepts upper- or lowercase hex (Twilio's patterns allow both); nullopt for anything else.
std::optional<Sid128> parseSid(std::string_view prefix, std::string_view text);

// Deterministic source of SIDs and random draws (splitmix64), so that a given --seed
// yields the same SIDs and the same injected errors run after run.
class SidGenerator {
 public:
  explicit SidGenerator(uint64_t seed) : state_(seed) {}
  uint64_t next64();
  Sid128 nextSid();
  // Uniform in [0, 1).
  double nextUnit();

 private:
  uint64_t state_;
};

}  // namespace gw::emulator
