#pragma once
// Command-line options of twilio-emulator. No environment variables are read.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace gw::emulator {

struct AccountSpec {
  std::string sid;        // AC + 32 hex
  std::string authToken;  // 32 hex; secret
};

// Used when no --account is given, so demos work without flags. Documented in --help.
inline constexpr char kDefaultAccountSid[] = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
inline constexpr char kDefaultAuthToken[] = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

struct Options {
  std::string host = "127.0.0.1";
  uint16_t port = 8089;
  std::vector<AccountSpec> accounts;
  uint64_t numbersPerAccount = 10;
  std::chrono::milliseconds latency{0};
  double errorRate = 0.0;     // fraction of Twilio API requests answered 500/503
  size_t maxConcurrency = 0;  // per account; 0: unlimited
  uint64_t seed = 1;
  // Re-attaching a number to the trunk it is already on: Twilio's answer is undocumented
  // (users report 409). This switch makes the emulator answer 201 instead.
  bool reattachSameTrunkOk = false;
  // Seconds sent as Retry-After on 429 and 503 answers. Twilio does not document the
  // header for these APIs; 0 (the default) sends none, as observed.
  uint32_t retryAfterSeconds = 0;
};

struct ParsedOptions {
  Options options;
  bool help = false;
  std::string error;  // non-empty: what was wrong, for the user
};

ParsedOptions parseOptions(const std::vector<std::string>& args);
std::string usageText();

}  // namespace gw::emulator
