#include "modules/import/twilio_client.hpp"

#include <algorithm>
#include <deque>
#include <random>
#include <unordered_map>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <rapidjson/document.h>

#include "common/log.hpp"
#include "modules/import/task_group.hpp"

namespace gw::twilio {
namespace asio = boost::asio;
using asio::awaitable;

std::string TwilioError::describe() const {
  if (httpStatus == 0) return "no response from Twilio (" + message + ")";
  return std::to_string(httpStatus) + " " + std::to_string(code) + " " + message;
}

namespace {

std::string formEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

using Fields = std::vector<std::pair<std::string, std::string>>;

std::string form(const Fields& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    out += formEncode(k);
    out += '=';
    out += formEncode(v);
  }
  return out;
}

std::string str(const rapidjson::Value& obj, const char* name) {
  if (!obj.IsObject()) return {};
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

IncomingNumber numberFrom(const rapidjson::Value& v) {
  return {str(v, "sid"), str(v, "phone_number"), str(v, "friendly_name"), str(v, "trunk_sid")};
}

bool retryable(const HttpResponse& r) { return r.status == 0 || r.status == 429 || r.status >= 500; }

TwilioError errorOf(const HttpResponse& r) {
  TwilioError e;
  e.httpStatus = r.status;
  if (r.status == 0) {
    e.message = r.networkError;
    return e;
  }
  rapidjson::Document d;
  d.Parse(r.body.data(), r.body.size());
  if (!d.HasParseError() && d.IsObject()) {
    if (auto it = d.FindMember("code"); it != d.MemberEnd() && it->value.IsInt()) {
      e.code = it->value.GetInt();
    }
    e.message = str(d, "message");
  }
  if (e.message.empty()) e.message = "HTTP " + std::to_string(r.status);
  return e;
}

template <typename T>
Outcome<T> malformed(const HttpResponse& r, std::string_view what) {
  return TwilioError{r.status, 0, "unexpected response from Twilio: " + std::string(what)};
}

// At most `limit` holders; the rest wait in arrival order.
class Semaphore {
 public:
  explicit Semaphore(size_t limit) : limit_(limit) {}
  awaitable<void> acquire() {
    if (inUse_ < limit_) {
      ++inUse_;
      co_return;
    }
    import::Event granted(co_await asio::this_coro::executor);
    waiters_.push_back(&granted);
    co_await granted.wait();  // the releaser handed its slot over
  }
  void release() {
    if (!waiters_.empty()) {
      import::Event* next = waiters_.front();
      waiters_.pop_front();
      next->set();
    } else {
      --inUse_;
    }
  }

 private:
  size_t limit_;
  size_t inUse_ = 0;
  std::deque<import::Event*> waiters_;
};

}  // namespace

class TwilioClient::Impl {
 public:
  Impl(asio::io_context& io, CurlClient& http, TwilioConfig config)
      : io_(io), http_(http), config_(std::move(config)), rng_(std::random_device{}()) {}

  // One Twilio call with the account's concurrency bound and the retry policy.
  awaitable<HttpResponse> call(const Credentials& c, std::string method, std::string url,
                               std::string body = {}) {
    Semaphore& slots = slotsOf(c.accountSid);
    HttpResponse last;
    for (int attempt = 0; attempt < config_.maxAttempts; ++attempt) {
      if (attempt > 0) {
        ++stats_.retries;
        asio::steady_timer timer(io_, backoff(attempt, last));
        boost::system::error_code ec;
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
      HttpRequest req;
      req.method = method;
      req.url = url;
      req.body = body;
      req.basicUser = c.accountSid;
      req.basicPassword = c.authToken;
      req.timeout = config_.requestTimeout;
      req.headers.emplace_back("Accept", "application/json");
      if (method == "POST") {
        req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
      }
      co_await slots.acquire();
      ++stats_.requests;
      try {
        last = co_await http_.send(std::move(req));
      } catch (...) {
        slots.release();
        throw;
      }
      slots.release();
      if (!retryable(last)) break;
      log::debug("twilio", method, " ", pathOf(url), " attempt ", attempt + 1, " got ",
                 last.status ? std::to_string(last.status) : last.networkError);
    }
    co_return last;
  }

  std::string api(std::string_view path) const { return config_.apiUrl + std::string(path); }
  std::string trunking(std::string_view path) const {
    return config_.trunkingUrl + std::string(path);
  }

  const TwilioConfig& config() const { return config_; }
  TwilioStats stats() const { return stats_; }

 private:
  Semaphore& slotsOf(const std::string& accountSid) {
    auto it = slots_.find(accountSid);
    if (it == slots_.end()) it = slots_.emplace(accountSid, Semaphore(config_.concurrency)).first;
    return it->second;
  }

  // Full jitter: uniform in [0, min(cap, base * 2^attempt)], but never sooner than a
  // Retry-After the server asked for (capped, so a confused server cannot stall us).
  std::chrono::milliseconds backoff(int attempt, const HttpResponse& last) {
    auto ceiling = std::min<int64_t>(config_.backoffCap.count(),
                                     config_.backoffBase.count() << std::min(attempt, 20));
    std::uniform_int_distribution<int64_t> dist(0, std::max<int64_t>(ceiling, 0));
    std::chrono::milliseconds delay(dist(rng_));
    if (const std::string* ra = last.header("retry-after")) {
      char* end = nullptr;
      long secs = std::strtol(ra->c_str(), &end, 10);
      if (end != ra->c_str() && *end == '\0' && secs >= 0) {
        delay = std::max(delay, std::chrono::milliseconds(std::min(secs, 60L) * 1000));
      }
    }
    return delay;
  }

  static std::string_view pathOf(std::string_view url) {
    auto scheme = url.find("://");
    auto slash = url.find('/', scheme == std::string_view::npos ? 0 : scheme + 3);
    return slash == std::string_view::npos ? url : url.substr(slash);
  }

  asio::io_context& io_;
  CurlClient& http_;
  TwilioConfig config_;
  std::mt19937_64 rng_;
  TwilioStats stats_;
  std::unordered_map<std::string, Semaphore> slots_;
};

TwilioClient::TwilioClient(asio::io_context& io, CurlClient& http, TwilioConfig config)
    : impl_(std::make_unique<Impl>(io, http, std::move(config))) {}
TwilioClient::~TwilioClient() = default;

const TwilioConfig& TwilioClient::config() const { return impl_->config(); }
TwilioStats TwilioClient::stats() const { return impl_->stats(); }

awaitable<Outcome<Account>> TwilioClient::fetchAccount(const Credentials& c) {
  auto r = co_await impl_->call(c, "GET", impl_->api("/2010-04-01/Accounts/" + c.accountSid + ".json"));
  if (r.status != 200) co_return errorOf(r);
  rapidjson::Document d;
  d.Parse(r.body.data(), r.body.size());
  if (d.HasParseError() || !d.IsObject()) co_return malformed<Account>(r, "account is not JSON");
  co_return Account{str(d, "sid"), str(d, "friendly_name"), str(d, "status")};
}

awaitable<Outcome<IncomingNumber>> TwilioClient::fetchNumber(const Credentials& c,
                                                             std::string_view pnSid) {
  auto r = co_await impl_->call(c, "GET",
                                impl_->api("/2010-04-01/Accounts/" + c.accountSid +
                                           "/IncomingPhoneNumbers/" + std::string(pnSid) + ".json"));
  if (r.status != 200) co_return errorOf(r);
  rapidjson::Document d;
  d.Parse(r.body.data(), r.body.size());
  if (d.HasParseError() || !d.IsObject()) {
    co_return malformed<IncomingNumber>(r, "phone number is not JSON");
  }
  co_return numberFrom(d);
}

awaitable<Outcome<NumberListing>> TwilioClient::listNumbers(const Credentials& c,
                                                            size_t maxPages) {
  NumberListing listing;
  std::string url = impl_->api("/2010-04-01/Accounts/" + c.accountSid +
                               "/IncomingPhoneNumbers.json?PageSize=" +
                               std::to_string(impl_->config().pageSize));
  while (listing.pages < maxPages) {
    auto r = co_await impl_->call(c, "GET", url);
    if (r.status != 200) co_return errorOf(r);
    ++listing.pages;
    rapidjson::Document d;
    d.Parse(r.body.data(), r.body.size());
    if (d.HasParseError() || !d.IsObject()) {
      co_return malformed<NumberListing>(r, "number page is not JSON");
    }
    auto items = d.FindMember("incoming_phone_numbers");
    if (items == d.MemberEnd() || !items->value.IsArray()) {
      co_return malformed<NumberListing>(r, "number page has no incoming_phone_numbers array");
    }
    for (const auto& v : items->value.GetArray()) listing.numbers.push_back(numberFrom(v));
    std::string next = str(d, "next_page_uri");
    if (next.empty()) {
      listing.complete = true;
      break;
    }
    if (next.front() != '/') co_return malformed<NumberListing>(r, "next_page_uri is not a path");
    url = impl_->api(next);  // relative to the API host; never built by hand
  }
  co_return listing;
}

awaitable<Outcome<Trunk>> TwilioClient::createTrunk(const Credentials& c,
                                                    std::string_view friendlyName) {
  // Bodies are built outside the co_await expression (GCC 12 miscompiles array
  // initialisers inside one).
  std::string body = form(Fields{{"FriendlyName", std::string(friendlyName)}});
  auto r = co_await impl_->call(c, "POST", impl_->trunking("/v1/Trunks"), std::move(body));
  if (r.status != 201 && r.status != 200) co_return errorOf(r);
  rapidjson::Document d;
  d.Parse(r.body.data(), r.body.size());
  if (d.HasParseError() || str(d, "sid").empty()) co_return malformed<Trunk>(r, "trunk without sid");
  co_return Trunk{str(d, "sid"), str(d, "friendly_name"), str(d, "domain_name")};
}

awaitable<Outcome<Trunk>> TwilioClient::fetchTrunk(const Credentials& c,
                                                   std::string_view trunkSid) {
  auto r = co_await impl_->call(c, "GET", impl_->trunking("/v1/Trunks/" + std::string(trunkSid)));
  if (r.status != 200) co_return errorOf(r);
  rapidjson::Document d;
  d.Parse(r.body.data(), r.body.size());
  if (d.HasParseError() || str(d, "sid").empty()) co_return malformed<Trunk>(r, "trunk without sid");
  co_return Trunk{str(d, "sid"), str(d, "friendly_name"), str(d, "domain_name")};
}

awaitable<Outcome<bool>> TwilioClient::deleteTrunk(const Credentials& c,
                                                   std::string_view trunkSid) {
  auto r = co_await impl_->call(c, "DELETE", impl_->trunking("/v1/Trunks/" + std::string(trunkSid)));
  if (r.status == 204 || r.status == 200 || r.status == 404) co_return true;
  co_return errorOf(r);
}

awaitable<Outcome<std::string>> TwilioClient::createOriginationUrl(const Credentials& c,
                                                                   std::string_view trunkSid,
                                                                   std::string_view sipUrl,
                                                                   std::string_view friendlyName) {
  std::string body = form(Fields{{"SipUrl", std::string(sipUrl)},
                                 {"Weight", "1"},
                                 {"Priority", "1"},
                                 {"Enabled", "true"},
                                 {"FriendlyName", std::string(friendlyName)}});
  auto r = co_await impl_->call(
      c, "POST", impl_->trunking("/v1/Trunks/" + std::string(trunkSid) + "/OriginationUrls"),
      std::move(body));
  if (r.status != 201 && r.status != 200) co_return errorOf(r);
  rapidjson::Document d;
  d.Parse(r.body.data(), r.body.size());
  std::string sid = d.HasParseError() ? std::string() : str(d, "sid");
  if (sid.empty()) co_return malformed<std::string>(r, "origination URL without sid");
  co_return sid;
}

awaitable<Outcome<IncomingNumber>> TwilioClient::attachNumber(const Credentials& c,
                                                              std::string_view trunkSid,
                                                              std::string_view pnSid) {
  std::string body = form(Fields{{"PhoneNumberSid", std::string(pnSid)}});
  auto r = co_await impl_->call(
      c, "POST", impl_->trunking("/v1/Trunks/" + std::string(trunkSid) + "/PhoneNumbers"),
      std::move(body));
  if (r.status != 201 && r.status != 200) co_return errorOf(r);
  rapidjson::Document d;
  d.Parse(r.body.data(), r.body.size());
  if (d.HasParseError() || !d.IsObject()) {
    co_return malformed<IncomingNumber>(r, "attached number is not JSON");
  }
  co_return numberFrom(d);
}

awaitable<Outcome<bool>> TwilioClient::detachNumber(const Credentials& c,
                                                    std::string_view trunkSid,
                                                    std::string_view pnSid) {
  auto r = co_await impl_->call(c, "DELETE",
                                impl_->trunking("/v1/Trunks/" + std::string(trunkSid) +
                                                "/PhoneNumbers/" + std::string(pnSid)));
  if (r.status == 204 || r.status == 200 || r.status == 404) co_return true;
  co_return errorOf(r);
}

}  // namespace gw::twilio
