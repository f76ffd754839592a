#include "tools/twilio_emulator/twilio_gate.hpp"

#include <cstdio>
#include <exception>
#include <optional>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/log.hpp"
#include "tools/twilio_emulator/api_error.hpp"
#include "tools/twilio_emulator/basic_auth.hpp"

namespace gw::emulator {
namespace {

constexpr std::string_view kComponent = "twilio-emulator";

// Releases the account's in-flight slot however the handler ends.
class InFlightSlot {
 public:
  explicit InFlightSlot(Account* account) : account_(account) {
    if (account_ != nullptr) ++account_->inFlight;
  }
  ~InFlightSlot() {
    if (account_ != nullptr) --account_->inFlight;
  }
  InFlightSlot(const InFlightSlot&) = delete;
  InFlightSlot& operator=(const InFlightSlot&) = delete;

 private:
  Account* account_;
};

std::string durationHeader(std::chrono::steady_clock::duration elapsed) {
  const double seconds = std::chrono::duration<double>(elapsed).count();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", seconds);
  return buf;
}

}  // namespace

TwilioGate::TwilioGate(State& state, RequestStats& stats, FaultPlan& faults, GateOptions options)
    : state_(state),
      stats_(stats),
      faults_(faults),
      options_(options),
      errorDraws_(options.seed ^ 0x5eed0f0e77011ULL),
      requestIds_(options.seed ^ 0x7e9e57ULL) {}

void TwilioGate::add(http::Router& router, std::string_view method, std::string_view pattern,
                     TwilioHandler handler) {
  auto route = std::make_shared<const Route>(
      Route{std::string(method) + " " + std::string(pattern), std::move(handler)});
  faults_.knowRoute(route->name);
  router.add(method, pattern, [this, route](http::Request& req) { return serve(route, req); });
}

Account* TwilioGate::authenticate(const http::Request& req) {
  const auto header = req.header("Authorization");
  if (!header) return nullptr;
  const auto credentials = parseBasicAuth(*header);
  if (!credentials) return nullptr;
  return state_.authenticate(credentials->user, credentials->password);
}

boost::asio::awaitable<http::Response> TwilioGate::serve(std::shared_ptr<const Route> route,
                                                         http::Request& req) {
  const auto started = std::chrono::steady_clock::now();
  stats_.started();

  Account* account = authenticate(req);
  std::optional<ApiError> early;
  bool admitted = false;
  if (account == nullptr) {
    early = ApiError::unauthorized();
  } else if (options_.maxConcurrency > 0 && account->inFlight >= options_.maxConcurrency) {
    // Twilio documents that such a request was not processed: it holds no slot.
    early = ApiError::tooManyRequests();
  } else {
    admitted = true;
  }
  InFlightSlot slot(admitted ? account : nullptr);
  const size_t concurrent =
      account != nullptr ? account->inFlight + (admitted ? 0 : 1) : stats_.inFlight();

  // Drawn on arrival, so a given seed and request order always fail the same requests.
  std::optional<ApiError> injected;
  if (admitted && options_.errorRate > 0.0 && errorDraws_.nextUnit() < options_.errorRate) {
    injected = (errorDraws_.next64() & 1) != 0 ? ApiError::serviceUnavailable()
                                               : ApiError::internalError();
  }
  // A fault asked for wins over a random one; the draw above still happens, so asking for
  // faults does not shift which later requests the error rate fails.
  if (admitted) {
    if (auto fault = faults_.take(route->name)) injected = std::move(fault);
  }

  if (options_.latency.count() > 0) {
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, options_.latency);
    boost::system::error_code ec;
    co_await timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  }

  http::Response response;
  if (early) {
    response = errorResponse(*early);
  } else if (injected) {
    response = errorResponse(*injected);
  } else {
    try {
      response = route->handler(req, *account);
    } catch (const std::exception& e) {
      log::error(kComponent, route->name, " failed: ", e.what());
      response = errorResponse(ApiError::internalError());
    }
  }

  if (response.status == 401) response.set("WWW-Authenticate", "Basic realm=\"Twilio API\"");
  if (options_.retryAfterSeconds > 0 && (response.status == 429 || response.status == 503)) {
    response.set("Retry-After", std::to_string(options_.retryAfterSeconds));
  }
  response.set("Twilio-Concurrent-Requests", std::to_string(concurrent));
  response.set("Twilio-Request-Duration",
               durationHeader(std::chrono::steady_clock::now() - started));
  response.set("Twilio-Request-Id", formatSid(kRequestPrefix, requestIds_.nextSid()));
  stats_.finished(route->name, response.status);
  co_return response;
}

}  // namespace gw::emulator
