#pragma once
// An in-memory twilio::Api for service tests: accounts with their numbers and trunks, and
// failures scripted per operation. It answers at once (no I/O), so a test can set up what
// the emulator cannot do on cue, such as credentials revoked after the second attachment.
// Single-threaded, on the test's io_context.
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "twilio/api.hpp"

namespace gw::import::testing {

class FakeTwilio final : public twilio::Api {
 public:
  // Decides, before an operation runs, whether it fails: the error, or nullopt to go on.
  using Failure = std::function<std::optional<twilio::TwilioError>(const std::string& sid)>;

  explicit FakeTwilio(std::string accountSid) : account_(std::move(accountSid)) {}

  void addNumber(std::string sid, std::string e164) {
    numbers_[sid] = twilio::IncomingNumber{sid, std::move(e164), "", ""};
  }
  std::string addTrunk(std::string sid) {
    trunks_.insert(sid);
    return sid;
  }
  void failAttach(Failure f) { failAttach_ = std::move(f); }
  // From now on only `token` is accepted (until then any token is).
  void rotateToken(std::string token) { token_ = std::move(token); }
  // What the account's owner does in the console: the number leaves its trunk, is released
  // from the account, or goes to another trunk.
  void detachOutside(const std::string& sid) { numbers_.at(sid).trunkSid.clear(); }
  void release(const std::string& sid) { numbers_.erase(sid); }
  void moveOutside(const std::string& sid, const std::string& trunkSid) {
    addTrunk(trunkSid);
    numbers_.at(sid).trunkSid = trunkSid;
  }
  // Attaches `sid` to `trunkSid` directly, as the console does.
  void attachOutside(const std::string& sid, const std::string& trunkSid) {
    numbers_.at(sid).trunkSid = trunkSid;
  }
  // While set, every call fails as if Twilio could not be reached.
  void setUnreachable(bool unreachable) { unreachable_ = unreachable; }
  void clearOriginationUrls(const std::string& trunkSid) { originationUrls_.erase(trunkSid); }
  // An origination URL added in the console.
  void addOriginationUrlOutside(const std::string& trunkSid, std::string sipUrl) {
    char sid[40];
    std::snprintf(sid, sizeof sid, "OU%032zx", originationUrlsMade_++);
    originationUrls_[trunkSid].push_back({sid, std::move(sipUrl), true});
  }
  // Twilio carries out the attachment of `sid` but answers only after the caller's deadline,
  // which cuts the request short.
  void attachOutlastsDeadline(std::string sid) { attachOutlastsDeadline_ = std::move(sid); }
  // While set, Twilio does not answer a detachment: each one waits out its caller's deadline
  // and fails as cut short by it (Twilio may have carried it out or not). Cleared, the
  // detachments still waiting are answered.
  void detachNeverAnswers(bool never) {
    detachNeverAnswers_ = never;
    if (never) return;
    for (auto& w : waitingDetaches_) {
      if (auto timer = w.lock()) timer->cancel();
    }
    waitingDetaches_.clear();
  }
  // While set, creating an origination URL fails with a 500.
  void failCreateOriginationUrl(bool fail) { failCreateOriginationUrl_ = fail; }
  // The SIP URLs of `trunkSid`'s origination URLs, in the order they were made.
  std::vector<std::string> originationSipUrls(const std::string& trunkSid) const {
    std::vector<std::string> out;
    auto it = originationUrls_.find(trunkSid);
    if (it != originationUrls_.end()) {
      for (const auto& u : it->second) out.push_back(u.sipUrl);
    }
    return out;
  }
  // The SIDs on `trunkSid`, in SID order.
  std::vector<std::string> onTrunk(const std::string& trunkSid) const {
    std::vector<std::string> out;
    for (const auto& [sid, n] : numbers_) {
      if (n.trunkSid == trunkSid) out.push_back(sid);
    }
    return out;
  }
  size_t attachCalls() const { return attachCalls_; }
  size_t listOriginationUrlCalls() const { return listOriginationUrlCalls_; }

  size_t concurrency() const override { return 1; }

  boost::asio::awaitable<twilio::Outcome<twilio::Account>> fetchAccount(
      const twilio::Credentials& c) override {
    if (auto e = refused(c)) co_return *e;
    co_return twilio::Account{account_, "fake", "active"};
  }
  boost::asio::awaitable<twilio::Outcome<twilio::IncomingNumber>> fetchNumber(
      const twilio::Credentials& c, std::string_view pnSid) override {
    if (auto e = refused(c)) co_return *e;
    auto it = numbers_.find(std::string(pnSid));
    if (it == numbers_.end()) co_return notFound();
    co_return it->second;
  }
  boost::asio::awaitable<twilio::Outcome<twilio::NumberListing>> listNumbers(
      const twilio::Credentials& c, size_t) override {
    if (auto e = refused(c)) co_return *e;
    twilio::NumberListing l;
    for (const auto& [sid, n] : numbers_) l.numbers.push_back(n);
    l.complete = true;
    l.pages = 1;
    co_return l;
  }
  boost::asio::awaitable<twilio::Outcome<twilio::NumberListing>> listNumberPages(
      const twilio::Credentials& c, size_t, const twilio::NumberPageSink& sink) override {
    if (auto e = refused(c)) co_return *e;
    std::vector<twilio::IncomingNumber> page;
    for (const auto& [sid, n] : numbers_) page.push_back(n);
    twilio::NumberListing l;
    l.pages = 1;
    l.complete = sink(page);
    co_return l;
  }
  boost::asio::awaitable<twilio::Outcome<twilio::Trunk>> createTrunk(
      const twilio::Credentials& c, std::string_view friendlyName) override {
    if (auto e = refused(c)) co_return *e;
    char sid[35];
    std::snprintf(sid, sizeof sid, "TK%032zx", trunks_.size() + 1);
    addTrunk(sid);
    co_return twilio::Trunk{sid, std::string(friendlyName), "fake.pstn.twilio.com"};
  }
  boost::asio::awaitable<twilio::Outcome<twilio::Trunk>> fetchTrunk(
      const twilio::Credentials& c, std::string_view trunkSid) override {
    if (auto e = refused(c)) co_return *e;
    if (!trunks_.count(std::string(trunkSid))) co_return notFound();
    co_return twilio::Trunk{std::string(trunkSid), "fake", "fake.pstn.twilio.com"};
  }
  boost::asio::awaitable<twilio::Outcome<bool>> deleteTrunk(const twilio::Credentials& c,
                                                            std::string_view trunkSid) override {
    if (auto e = refused(c)) co_return *e;
    trunks_.erase(std::string(trunkSid));
    co_return true;
  }
  boost::asio::awaitable<twilio::Outcome<std::string>> createOriginationUrl(
      const twilio::Credentials& c, std::string_view trunkSid, std::string_view sipUrl,
      std::string_view) override {
    if (auto e = refused(c)) co_return *e;
    if (failCreateOriginationUrl_) {
      co_return twilio::TwilioError{500, 20500, "Internal Server Error", {}};
    }
    // The first URL is OU000...0, the next ones count up.
    char sid[40];
    std::snprintf(sid, sizeof sid, "OU%032zx", originationUrlsMade_++);
    originationUrls_[std::string(trunkSid)].push_back({sid, std::string(sipUrl), true});
    co_return std::string(sid);
  }
  boost::asio::awaitable<twilio::Outcome<bool>> deleteOriginationUrl(
      const twilio::Credentials& c, std::string_view trunkSid, std::string_view ouSid) override {
    if (auto e = refused(c)) co_return *e;
    auto& urls = originationUrls_[std::string(trunkSid)];
    std::erase_if(urls, [&](const twilio::OriginationUrl& u) { return u.sid == ouSid; });
    co_return true;
  }
  boost::asio::awaitable<twilio::Outcome<std::vector<twilio::OriginationUrl>>> listOriginationUrls(
      const twilio::Credentials& c, std::string_view trunkSid) override {
    ++listOriginationUrlCalls_;
    if (auto e = refused(c)) co_return *e;
    if (!trunks_.count(std::string(trunkSid))) co_return notFound();
    auto it = originationUrls_.find(std::string(trunkSid));
    co_return it == originationUrls_.end() ? std::vector<twilio::OriginationUrl>{} : it->second;
  }
  boost::asio::awaitable<twilio::Outcome<bool>> attachNumber(const twilio::Credentials& c,
                                                             std::string_view trunkSid,
                                                             std::string_view pnSid) override {
    ++attachCalls_;
    if (auto e = refused(c)) co_return *e;
    if (failAttach_) {
      if (auto e = failAttach_(std::string(pnSid))) co_return *e;
    }
    auto it = numbers_.find(std::string(pnSid));
    if (it == numbers_.end() || !trunks_.count(std::string(trunkSid))) co_return notFound();
    it->second.trunkSid = std::string(trunkSid);
    if (pnSid == attachOutlastsDeadline_) co_return co_await cutShort(c);
    co_return true;
  }
  boost::asio::awaitable<twilio::Outcome<bool>> detachNumber(const twilio::Credentials& c,
                                                             std::string_view trunkSid,
                                                             std::string_view pnSid) override {
    if (auto e = refused(c)) co_return *e;
    if (detachNeverAnswers_) {
      auto wait = std::make_shared<boost::asio::steady_timer>(
          co_await boost::asio::this_coro::executor, c.deadline);
      waitingDetaches_.push_back(wait);
      boost::system::error_code ec;
      co_await wait->async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
      if (detachNeverAnswers_) {
        twilio::TwilioError e{0, 0, "Operation timed out", {}};
        e.deadlinePassed = true;
        co_return e;
      }
    }
    auto it = numbers_.find(std::string(pnSid));
    if (it != numbers_.end() && it->second.trunkSid == trunkSid) it->second.trunkSid.clear();
    co_return true;
  }

  static twilio::TwilioError authFailure() {
    return twilio::TwilioError{401, 20003, "Authenticate", {}};
  }

 private:
  // Waits out the caller's deadline, then fails as cut short by it.
  static boost::asio::awaitable<twilio::TwilioError> cutShort(const twilio::Credentials& c) {
    boost::asio::steady_timer wait(co_await boost::asio::this_coro::executor);
    wait.expires_at(c.deadline);
    co_await wait.async_wait(boost::asio::use_awaitable);
    twilio::TwilioError e{0, 0, "Operation timed out", {}};
    e.deadlinePassed = true;
    co_return e;
  }
  std::optional<twilio::TwilioError> refused(const twilio::Credentials& c) const {
    if (unreachable_) return twilio::TwilioError{0, 0, "Could not connect to server", {}};
    if (c.accountSid != account_ || (!token_.empty() && c.authToken != token_)) {
      return authFailure();
    }
    return std::nullopt;
  }
  static twilio::TwilioError notFound() {
    return twilio::TwilioError{404, 20404, "The requested resource was not found", {}};
  }

  std::string account_;
  std::map<std::string, twilio::IncomingNumber> numbers_;
  std::set<std::string> trunks_;
  std::map<std::string, std::vector<twilio::OriginationUrl>> originationUrls_;
  size_t originationUrlsMade_ = 0;
  bool failCreateOriginationUrl_ = false;
  std::string token_;
  bool unreachable_ = false;
  bool detachNeverAnswers_ = false;
  std::vector<std::weak_ptr<boost::asio::steady_timer>> waitingDetaches_;
  std::string attachOutlastsDeadline_;
  Failure failAttach_;
  size_t attachCalls_ = 0;
  size_t listOriginationUrlCalls_ = 0;
};

}  // namespace gw::import::testing
