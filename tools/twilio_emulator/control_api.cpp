#include "tools/twilio_emulator/control_api.hpp"

#include <utility>  // before Asio's coroutine headers (Boost 1.74 + GCC 12)

#include <charconv>
#include <stdexcept>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "tools/twilio_emulator/json_out.hpp"
#include "tools/twilio_emulator/resource_json.hpp"

namespace gw::emulator {
namespace {

constexpr uint64_t kMaxCreatePerRequest = 1'000'000;

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
  router.add("GET", "/emulator/stats", bind(&ControlApi::stats));
  router.add("POST", "/emulator/stats/reset", bind(&ControlApi::resetStats));
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

http::Response ControlApi::stats(http::Request&) {
  return http::Response::json(200, stats_.toJson());
}

http::Response ControlApi::resetStats(http::Request&) {
  stats_.reset();
  return http::Response::noContent();
}

}  // namespace gw::emulator
