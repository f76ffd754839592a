#include "tools/twilio_emulator/control_api.hpp"

#include <charconv>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>

#include <boost/asio/awaitable.hpp>

#include "tools/twilio_emulator/json_out.hpp"
#include "tools/twilio_emulator/resource_json.hpp"

namespace gw::emulator {
namespace {

constexpr uint64_t kMaxCreatePerRequest = 1'000'000;
constexpr uint64_t kMaxFaultRepeats = 1'000'000;

void writeControlNumber(JsonOut& out, const NumberRecord& number, const State& state) {
  out.startObject();
  out.field("sid", formatSid(kNumberPrefix, number.sid));
  out.field("phoneNumber", e164Text(number.phone));
  if (const Trunk* trunk = state.trunkById(number.trunk)) {
    out.field("trunkSid", formatSid(kTrunkPrefix, trunk->sid));
  } else {
    out.nullField("trunkSid");
  }
  out.endObject();
}

http::Response unknownAccount(const http::Request& req) {
  return http::Response::problem(
      404, "No account " + req.param("AccountSid") + " in this emulator; pass it with --account",
      req.path);
}

void writeFault(JsonOut& out, const Fault& fault) {
  const size_t space = fault.route.find(' ');
  out.startObject();
  out.field("method", fault.route.substr(0, space));
  out.field("route", fault.route.substr(space + 1));
  out.field("status", fault.error.status);
  out.field("code", fault.error.code);
  out.field("message", fault.error.message);
  out.field("remaining", fault.remaining);
  out.endObject();
}

std::optional<uint64_t> parseCount(std::string_view digits, uint64_t min, uint64_t max) {
  uint64_t value = 0;
  const char* end = digits.data() + digits.size();
  auto [ptr, ec] = std::from_chars(digits.data(), end, value);
  if (digits.empty() || ec != std::errc() || ptr != end || value < min || value > max) {
    return std::nullopt;
  }
  return value;
}

// The fault a POST /emulator/faults describes, or what is wrong with it.
std::variant<Fault, std::string> parseFault(const http::Request& req, const FaultPlan& plan) {
  const auto method = req.queryParam("method");
  const auto route = req.queryParam("route");
  const auto status = req.queryParam("status");
  if (!method || !route || !status) {
    return std::string(
        "method, route and status are required, e.g. "
        "?method=DELETE&route=/v1/Trunks/{Sid}&status=503&times=2");
  }
  Fault fault;
  fault.route = *method + " " + *route;
  if (!plan.knows(fault.route)) {
    std::string known;
    for (const auto& r : plan.routes()) known += (known.empty() ? "" : ", ") + r;
    return "no Twilio route " + fault.route + " in this emulator; the routes are: " + known;
  }
  const auto code = parseCount(*status, 400, 599);
  if (!code) return std::string("status must be an HTTP error status from 400 to 599");
  fault.error.status = static_cast<int>(*code);
  fault.error.code = defaultErrorCode(fault.error.status);
  fault.error.message = defaultErrorMessage(fault.error.status);
  if (const auto times = req.queryParam("times")) {
    const auto n = parseCount(*times, 1, kMaxFaultRepeats);
    if (!n) return "times must be an integer from 1 to " + std::to_string(kMaxFaultRepeats);
    fault.remaining = *n;
  }
  if (const auto twilioCode = req.queryParam("code")) {
    const auto n = parseCount(*twilioCode, 10000, 99999);
    if (!n) return std::string("code must be a Twilio error code from 10000 to 99999");
    fault.error.code = static_cast<int>(*n);
  }
  if (const auto message = req.queryParam("message")) fault.error.message = *message;
  return fault;
}

// The number the path names in `account`, or nullptr.
NumberRecord* pathNumber(State& state, Account& account, const http::Request& req) {
  const auto sid = parseSid(kNumberPrefix, req.param("NumberSid"));
  return sid ? state.findNumber(account, *sid) : nullptr;
}

http::Response unknownNumber(const http::Request& req) {
  return http::Response::problem(
      404, "No number " + req.param("NumberSid") + " in account " + req.param("AccountSid"),
      req.path);
}

http::Response controlNumber(int status, const NumberRecord& number, const State& state) {
  JsonOut out;
  writeControlNumber(out, number, state);
  return http::Response::json(status, out.take());
}

// Twilio's auth tokens are 32 lower-case hex digits.
bool isAuthToken(std::string_view token) {
  if (token.size() != 32) return false;
  for (const char c : token) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

void ControlApi::addRoutes(http::Router& router) {
  // Synchronous handlers wrapped as coroutines: the state never waits.
  auto bind = [this](http::Response (ControlApi::*method)(http::Request&)) {
    return [this, method](http::Request& req) -> boost::asio::awaitable<http::Response> {
      co_return (this->*method)(req);
    };
  };
  router.add("GET", "/healthz", bind(&ControlApi::health));
  router.add("GET", "/emulator/accounts/{AccountSid}/numbers", bind(&ControlApi::listNumbers));
  router.add("POST", "/emulator/accounts/{AccountSid}/numbers", bind(&ControlApi::createNumbers));
  const std::string number = "/emulator/accounts/{AccountSid}/numbers/{NumberSid}";
  router.add("POST", number + "/detach", bind(&ControlApi::detachNumber));
  router.add("POST", number + "/move", bind(&ControlApi::moveNumber));
  router.add("DELETE", number, bind(&ControlApi::releaseNumber));
  router.add("POST", "/emulator/accounts/{AccountSid}/auth-token", bind(&ControlApi::rotateToken));
  router.add("GET", "/emulator/stats", bind(&ControlApi::stats));
  router.add("POST", "/emulator/stats/reset", bind(&ControlApi::resetStats));
  router.add("POST", "/emulator/faults", bind(&ControlApi::addFault));
  router.add("GET", "/emulator/faults", bind(&ControlApi::listFaults));
  router.add("DELETE", "/emulator/faults", bind(&ControlApi::clearFaults));
}

http::Response ControlApi::health(http::Request&) {
  JsonOut out;
  out.startObject();
  out.field("status", "ok");
  out.endObject();
  return http::Response::json(200, out.take());
}

http::Response ControlApi::listNumbers(http::Request& req) {
  const Account* account = state_.findAccount(req.param("AccountSid"));
  if (account == nullptr) return unknownAccount(req);
  JsonOut out;
  out.startArray();
  for (const NumberRecord& number : account->numbers) writeControlNumber(out, number, state_);
  out.endArray();
  return http::Response::json(200, out.take());
}

http::Response ControlApi::createNumbers(http::Request& req) {
  Account* account = state_.findAccount(req.param("AccountSid"));
  if (account == nullptr) return unknownAccount(req);
  uint64_t count = 1;
  if (const auto text = req.queryParam("count")) {
    const std::string_view digits = *text;
    const char* end = digits.data() + digits.size();
    auto [ptr, ec] = std::from_chars(digits.data(), end, count);
    if (digits.empty() || ec != std::errc() || ptr != end || count < 1 ||
        count > kMaxCreatePerRequest) {
      return http::Response::problem(
          400, "count must be an integer from 1 to " + std::to_string(kMaxCreatePerRequest),
          req.path);
    }
  }
  std::vector<Sid128> sids;
  try {
    sids = state_.createNumbers(*account, count);
  } catch (const std::length_error& e) {
    return http::Response::problem(400, e.what(), req.path);
  }
  JsonOut out;
  out.startArray();
  for (const Sid128& sid : sids) {
    if (const NumberRecord* number = state_.findNumber(*account, sid)) {
      writeControlNumber(out, *number, state_);
    }
  }
  out.endArray();
  return http::Response::json(201, out.take());
}

http::Response ControlApi::detachNumber(http::Request& req) {
  Account* account = state_.findAccount(req.param("AccountSid"));
  if (account == nullptr) return unknownAccount(req);
  NumberRecord* number = pathNumber(state_, *account, req);
  if (number == nullptr) return unknownNumber(req);
  if (!state_.detachFromAnyTrunk(*account, number->sid)) {
    return http::Response::problem(409, "Number " + req.param("NumberSid") + " is on no trunk",
                                   req.path);
  }
  return controlNumber(200, *number, state_);
}

http::Response ControlApi::moveNumber(http::Request& req) {
  Account* account = state_.findAccount(req.param("AccountSid"));
  if (account == nullptr) return unknownAccount(req);
  NumberRecord* number = pathNumber(state_, *account, req);
  if (number == nullptr) return unknownNumber(req);
  Trunk* target = nullptr;
  if (const auto trunkSid = req.queryParam("trunkSid")) {
    target = state_.findTrunk(*account, *trunkSid);
    if (target == nullptr) {
      return http::Response::problem(
          404, "No trunk " + *trunkSid + " in account " + account->sidText, req.path);
    }
  } else {
    target = &state_.createTrunk(*account, "moved by the emulator", "");
    const std::string sid = formatSid(kTrunkPrefix, target->sid);
    target->domainName = "tk" + sid.substr(2, 16) + ".pstn.twilio.com";
  }
  if (number->trunk == target->id) {
    return http::Response::problem(
        409, "Number " + req.param("NumberSid") + " is on that trunk already", req.path);
  }
  state_.detachFromAnyTrunk(*account, number->sid);
  state_.attach(*target, number->sid);
  return controlNumber(200, *number, state_);
}

http::Response ControlApi::releaseNumber(http::Request& req) {
  Account* account = state_.findAccount(req.param("AccountSid"));
  if (account == nullptr) return unknownAccount(req);
  NumberRecord* number = pathNumber(state_, *account, req);
  if (number == nullptr) return unknownNumber(req);
  state_.release(*account, number->sid);
  return http::Response::noContent();
}

http::Response ControlApi::rotateToken(http::Request& req) {
  Account* account = state_.findAccount(req.param("AccountSid"));
  if (account == nullptr) return unknownAccount(req);
  const auto token = req.queryParam("authToken");
  if (!token || !isAuthToken(*token)) {
    return http::Response::problem(
        400, "authToken is required: 32 lower-case hex digits, as Twilio's tokens are", req.path);
  }
  state_.rotateAuthToken(*account, *token);
  return http::Response::noContent();
}

http::Response ControlApi::stats(http::Request&) {
  return http::Response::json(200, stats_.toJson());
}

http::Response ControlApi::resetStats(http::Request&) {
  stats_.reset();
  return http::Response::noContent();
}

http::Response ControlApi::addFault(http::Request& req) {
  auto parsed = parseFault(req, faults_);
  if (auto* why = std::get_if<std::string>(&parsed)) {
    return http::Response::problem(400, *why, req.path);
  }
  const Fault& fault = std::get<Fault>(parsed);
  JsonOut out;
  writeFault(out, fault);
  faults_.add(fault);
  return http::Response::json(201, out.take());
}

http::Response ControlApi::listFaults(http::Request&) {
  JsonOut out;
  out.startArray();
  for (const Fault& fault : faults_.pending()) writeFault(out, fault);
  out.endArray();
  return http::Response::json(200, out.take());
}

http::Response ControlApi::clearFaults(http::Request&) {
  faults_.clear();
  return http::Response::noContent();
}

}  // namespace gw::emulator
