#pragma once
// What the rest of the gateway asks of Twilio, as an interface: the admin services (providers,
// import, numbers, the journal sweep) take a twilio::Api&, so their tests can run against a
// fake as well as against the emulator through the real TwilioClient. The value types of
// those calls live here too. Every coroutine runs on the control io_context.
#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "common/result.hpp"

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
  int httpStatus = 0;           // 0: no HTTP answer (network error, timeout)
  int code = 0;                 // Twilio error code from the body, 0 when absent
  std::string message;          // Twilio's message, or the network error
  std::string moreInfo;         // Twilio's more_info link, empty when absent
  bool circuitOpen = false;     // not sent: the account's breaker is open (Twilio unreachable)
  bool deadlinePassed = false;  // not sent or cut short: the caller's deadline passed
  // With deadlinePassed: no attempt was ever sent (it waited for one of the account's
  // slots or a Retry-After pause until the deadline), so Twilio cannot have carried it out.
  bool notSent = false;

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

struct OriginationUrl {
  std::string sid;
  std::string sipUrl;
  bool enabled = false;
};

struct NumberListing {
  std::vector<IncomingNumber> numbers;  // empty when the pages went to a callback
  bool complete = false;  // false when maxPages was reached (or the callback stopped) first
  size_t pages = 0;
};

// Takes one page of a listing as it arrives (its numbers may be moved from); returns
// false to stop the listing there.
using NumberPageSink = std::function<bool(std::vector<IncomingNumber>& page)>;

class Api {
 public:
  virtual ~Api() = default;

  // How many calls per account may usefully run at once (the client's bound): callers size
  // their fan-out to it.
  virtual size_t concurrency() const = 0;

  virtual boost::asio::awaitable<Outcome<Account>> fetchAccount(const Credentials& c) = 0;
  virtual boost::asio::awaitable<Outcome<IncomingNumber>> fetchNumber(const Credentials& c,
                                                                      std::string_view pnSid) = 0;
  // Follows next_page_uri until the end or maxPages pages.
  virtual boost::asio::awaitable<Outcome<NumberListing>> listNumbers(const Credentials& c,
                                                                     size_t maxPages) = 0;
  // The same, handing each page to `sink` as soon as it is parsed, so a caller can act on
  // it while the next page is on its way; the returned listing holds no numbers.
  virtual boost::asio::awaitable<Outcome<NumberListing>> listNumberPages(
      const Credentials& c, size_t maxPages, const NumberPageSink& sink) = 0;

  virtual boost::asio::awaitable<Outcome<Trunk>> createTrunk(const Credentials& c,
                                                             std::string_view friendlyName) = 0;
  virtual boost::asio::awaitable<Outcome<Trunk>> fetchTrunk(const Credentials& c,
                                                            std::string_view trunkSid) = 0;
  virtual boost::asio::awaitable<Outcome<bool>> deleteTrunk(const Credentials& c,
                                                            std::string_view trunkSid) = 0;
  // Returns the OU... SID of the new origination URL (weight 1, priority 1, enabled).
  virtual boost::asio::awaitable<Outcome<std::string>> createOriginationUrl(
      const Credentials& c, std::string_view trunkSid, std::string_view sipUrl,
      std::string_view friendlyName) = 0;
  // DELETE /v1/Trunks/{TK}/OriginationUrls/{OU}; a URL that is already gone (404) counts
  // as success.
  virtual boost::asio::awaitable<Outcome<bool>> deleteOriginationUrl(const Credentials& c,
                                                                     std::string_view trunkSid,
                                                                     std::string_view ouSid) = 0;
  // The trunk's origination URLs (where Twilio sends its inbound calls), up to 1000.
  virtual boost::asio::awaitable<Outcome<std::vector<OriginationUrl>>> listOriginationUrls(
      const Credentials& c, std::string_view trunkSid) = 0;
  // POST /v1/Trunks/{TK}/PhoneNumbers; true once Twilio answered 200/201.
  virtual boost::asio::awaitable<Outcome<bool>> attachNumber(const Credentials& c,
                                                             std::string_view trunkSid,
                                                             std::string_view pnSid) = 0;
  // Detaching a number that is not on the trunk (404) counts as success.
  virtual boost::asio::awaitable<Outcome<bool>> detachNumber(const Credentials& c,
                                                             std::string_view trunkSid,
                                                             std::string_view pnSid) = 0;
};

}  // namespace gw::twilio
