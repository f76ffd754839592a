#pragma once
// Typed calls to Twilio's 2010-04-01 API and Trunking v1 API with a concurrency bound per
// account that adapts to what Twilio allows (AdaptiveLimit), timeouts, and retries of
// 429/5xx/network failures with full-jitter exponential backoff that honours Retry-After, a circuit
// breaker per account that fails requests fast while Twilio is unreachable, and a caller's deadline
// that no attempt, backoff or timeout goes past. Every failed operation is logged once (operation,
// HTTP status, Twilio code, request id; never the token). Runs on the control io_context.
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
#include "twilio/adaptive_limit.hpp"
#include "twilio/api.hpp"
#include "twilio/circuit_breaker.hpp"
#include "twilio/curl_client.hpp"

namespace gw::metrics {
class Exposition;
}

namespace gw::twilio {

struct TwilioConfig {
  std::string apiUrl = "https://api.twilio.com";
  std::string trunkingUrl = "https://trunking.twilio.com";
  size_t concurrency = 16;  // requests in flight per account at first
  // The most the bound may rise to on an account Twilio does not throttle; 0 (or less
  // than `concurrency`): `concurrency`, so the bound only ever falls below its start.
  size_t maxConcurrency = 0;
  int maxAttempts = 4;  // first try included
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
  uint64_t throttled = 0;   // 429 answers
  uint64_t failedFast = 0;  // requests refused by an open circuit breaker
};

// The Api over HTTP: Twilio's 2010-04-01 API and its Trunking v1 API.
class TwilioClient final : public Api {
 public:
  TwilioClient(boost::asio::io_context& io, CurlClient& http, TwilioConfig config);
  ~TwilioClient() override;

  const TwilioConfig& config() const;
  // The most requests per account the bound can ever allow, so callers' fan-out never
  // holds it back; the bound itself keeps the excess waiting.
  size_t concurrency() const override;
  // The account's current bound; `concurrency` for an account not used yet.
  size_t concurrencyLimit(const std::string& accountSid) const;
  TwilioStats stats() const;
  // The gateway_twilio_* families of GET /metrics; control thread.
  void writeMetrics(metrics::Exposition& out) const;

  boost::asio::awaitable<Outcome<Account>> fetchAccount(const Credentials& c) override;
  boost::asio::awaitable<Outcome<IncomingNumber>> fetchNumber(const Credentials& c,
                                                              std::string_view pnSid) override;
  boost::asio::awaitable<Outcome<NumberListing>> listNumbers(const Credentials& c,
                                                             size_t maxPages) override;
  boost::asio::awaitable<Outcome<NumberListing>> listNumberPages(
      const Credentials& c, size_t maxPages, const NumberPageSink& sink) override;
  boost::asio::awaitable<Outcome<Trunk>> createTrunk(const Credentials& c,
                                                     std::string_view friendlyName) override;
  boost::asio::awaitable<Outcome<Trunk>> fetchTrunk(const Credentials& c,
                                                    std::string_view trunkSid) override;
  boost::asio::awaitable<Outcome<bool>> deleteTrunk(const Credentials& c,
                                                    std::string_view trunkSid) override;
  boost::asio::awaitable<Outcome<std::string>> createOriginationUrl(
      const Credentials& c, std::string_view trunkSid, std::string_view sipUrl,
      std::string_view friendlyName) override;
  boost::asio::awaitable<Outcome<bool>> deleteOriginationUrl(const Credentials& c,
                                                             std::string_view trunkSid,
                                                             std::string_view ouSid) override;
  boost::asio::awaitable<Outcome<std::vector<OriginationUrl>>> listOriginationUrls(
      const Credentials& c, std::string_view trunkSid) override;
  boost::asio::awaitable<Outcome<bool>> attachNumber(const Credentials& c,
                                                     std::string_view trunkSid,
                                                     std::string_view pnSid) override;
  boost::asio::awaitable<Outcome<bool>> detachNumber(const Credentials& c,
                                                     std::string_view trunkSid,
                                                     std::string_view pnSid) override;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gw::twilio
