#include "tools/twilio_emulator/options.hpp"

#include <charconv>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "tools/twilio_emulator/sid.hpp"

namespace gw::emulator {
namespace {

template <typename T>
std::optional<T> parseUnsigned(std::string_view text) {
  T value{};
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) {
    return std::nullopt;
  }
  return value;
}

std::optional<double> parseFraction(std::string_view text) {
  if (text.empty() || text.size() > 32) return std::nullopt;
  std::string copy(text);
  char* end = nullptr;
  const double value = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size() || !(value >= 0.0 && value <= 1.0)) return std::nullopt;
  return value;
}

bool isHex32(std::string_view text) {
  if (text.size() != 32) return false;
  for (char c : text) {
    const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex) return false;
  }
  return true;
}

std::string applyListen(Options& o, std::string_view value) {
  const auto colon = value.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return "--listen expects HOST:PORT, e.g. 127.0.0.1:8089";
  }
  auto port = parseUnsigned<uint16_t>(value.substr(colon + 1));
  if (!port) return "--listen: the port must be a number from 0 to 65535";
  std::string_view host = value.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);  // [::1]:8089
  }
  o.host = std::string(host);
  o.port = *port;
  return {};
}

std::string applyAccount(Options& o, std::string_view value) {
  const auto colon = value.find(':');
  const std::string_view sid = value.substr(0, colon);
  if (colon == std::string_view::npos || !parseSid(kAccountPrefix, sid)) {
    return "--account expects AC<32 hex>:<32 hex auth token>";
  }
  const std::string_view token = value.substr(colon + 1);
  if (!isHex32(token)) return "--account: the auth token must be 32 hex characters";
  o.accounts.push_back({std::string(sid), std::string(token)});
  return {};
}

}  // namespace

ParsedOptions parseOptions(const std::vector<std::string>& args) {
  ParsedOptions out;
  Options& o = out.options;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    std::string_view value;
    bool hasValue = false;
    if (auto eq = arg.find('='); arg.substr(0, 2) == "--" && eq != std::string_view::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      hasValue = true;
    }
    auto takeValue = [&]() -> bool {
      if (hasValue) return true;
      if (i + 1 >= args.size()) return false;
      value = args[++i];
      return true;
    };

    if (arg == "--help" || arg == "-h") {
      out.help = true;
      return out;
    }
    if (arg == "--reattach-same-trunk-ok") {
      o.reattachSameTrunkOk = true;
      continue;
    }
    const bool known = arg == "--listen" || arg == "--account" || arg == "--numbers" ||
                       arg == "--latency-ms" || arg == "--error-rate" ||
                       arg == "--max-concurrency" || arg == "--seed" || arg == "--retry-after";
    if (!known) {
      out.error = "unknown option " + std::string(arg) + " (see --help)";
      return out;
    }
    if (!takeValue()) {
      out.error = std::string(arg) + " needs a value";
      return out;
    }
    std::string error;
    if (arg == "--listen") {
      error = applyListen(o, value);
    } else if (arg == "--account") {
      error = applyAccount(o, value);
    } else if (arg == "--numbers") {
      auto n = parseUnsigned<uint64_t>(value);
      if (!n || *n > 8'000'000) error = "--numbers expects a count from 0 to 8000000";
      if (n) o.numbersPerAccount = *n;
    } else if (arg == "--latency-ms") {
      auto n = parseUnsigned<uint32_t>(value);
      if (!n || *n > 600'000) error = "--latency-ms expects milliseconds from 0 to 600000";
      if (n) o.latency = std::chrono::milliseconds(*n);
    } else if (arg == "--error-rate") {
      auto f = parseFraction(value);
      if (!f) error = "--error-rate expects a fraction from 0 to 1, e.g. 0.05";
      if (f) o.errorRate = *f;
    } else if (arg == "--max-concurrency") {
      auto n = parseUnsigned<size_t>(value);
      if (!n) error = "--max-concurrency expects a count (0: unlimited)";
      if (n) o.maxConcurrency = *n;
    } else if (arg == "--retry-after") {
      auto n = parseUnsigned<uint32_t>(value);
      if (!n || *n > 3600) error = "--retry-after expects seconds from 0 to 3600";
      if (n) o.retryAfterSeconds = *n;
    } else if (arg == "--seed") {
      auto n = parseUnsigned<uint64_t>(value);
      if (!n) error = "--seed expects an unsigned integer";
      if (n) o.seed = *n;
    }
    if (!error.empty()) {
      out.error = std::move(error);
      return out;
    }
  }
  return out;
}

std::string usageText() {
  return R"(twilio-emulator: a local stand-in for the Twilio REST API calls the gateway makes
(2010-04-01 Accounts and IncomingPhoneNumbers, Trunking v1 Trunks, OriginationUrls and
PhoneNumbers), served on one port. State is in memory only.

Usage: twilio-emulator [options]

  --listen HOST:PORT       address to serve on (default 127.0.0.1:8089; port 0 picks a
                           free port, printed in the "listening on" log line)
  --account AC...:TOKEN    an account: AC + 32 hex SID, 32 hex auth token (repeatable).
                           Without any, one demo account is created:
                           ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa with token
                           bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
  --numbers N              phone numbers created per account at start (default 10)
  --latency-ms L           delay added to every Twilio API response (default 0)
  --error-rate F           fraction 0..1 of Twilio API requests answered 500 or 503
                           (default 0); which ones is fixed by --seed
  --max-concurrency C      Twilio API requests per account in flight beyond C are answered
                           429 / code 20429 (default 0: unlimited)
  --seed S                 seed for SIDs and injected errors (default 1)
  --retry-after S          send Retry-After: S on 429 and 503 answers (default 0: none;
                           Twilio does not document the header for these APIs)
  --reattach-same-trunk-ok answer 201 instead of 409 when a number is attached to the
                           trunk it is already on (Twilio's answer is undocumented)
  --help                   this text

Twilio routes use HTTP Basic auth (AccountSid:AuthToken). Unauthenticated control routes:
  GET  /emulator/accounts/{AC}/numbers          [{sid, phoneNumber, trunkSid}, ...]
  POST /emulator/accounts/{AC}/numbers?count=N  creates N numbers (201)
  POST /emulator/accounts/{AC}/numbers/{PN}/detach   takes it off its trunk
  POST /emulator/accounts/{AC}/numbers/{PN}/move[?trunkSid=TK]
                                                moves it to that trunk, or to a new one
  DELETE /emulator/accounts/{AC}/numbers/{PN}   releases it: Twilio answers 404 for it
  POST /emulator/accounts/{AC}/auth-token?authToken=T
                                                rotates the token: the old one gets 401
  GET  /emulator/stats                          responses by route and status
  POST /emulator/stats/reset
  POST /emulator/faults?method=M&route=R&status=S[&times=N][&code=C][&message=T]
                                                the next N (default 1) requests to Twilio
                                                route "M R" (as the stats name it) fail
                                                with S in Twilio's error shape (201)
  GET  /emulator/faults                         the faults still pending
  DELETE /emulator/faults                       forgets them (204)
  GET  /healthz
SIGTERM/SIGINT stop the emulator after in-flight requests are answered.
)";
}

}  // namespace gw::emulator
