#pragma once
// Typed calls to Twilio's 2010-04-01 API and Trunking v1 API with a concurrency bound per
// account, timeouts, and retries of 429/5xx/network failures with full-jitter exponential
// backoff that honours Retry-After, a circuit breaker per account that fails requests fast
// while Twilio is unreachable, and a caller's deadline that no attempt, backoff or timeout
// goes past. Every failed operation is logged once (operation, HTTP status, Twilio code,
// request id; never the token). Runs on the control io_context.
#include <utility>  // before Asio's coroutine headers (Boost 1.74 + GCC 12)

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "common/result.hpp"
#include "modules/import/circuit_breaker.hpp"
#include "modules/import/curl_client.hpp"

namespace gw::metrics {
class Exposition;
}

namespace gw::twilio {

struct Credentials {
  std::string accountSid;
  std::string authToken;  // secret
  // Until when the caller waits for an answer (an import's overall deadline): a request is
  // cut short, or not sent, so that it ends by then. Travels with the account because every
  // call already takes it.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  // The admin request this call serves ("" when none): failures are logged with it.
  std::string requestId;
};

struct TwilioError {
  int httpStatus = 0;    // 0: no HTTP answer (network error, timeout)
  int code = 0;          // Twilio error code from the body, 0 when absent
  std::string message;   // Twilio's message, or the network error
  std::string moreInfo;  // Twilio's more_info link, empty when absent
  bool circuitOpen = false;     // not sent: the account's breaker is open (Twilio unreachable)
  bool deadlinePassed = false;  // not sent or cut short: the caller's deadline passed

  bool isAuthFailure() const { return httpStatus == 401 || code == 20003; }
  bool isNotFound() const { return httpStatus == 404; }
  // "<HTTP status> <Twilio code> <message>", e.g. "503 20500 Service Unavailable".
  std::string describe() const;
};

template <typename T>
using Outcome = gw::Result<T, TwilioError>;

struct Account {
  std::string sid;
  std::string friendlyName;
  std::string status;
};

struct IncomingNumber {
  std::string sid;
  std::string phoneNumber;  // E.164
  std::string friendlyName;
  std::string trunkSid;  // empty when on no trunk
};

struct Trunk {
  std::string sid;
  std::string friendlyName;
  std::string domainName;
};

struct NumberListing {
  std::vector<IncomingNumber> numbers;  // empty when the pages went to a callback
  bool complete = false;  // false when maxPages was reached (or the callback stopped) first
  size_t pages = 0;
};

// Takes one page of a listing as it arrives (its numbers may be moved from); returns
// false to stop the listing there.
using NumberPageSink = std::function<bool(std::vector<IncomingNumber>& page)>;

struct TwilioConfig {
  std::string apiUrl = "https://api.twilio.com";
  std::string trunkingUrl = "https://trunking.twilio.com";
  size_t concurrency = 16;  // requests in flight per account
  int maxAttempts = 4;      // first try included
  std::chrono::milliseconds requestTimeout{15'000};
  std::chrono::milliseconds backoffBase{100};
  std::chrono::milliseconds backoffCap{3'000};
  size_t pageSize = 1000;
  // A Retry-After longer than this is shortened to it.
  std::chrono::milliseconds retryAfterCap{30'000};
  uint64_t jitterSeed = 0;  // 0: seeded from std::random_device
  BreakerOptions breaker;   // per account
};

struct TwilioStats {
  uint64_t requests = 0;  // HTTP attempts, retries included
  uint64_t retries = 0;
  uint64_t throttled = 0;  // 429 answers
  uint64_t failedFast = 0;  // requests refused by an open circuit breaker
};

class TwilioClient {
 public:
  TwilioClient(boost::asio::io_context& io, CurlClient& http, TwilioConfig config);
  ~TwilioClient();

  const TwilioConfig& config() const;
  TwilioStats stats() const;
  // The gateway_twilio_* families of GET /metrics; control thread.
  void writeMetrics(metrics::Exposition& out) const;

  boost::asio::awaitable<Outcome<Account>> fetchAccount(const Credentials& c);
  boost::asio::awaitable<Outcome<IncomingNumber>> fetchNumber(const Credentials& c,
                                                              std::string_view pnSid);
  // Follows next_page_uri until the end or maxPages pages.
  boost::asio::awaitable<Outcome<NumberListing>> listNumbers(const Credentials& c, size_t maxPages);
  // The same, handing each page to `sink` as soon as it is parsed, so a caller can act on
  // it while the next page is on its way; the returned listing holds no numbers.
  boost::asio::awaitable<Outcome<NumberListing>> listNumberPages(const Credentials& c,
                                                                 size_t maxPages,
                                                                 const NumberPageSink& sink);

  boost::asio::awaitable<Outcome<Trunk>> createTrunk(const Credentials& c,
                                                     std::string_view friendlyName);
  boost::asio::awaitable<Outcome<Trunk>> fetchTrunk(const Credentials& c,
                                                    std::string_view trunkSid);
  boost::asio::awaitable<Outcome<bool>> deleteTrunk(const Credentials& c,
                                                    std::string_view trunkSid);
  // Returns the OU... SID of the new origination URL (weight 1, priority 1, enabled).
  boost::asio::awaitable<Outcome<std::string>> createOriginationUrl(const Credentials& c,
                                                                    std::string_view trunkSid,
                                                                    std::string_view sipUrl,
                                                                    std::string_view friendlyName);
  // POST /v1/Trunks/{TK}/PhoneNumbers; true once Twilio answered 200/201.
  boost::asio::awaitable<Outcome<bool>> attachNumber(const Credentials& c,
                                                     std::string_view trunkSid,
                                                     std::string_view pnSid);
  // Detaching a number that is not on the trunk (404) counts as success.
  boost::asio::awaitable<Outcome<bool>> detachNumber(const Credentials& c,
                                                     std::string_view trunkSid,
                                                     std::string_view pnSid);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gw::twilio
