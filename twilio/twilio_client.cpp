#include "twilio/twilio_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <unordered_map>

#include <rapidjson/document.h>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "async/semaphore.hpp"
#include "common/json.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"
#include "twilio/number_parser.hpp"
#include "twilio/wire.hpp"

namespace gw::twilio {
namespace asio = boost::asio;
using asio::awaitable;

std::string TwilioError::describe() const {
  if (circuitOpen || deadlinePassed) return message;
  if (httpStatus == 0) return "no response from Twilio (" + message + ")";
  return std::to_string(httpStatus) + " " + std::to_string(code) + " " + message;
}

namespace {

constexpr std::string_view kComponent = "twilio";
using Clock = std::chrono::steady_clock;
using namespace wire;  // NOLINT: this file is the one user of the wire rules

}  // namespace

class TwilioClient::Impl {
 public:
  Impl(asio::io_context& io, CurlClient& http, TwilioConfig config)
      : io_(io),
        http_(http),
        config_(std::move(config)),
        rng_(config_.jitterSeed ? config_.jitterSeed : std::random_device{}()) {}

  // A DELETE of the resource at `url`; a 404 counts as done (it is gone either way).
  awaitable<Outcome<bool>> remove(std::string_view op, const Credentials& c,
                                  const std::string& url);

  // One Twilio call with the account's concurrency bound and the retry policy. The slot is
  // held for the HTTP exchange only, never across a backoff.
  // Only views and references come in: GCC 12 can destroy a non-trivial temporary made in a
  // co_await expression twice, so callers pass named locals.
  // `op` names the operation in the metrics ("attach_number"): a string literal.
  awaitable<HttpResponse> call(std::string_view op, const Credentials& c, std::string_view method,
                               const std::string& url, std::string_view body = {},
                               Repeat repeat = Repeat::kAfterAnyFailure) {
    async::AsyncSemaphore& slots = slotsOf(c.accountSid);
    AdaptiveLimit& limit = limitOf(c.accountSid);
    CircuitBreaker& breaker = breakerOf(c.accountSid);
    HttpResponse last;
    bool sent = false;  // an attempt went out: Twilio may have carried the call out
    const int attempts = std::max(config_.maxAttempts, 1);
    for (int attempt = 0; attempt < attempts; ++attempt) {
      if (attempt > 0) {
        ++stats_.retries;
        ++metricsOf(op).retries;
        auto delay = backoff(attempt, last);
        if (Clock::now() + delay >= c.deadline) co_return deadlinePassed(last, sent);
        asio::steady_timer timer(io_, delay);
        boost::system::error_code ec;
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
      if (!co_await acquire(slots, limit, c.deadline)) co_return deadlinePassed(last, sent);
      async::SemaphorePermit permit(slots);
      const auto now = Clock::now();
      if (now >= c.deadline) co_return deadlinePassed(last, sent);
      if (!breaker.allow(now)) {
        ++stats_.failedFast;
        co_return circuitOpen(c, breaker, now);
      }
      HttpRequest req = request(c, method, url, body);
      const bool cutShort = c.deadline - now < req.timeout;
      if (cutShort) {
        req.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(c.deadline - now);
        req.timeout = std::max(req.timeout, std::chrono::milliseconds(1));
      }
      ++stats_.requests;
      const auto sentAt = Clock::now();
      const AdaptiveLimit::Ticket ticket = limit.sent(slots.inUse());
      sent = true;
      last = co_await http_.send(std::move(req));
      recordAttempt(op, last.status, Clock::now() - sentAt);
      adapt(slots, limit, ticket, last);
      if (last.status != 0) {
        breaker.recordAnswer();
      } else if (cutShort && last.curlCode == CURLE_OPERATION_TIMEDOUT) {
        breaker.recordAbandoned();  // the deadline, not Twilio, ended it
        co_return deadlinePassed(last, sent);
      } else if (networkFailure(last)) {
        breaker.recordNetworkFailure(Clock::now());
      }
      if (throttledAnswer(last)) ++stats_.throttled;
      if (!retryable(last, repeat)) break;
      log::debug(kComponent, method, " ", pathOf(url), " attempt ", attempt + 1, " of ", attempts,
                 ": ", last.status ? std::to_string(last.status) : last.networkError);
    }
    co_return last;
  }

  std::string api(std::string_view path) const { return config_.apiUrl + std::string(path); }
  std::string trunking(std::string_view path) const {
    return config_.trunkingUrl + std::string(path);
  }
  std::string accountPath(const Credentials& c) const {
    return "/2010-04-01/Accounts/" + percentEncode(c.accountSid);
  }

  const TwilioConfig& config() const { return config_; }
  TwilioStats stats() const { return stats_; }
  size_t maxConcurrency() const { return std::max(config_.maxConcurrency, config_.concurrency); }
  size_t currentLimit(const std::string& accountSid) const {
    auto it = limits_.find(accountSid);
    return it == limits_.end() ? std::max<size_t>(config_.concurrency, 1) : it->second.limit();
  }

  void writeMetrics(metrics::Exposition& out) const {
    using T = metrics::Exposition::Type;
    out.family("gateway_twilio_requests_total", T::kCounter,
               "HTTP attempts to Twilio by operation and HTTP status (retries included; "
               "status \"none\": no HTTP answer, such as a timeout or a refused connection).");
    for (const auto& [op, m] : ops_) {
      for (const auto& [status, n] : m.byStatus) {
        const std::string code = status ? std::to_string(status) : std::string("none");
        out.sample("gateway_twilio_requests_total", {{"operation", op}, {"status", code}}, n);
      }
    }
    out.family("gateway_twilio_retries_total", T::kCounter,
               "Twilio requests sent again after a 429, a 5xx or a network failure.");
    for (const auto& [op, m] : ops_) {
      out.sample("gateway_twilio_retries_total", {{"operation", op}}, m.retries);
    }
    out.family(
        "gateway_twilio_throttled_total", T::kCounter,
        "Twilio answers that refused a request for load: 429, or code 20429 under any status.");
    out.sample("gateway_twilio_throttled_total", {}, stats_.throttled);
    out.family("gateway_twilio_failed_fast_total", T::kCounter,
               "Twilio requests not sent because the account's circuit breaker was open.");
    out.sample("gateway_twilio_failed_fast_total", {}, stats_.failedFast);
    out.family("gateway_twilio_request_duration_seconds", T::kHistogram,
               "Time from sending one HTTP attempt to Twilio to its end, by operation.");
    for (const auto& [op, m] : ops_) {
      out.histogram("gateway_twilio_request_duration_seconds", {{"operation", op}}, m.latency);
    }
    out.family("gateway_twilio_concurrency_limit", T::kGauge,
               "Twilio requests each account may have in flight now: starts at "
               "--twilio-concurrency, rises while Twilio accepts and falls on 429 answers "
               "(at most --twilio-max-concurrency).");
    for (const auto& [account, limit] : limits_) {
      out.sample("gateway_twilio_concurrency_limit", {{"account", account}},
                 uint64_t{limit.limit()});
    }
    out.family("gateway_twilio_concurrency_decreases_total", T::kCounter,
               "Times an account's concurrency limit was lowered because Twilio answered 429.");
    for (const auto& [account, limit] : limits_) {
      out.sample("gateway_twilio_concurrency_decreases_total", {{"account", account}},
                 limit.decreases());
    }
    out.family("gateway_twilio_requests_in_flight", T::kGauge,
               "Twilio requests in flight per account (bounded by "
               "gateway_twilio_concurrency_limit).");
    for (const auto& [account, slots] : slots_) {
      out.sample("gateway_twilio_requests_in_flight", {{"account", account}},
                 uint64_t{slots.inUse()});
    }
    out.family("gateway_twilio_requests_waiting", T::kGauge,
               "Twilio requests waiting for a slot of their account's concurrency bound.");
    for (const auto& [account, slots] : slots_) {
      out.sample("gateway_twilio_requests_waiting", {{"account", account}},
                 uint64_t{slots.waiting()});
    }
  }

 private:
  HttpRequest request(const Credentials& c, std::string_view method, const std::string& url,
                      std::string_view body) const {
    HttpRequest req;
    req.method = std::string(method);
    req.url = url;
    req.body = std::string(body);
    req.basicUser = c.accountSid;
    req.basicPassword = c.authToken;
    req.timeout = config_.requestTimeout;
    req.headers.emplace_back("Accept", "application/json");
    if (method == "POST") {
      req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    }
    return req;
  }

  HttpResponse circuitOpen(const Credentials& c, const CircuitBreaker& breaker,
                           Clock::time_point now) const {
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(breaker.retryAt() - now);
    return notSent(kCircuitOpen,
                   "Twilio is unreachable for account " + c.accountSid + ": " +
                       std::to_string(breaker.consecutiveFailures()) +
                       " requests in a row got no response, so requests fail at once for " +
                       spanText(std::max(wait, std::chrono::milliseconds(0))) +
                       " before one tries again");
  }

  // The last answer's reason stays in the message: a deadline spent on retries says what
  // the retries were about.
  static HttpResponse deadlinePassed(const HttpResponse& last, bool sent) {
    std::string why = "the deadline passed before Twilio answered";
    if (last.status != 0) {
      why += " (last answer: HTTP " + std::to_string(last.status) + ")";
    } else if (!last.networkError.empty()) {
      why += " (last attempt: " + last.networkError + ")";
    }
    return notSent(sent ? kDeadlinePassed : kDeadlinePassedUnsent, std::move(why));
  }

  async::AsyncSemaphore& slotsOf(const std::string& accountSid) {
    auto it = slots_.find(accountSid);
    if (it == slots_.end()) {
      it = slots_.try_emplace(accountSid, limitOf(accountSid).limit()).first;
    }
    return it->second;
  }

  AdaptiveLimit& limitOf(const std::string& accountSid) {
    auto it = limits_.find(accountSid);
    if (it == limits_.end()) {
      AdaptiveLimitOptions o;
      o.initial = config_.concurrency;
      o.max = maxConcurrency();
      it = limits_.try_emplace(accountSid, o).first;
    }
    return it->second;
  }

  // Waits for one of the account's slots, and for a Retry-After pause to pass (a 429 that
  // arrives while this request waits for its slot pauses it too). False, holding nothing,
  // when the pause outlasts the deadline; true holding a slot.
  awaitable<bool> acquire(async::AsyncSemaphore& slots, const AdaptiveLimit& limit,
                          Clock::time_point deadline) {
    for (;;) {
      const auto pausedUntil = limit.pausedUntil();
      if (pausedUntil > Clock::now()) {
        if (pausedUntil >= deadline) co_return false;
        asio::steady_timer timer(io_, pausedUntil);
        boost::system::error_code ec;
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        continue;
      }
      co_await slots.acquire();
      if (limit.pausedUntil() <= Clock::now()) co_return true;
      slots.release();
    }
  }

  // Tells the account's limit what the answer says about Twilio's load; no HTTP answer
  // says nothing (the circuit breaker deals with those), nor does a 5xx.
  void adapt(async::AsyncSemaphore& slots, AdaptiveLimit& limit, const AdaptiveLimit::Ticket& t,
             const HttpResponse& r) {
    if (throttledAnswer(r)) {
      auto asked = retryAfter(r).value_or(std::chrono::seconds(0));
      auto pause = std::min<std::chrono::milliseconds>(asked, config_.retryAfterCap);
      limit.throttled(t, Clock::now(), pause);
    } else if (r.status != 0 && r.status < 500) {
      limit.answered(t);
    } else {
      return;
    }
    slots.setLimit(limit.limit());
  }

  CircuitBreaker& breakerOf(const std::string& accountSid) {
    auto it = breakers_.find(accountSid);
    if (it == breakers_.end()) it = breakers_.try_emplace(accountSid, config_.breaker).first;
    return it->second;
  }

  // Full jitter: uniform in [0, min(cap, base * 2^attempt)], but never sooner than a
  // Retry-After the server asked for (itself capped, so a confused server cannot stall us).
  std::chrono::milliseconds backoff(int attempt, const HttpResponse& last) {
    const int64_t base = std::max<int64_t>(config_.backoffBase.count(), 0);
    const int64_t cap = std::max<int64_t>(config_.backoffCap.count(), 0);
    const int shift = std::min(attempt, 30);
    const int64_t ceiling = base > (cap >> shift) ? cap : std::min(cap, base << shift);
    std::uniform_int_distribution<int64_t> dist(0, ceiling);
    std::chrono::milliseconds delay(dist(rng_));
    if (auto asked = retryAfter(last)) {
      auto wanted = std::min<std::chrono::milliseconds>(*asked, config_.retryAfterCap);
      delay = std::max(delay, wanted);
    }
    return delay;
  }

  static std::string_view pathOf(std::string_view url) {
    auto scheme = url.find("://");
    auto slash = url.find('/', scheme == std::string_view::npos ? 0 : scheme + 3);
    return slash == std::string_view::npos ? url : url.substr(slash);
  }

  struct OpMetrics {
    std::map<int, uint64_t> byStatus;  // 0: no HTTP answer
    uint64_t retries = 0;
    metrics::Histogram latency;
  };
  OpMetrics& metricsOf(std::string_view op) {
    auto it = ops_.find(op);
    if (it == ops_.end()) it = ops_.emplace(std::string(op), OpMetrics{}).first;
    return it->second;
  }
  void recordAttempt(std::string_view op, int status, Clock::duration took) {
    OpMetrics& m = metricsOf(op);
    ++m.byStatus[status];
    m.latency.observe(std::chrono::duration<double>(took).count());
  }

  asio::io_context& io_;
  CurlClient& http_;
  TwilioConfig config_;
  std::mt19937_64 rng_;
  TwilioStats stats_;
  std::unordered_map<std::string, async::AsyncSemaphore> slots_;
  std::unordered_map<std::string, AdaptiveLimit> limits_;
  std::unordered_map<std::string, CircuitBreaker> breakers_;
  std::map<std::string, OpMetrics, std::less<>> ops_;  // by operation, for GET /metrics
};

namespace {

Outcome<Trunk> trunkFrom(const HttpResponse& r) {
  rapidjson::Document d;
  if (json::parse(d, r.body) || !d.IsObject())
    return malformed(r, "the trunk is not a JSON object");
  Trunk t{str(d, "sid"), str(d, "friendly_name"), str(d, "domain_name")};
  if (t.sid.empty()) return malformed(r, "the trunk has no sid");
  return t;
}

Outcome<IncomingNumber> numberFrom(const HttpResponse& r) {
  auto parsed = NumberParser::parseNumber(r.body);
  if (!parsed) return malformed(r, parsed.error());
  return std::move(parsed).value();
}

// The one log line of a failed operation. The account SID and Twilio's message are not
// secret; the token never reaches this function's output.
TwilioError failed(std::string_view operation, const Credentials& c, TwilioError e) {
  std::string why = e.circuitOpen       ? "circuit_open"
                    : e.deadlinePassed  ? "deadline"
                    : e.httpStatus == 0 ? "network"
                                        : "http";
  log::event(log::Level::kWarn, kComponent,
             "Twilio " + std::string(operation) + " failed: " + e.describe(),
             {{"operation", operation},
              {"status", e.httpStatus},
              {"code", e.code},
              {"request_id", c.requestId},
              {"account_sid", c.accountSid},
              {"reason", why}});
  return e;
}

template <typename T>
Outcome<T> reported(std::string_view operation, const Credentials& c, Outcome<T> outcome) {
  if (!outcome) return failed(operation, c, std::move(outcome).error());
  return outcome;
}

}  // namespace

awaitable<Outcome<bool>> TwilioClient::Impl::remove(std::string_view op, const Credentials& c,
                                                    const std::string& url) {
  auto r = co_await call(op, c, "DELETE", url);
  if (r.status == 204 || r.status == 200 || r.status == 404) co_return true;
  co_return failed(op, c, errorOf(r));
}

TwilioClient::TwilioClient(asio::io_context& io, CurlClient& http, TwilioConfig config)
    : impl_(std::make_unique<Impl>(io, http, std::move(config))) {}
TwilioClient::~TwilioClient() = default;

const TwilioConfig& TwilioClient::config() const {
  return impl_->config();
}
TwilioStats TwilioClient::stats() const {
  return impl_->stats();
}
size_t TwilioClient::concurrency() const {
  return impl_->maxConcurrency();
}
size_t TwilioClient::concurrencyLimit(const std::string& accountSid) const {
  return impl_->currentLimit(accountSid);
}

void TwilioClient::writeMetrics(metrics::Exposition& out) const {
  impl_->writeMetrics(out);
}

// URLs and bodies are built before the co_await expressions: GCC 12 miscompiles some
// temporaries (array initialisers in particular) inside them.

awaitable<Outcome<Account>> TwilioClient::fetchAccount(const Credentials& c) {
  std::string url = impl_->api(impl_->accountPath(c) + ".json");
  auto r = co_await impl_->call("fetch_account", c, "GET", url);
  if (r.status != 200) co_return failed("fetch_account", c, errorOf(r));
  rapidjson::Document d;
  if (json::parse(d, r.body) || !d.IsObject())
    co_return failed("fetch_account", c, malformed(r, "the account is not JSON"));
  Account a{str(d, "sid"), str(d, "friendly_name"), str(d, "status")};
  if (a.sid.empty()) co_return failed("fetch_account", c, malformed(r, "the account has no sid"));
  co_return a;
}

awaitable<Outcome<IncomingNumber>> TwilioClient::fetchNumber(const Credentials& c,
                                                             std::string_view pnSid) {
  std::string url =
      impl_->api(impl_->accountPath(c) + "/IncomingPhoneNumbers/" + percentEncode(pnSid) + ".json");
  auto r = co_await impl_->call("fetch_number", c, "GET", url);
  if (r.status != 200) co_return failed("fetch_number", c, errorOf(r));
  co_return reported("fetch_number", c, numberFrom(r));
}

awaitable<Outcome<NumberListing>> TwilioClient::listNumbers(const Credentials& c, size_t maxPages) {
  std::vector<IncomingNumber> numbers;
  NumberPageSink collect = [&numbers](std::vector<IncomingNumber>& page) {
    if (numbers.empty()) {
      numbers = std::move(page);
    } else {
      numbers.insert(numbers.end(), std::make_move_iterator(page.begin()),
                     std::make_move_iterator(page.end()));
    }
    return true;
  };
  auto listing = co_await listNumberPages(c, maxPages, collect);
  if (listing) listing->numbers = std::move(numbers);
  co_return listing;
}

awaitable<Outcome<NumberListing>> TwilioClient::listNumberPages(const Credentials& c,
                                                                size_t maxPages,
                                                                const NumberPageSink& sink) {
  NumberListing listing;
  std::string url = impl_->api(impl_->accountPath(c) + "/IncomingPhoneNumbers.json?PageSize=" +
                               std::to_string(impl_->config().pageSize));
  while (listing.pages < maxPages) {
    auto r = co_await impl_->call("list_numbers", c, "GET", url);
    if (r.status != 200) co_return failed("list_numbers", c, errorOf(r));
    auto page = NumberParser::parsePage(r.body);
    if (!page)
      co_return failed(
          "list_numbers", c,
          malformed(r, "number page " + std::to_string(listing.pages) + ": " + page.error()));
    ++listing.pages;
    NumberPage& p = page.value();
    // A page whose next_page_uri is not a path fails the listing before the sink sees it.
    if (!p.nextPageUri.empty() && p.nextPageUri.front() != '/') {
      co_return failed("list_numbers", c, malformed(r, "next_page_uri is not a path"));
    }
    const bool more = sink(p.numbers);
    if (p.nextPageUri.empty()) {
      listing.complete = true;
      break;
    }
    if (!more) break;
    // Relative to the API host; the page token is Twilio's, never built here.
    url = impl_->api(p.nextPageUri);
  }
  co_return listing;
}

awaitable<Outcome<Trunk>> TwilioClient::createTrunk(const Credentials& c,
                                                    std::string_view friendlyName) {
  std::string body = form(Fields{{"FriendlyName", std::string(friendlyName)}});
  std::string url = impl_->trunking("/v1/Trunks");
  auto r =
      co_await impl_->call("create_trunk", c, "POST", url, body, Repeat::kOnlyWhenNotProcessed);
  if (r.status != 201 && r.status != 200) co_return failed("create_trunk", c, errorOf(r));
  co_return reported("create_trunk", c, trunkFrom(r));
}

awaitable<Outcome<Trunk>> TwilioClient::fetchTrunk(const Credentials& c,
                                                   std::string_view trunkSid) {
  std::string url = impl_->trunking("/v1/Trunks/" + percentEncode(trunkSid));
  auto r = co_await impl_->call("fetch_trunk", c, "GET", url);
  if (r.status != 200) co_return failed("fetch_trunk", c, errorOf(r));
  co_return reported("fetch_trunk", c, trunkFrom(r));
}

awaitable<Outcome<bool>> TwilioClient::deleteTrunk(const Credentials& c,
                                                   std::string_view trunkSid) {
  std::string url = impl_->trunking("/v1/Trunks/" + percentEncode(trunkSid));
  co_return co_await impl_->remove("delete_trunk", c, url);
}

awaitable<Outcome<std::string>> TwilioClient::createOriginationUrl(const Credentials& c,
                                                                   std::string_view trunkSid,
                                                                   std::string_view sipUrl,
                                                                   std::string_view friendlyName) {
  // All five fields are required by Trunking v1.
  std::string body = form(Fields{{"SipUrl", std::string(sipUrl)},
                                 {"Weight", "1"},
                                 {"Priority", "1"},
                                 {"Enabled", "true"},
                                 {"FriendlyName", std::string(friendlyName)}});
  std::string url = impl_->trunking("/v1/Trunks/" + percentEncode(trunkSid) + "/OriginationUrls");
  auto r = co_await impl_->call("create_origination_url", c, "POST", url, body,
                                Repeat::kOnlyWhenNotProcessed);
  if (r.status != 201 && r.status != 200) co_return failed("create_origination_url", c, errorOf(r));
  rapidjson::Document d;
  std::string sid = json::parse(d, r.body) ? std::string() : str(d, "sid");
  if (sid.empty())
    co_return failed("create_origination_url", c, malformed(r, "the origination URL has no sid"));
  co_return sid;
}

awaitable<Outcome<bool>> TwilioClient::deleteOriginationUrl(const Credentials& c,
                                                            std::string_view trunkSid,
                                                            std::string_view ouSid) {
  std::string url = impl_->trunking("/v1/Trunks/" + percentEncode(trunkSid) + "/OriginationUrls/" +
                                    percentEncode(ouSid));
  co_return co_await impl_->remove("delete_origination_url", c, url);
}

awaitable<Outcome<std::vector<OriginationUrl>>> TwilioClient::listOriginationUrls(
    const Credentials& c, std::string_view trunkSid) {
  std::string url =
      impl_->trunking("/v1/Trunks/" + percentEncode(trunkSid) + "/OriginationUrls?PageSize=1000");
  auto r = co_await impl_->call("list_origination_urls", c, "GET", url);
  if (r.status != 200) co_return failed("list_origination_urls", c, errorOf(r));
  rapidjson::Document d;
  if (json::parse(d, r.body) || !d.IsObject() || !d.HasMember("origination_urls") ||
      !d["origination_urls"].IsArray()) {
    co_return failed("list_origination_urls", c,
                     malformed(r, "the origination URL page has no origination_urls array"));
  }
  std::vector<OriginationUrl> out;
  for (const auto& item : d["origination_urls"].GetArray()) {
    if (!item.IsObject()) continue;
    auto enabled = item.FindMember("enabled");
    out.push_back(OriginationUrl{
        str(item, "sid"), str(item, "sip_url"),
        enabled != item.MemberEnd() && enabled->value.IsBool() && enabled->value.GetBool()});
  }
  co_return out;
}

awaitable<Outcome<bool>> TwilioClient::attachNumber(const Credentials& c, std::string_view trunkSid,
                                                    std::string_view pnSid) {
  std::string body = form(Fields{{"PhoneNumberSid", std::string(pnSid)}});
  std::string url = impl_->trunking("/v1/Trunks/" + percentEncode(trunkSid) + "/PhoneNumbers");
  auto r = co_await impl_->call("attach_number", c, "POST", url, body);
  if (r.status != 201 && r.status != 200) co_return failed("attach_number", c, errorOf(r));
  // The status is the attachment; the resource in the body says nothing the import does
  // not know from its lookup, and parsing it cost a tenth of a 10,000-number import.
  co_return true;
}

awaitable<Outcome<bool>> TwilioClient::detachNumber(const Credentials& c, std::string_view trunkSid,
                                                    std::string_view pnSid) {
  std::string url = impl_->trunking("/v1/Trunks/" + percentEncode(trunkSid) + "/PhoneNumbers/" +
                                    percentEncode(pnSid));
  co_return co_await impl_->remove("detach_number", c, url);
}

}  // namespace gw::twilio
