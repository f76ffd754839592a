// TwilioClient against a scripted loopback server: the retry policy, deadlines, the circuit
// breaker, the per-account concurrency bound, and what it logs (never the auth token).
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/detached.hpp>

#include <gtest/gtest.h>

#include "common/log.hpp"
#include "tests/twilio/twilio_client_scripted.hpp"

namespace gw::twilio {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace scripted;
using testing::RecordedRequest;
using testing::ScriptedHttpServer;
using testing::ScriptedResponse;

// --- retries ---

TEST_F(TwilioClientScriptedTest, RetriesTooManyRequestsThenSucceeds) {
  server_.enqueue(ScriptedResponse::twilioError(429, 20429, "Too Many Requests"));
  server_.enqueue(ScriptedResponse::json(200, numberJson(kNumber, "+14155550100")));
  auto n = run(client().fetchNumber(creds_, kNumber));
  ASSERT_TRUE(n.ok()) << n.error().describe();
  EXPECT_EQ(client_->stats().requests, 2u);
  EXPECT_EQ(client_->stats().retries, 1u);
  EXPECT_EQ(client_->stats().throttled, 1u);
}

TEST_F(TwilioClientScriptedTest, RetriesServiceUnavailableThenSucceeds) {
  server_.enqueue(ScriptedResponse::twilioError(503, 20503, "Service Unavailable"));
  server_.enqueue(ScriptedResponse::twilioError(500, 20500, "Internal Server Error"));
  server_.enqueue(ScriptedResponse::json(201, numberJson(kNumber, "+14155550100", kTrunk)));
  auto n = run(client().attachNumber(creds_, kTrunk, kNumber));
  ASSERT_TRUE(n.ok()) << n.error().describe();
  EXPECT_EQ(server_.requestCount(), 3u);
  EXPECT_EQ(client_->stats().retries, 2u);
  for (const auto& req : server_.requests()) EXPECT_EQ(req.body, "PhoneNumberSid=" + kNumber);
}

// A create that failed on Twilio's side may still have created the trunk or the URL: it is
// not sent again, or the account could end up with a second trunk nothing refers to.
TEST_F(TwilioClientScriptedTest, CreatesAreNotRepeatedAfterAServerError) {
  server_.setHandler(
      [](const auto&) { return ScriptedResponse::twilioError(503, 20503, "Service Unavailable"); });
  auto c = config();
  c.maxAttempts = 3;
  auto& twilio = client(c);
  auto t = run(twilio.createTrunk(creds_, "gateway lab"));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().httpStatus, 503);
  EXPECT_EQ(server_.requestCount(), 1u);
  auto ou = run(twilio.createOriginationUrl(creds_, kTrunk, "sip:gw.example.com", "gateway"));
  ASSERT_FALSE(ou.ok());
  EXPECT_EQ(server_.requestCount(), 2u);
  EXPECT_EQ(client_->stats().retries, 0u);
}

// 429 says the request was not processed, and a refused connection carried nothing: both
// are safe to repeat, also for a create.
TEST_F(TwilioClientScriptedTest, CreatesAreRepeatedWhenTwilioDidNotProcessThem) {
  server_.enqueue(ScriptedResponse::twilioError(429, 20429, "Too Many Requests"));
  server_.enqueue(ScriptedResponse::json(
      201,
      R"({"sid":")" + kTrunk + R"(","friendly_name":"gw","domain_name":"x.pstn.twilio.com"})"));
  auto t = run(client().createTrunk(creds_, "gw"));
  ASSERT_TRUE(t.ok()) << t.error().describe();
  EXPECT_EQ(server_.requestCount(), 2u);

  auto c = config();
  c.trunkingUrl = "http://127.0.0.1:" + std::to_string(testing::closedLoopbackPort());
  c.maxAttempts = 3;
  auto refused = run(client(c).createTrunk(creds_, "gw"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().httpStatus, 0);
  EXPECT_EQ(client_->stats().requests, 3u);
}

TEST_F(TwilioClientScriptedTest, GivesUpOnServiceUnavailableAfterMaxAttempts) {
  server_.setHandler(
      [](const auto&) { return ScriptedResponse::twilioError(503, 20503, "Service Unavailable"); });
  auto c = config();
  c.maxAttempts = 3;
  auto r = run(client(c).fetchAccount(creds_));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().describe(), "503 20503 Service Unavailable");
  EXPECT_EQ(server_.requestCount(), 3u);
  EXPECT_EQ(client_->stats().requests, 3u);
  EXPECT_EQ(client_->stats().retries, 2u);
}

TEST_F(TwilioClientScriptedTest, HonoursRetryAfterSeconds) {
  auto throttled = ScriptedResponse::twilioError(429, 20429, "Too Many Requests");
  throttled.headers.emplace_back("Retry-After", "1");
  server_.enqueue(throttled);
  server_.enqueue(ScriptedResponse::json(200, R"({"sid":")" + kAccount + R"("})"));
  auto a = run(client().fetchAccount(creds_));  // jitter alone would wait at most 5 ms
  ASSERT_TRUE(a.ok()) << a.error().describe();
  auto seen = server_.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_GE(seen[1].received - seen[0].received, 900ms);
}

TEST_F(TwilioClientScriptedTest, CapsAnExcessiveRetryAfter) {
  auto throttled = ScriptedResponse::twilioError(429, 20429, "Too Many Requests");
  throttled.headers.emplace_back("Retry-After", "86400");
  server_.enqueue(throttled);
  server_.enqueue(ScriptedResponse::json(200, R"({"sid":")" + kAccount + R"("})"));
  auto c = config();
  c.retryAfterCap = 20ms;  // without the cap this test would wait a day
  auto a = run(client(c).fetchAccount(creds_));
  ASSERT_TRUE(a.ok()) << a.error().describe();
  auto seen = server_.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_GE(seen[1].received - seen[0].received, 20ms);
}

// A Retry-After holds back every request of the account, not only the refused one: a
// request whose deadline comes before the pause ends fails without being sent. Another
// account is not held back.
TEST_F(TwilioClientScriptedTest, RetryAfterPausesTheWholeAccount) {
  auto throttled = ScriptedResponse::twilioError(429, 20429, "Too Many Requests");
  throttled.headers.emplace_back("Retry-After", "30");
  server_.enqueue(throttled);
  server_.enqueue(ScriptedResponse::json(200, R"({"sid":")" + kOtherAccount + R"("})"));
  auto& twilio = client();
  Credentials soon = creds_;
  soon.deadline = std::chrono::steady_clock::now() + 10s;
  auto first = run(twilio.fetchAccount(soon));
  ASSERT_FALSE(first.ok());
  EXPECT_TRUE(first.error().deadlinePassed) << first.error().describe();
  auto second = run(twilio.fetchAccount(soon));
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(second.error().deadlinePassed) << second.error().describe();
  EXPECT_EQ(server_.requestCount(), 1u) << "a request went out during the pause";

  Credentials other{kOtherAccount, kToken};
  other.deadline = soon.deadline;
  auto third = run(twilio.fetchAccount(other));
  ASSERT_TRUE(third.ok()) << third.error().describe();
  EXPECT_EQ(server_.requestCount(), 2u);
}

// A call that waited for one of the account's slots until its deadline was never sent:
// the error says so, and the import then knows that Twilio cannot have carried it out. A
// call cut short in flight may have been.
TEST_F(TwilioClientScriptedTest, SaysWhetherACallPastItsDeadlineWasSent) {
  server_.setHandler([](const RecordedRequest&) {
    auto r = ScriptedResponse::json(200, numberJson(kNumber, "+14155550100"));
    r.delay = 1s;
    return r;
  });
  auto c = config();
  c.concurrency = 1;
  auto& twilio = client(c);
  // The first call holds the account's only slot for a second (no deadline of its own);
  // the second waits for it with a deadline of 200 ms.
  Credentials soon = creds_;
  soon.deadline = std::chrono::steady_clock::now() + 200ms;
  std::optional<Outcome<IncomingNumber>> first, second;
  asio::co_spawn(
      io_,
      [&]() -> asio::awaitable<void> {
        first.emplace(co_await twilio.fetchNumber(creds_, kNumber));
      },
      asio::detached);
  asio::co_spawn(
      io_,
      [&]() -> asio::awaitable<void> {
        second.emplace(co_await twilio.fetchNumber(soon, kNumber));
      },
      asio::detached);
  ASSERT_TRUE(testing::runUntil(io_, [&] { return first && second; }));
  ASSERT_TRUE(first->ok()) << first->error().describe();
  ASSERT_FALSE(second->ok());
  EXPECT_TRUE(second->error().deadlinePassed);
  EXPECT_TRUE(second->error().notSent) << "the second call never had a slot";
  EXPECT_EQ(server_.requestCount(), 1u);

  // A call the server received and the deadline cut short may have been carried out.
  Credentials brief = creds_;
  brief.deadline = std::chrono::steady_clock::now() + 300ms;
  auto third = run(twilio.fetchNumber(brief, kNumber));
  ASSERT_FALSE(third.ok());
  EXPECT_TRUE(third.error().deadlinePassed);
  if (server_.requestCount() == 2u) {
    EXPECT_FALSE(third.error().notSent) << "the server received it";
  }
}

// A 429 lowers the account's bound (the scrape's gateway_twilio_concurrency_limit); a 20429
// under another status counts as one too. Answers that are no refusal raise it again only
// with the bound in full use.
TEST_F(TwilioClientScriptedTest, A429LowersTheAccountsBound) {
  server_.enqueue(ScriptedResponse::twilioError(429, 20429, "Too Many Requests"));
  server_.enqueue(ScriptedResponse::json(200, R"({"sid":")" + kAccount + R"("})"));
  auto c = config();
  c.concurrency = 8;
  c.maxConcurrency = 32;
  auto& twilio = client(c);
  EXPECT_EQ(twilio.concurrency(), 32u);  // callers' fan-out: the most the bound can reach
  EXPECT_EQ(twilio.concurrencyLimit(kAccount), 8u);
  auto a = run(twilio.fetchAccount(creds_));
  ASSERT_TRUE(a.ok()) << a.error().describe();
  // Refused with one request in flight, the bound fell to 1; the retry's answer, with that
  // bound in full use, was a window at 1 and raised it by one.
  EXPECT_EQ(twilio.concurrencyLimit(kAccount), 2u);
  EXPECT_EQ(twilio.concurrencyLimit(kOtherAccount), 8u);
  EXPECT_EQ(twilio.stats().throttled, 1u);

  server_.enqueue(ScriptedResponse::twilioError(400, 20429, "Too Many Requests"));
  Credentials other{kOtherAccount, kToken};
  auto b = run(twilio.fetchAccount(other));
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(twilio.concurrencyLimit(kOtherAccount), 1u);
  EXPECT_EQ(twilio.stats().throttled, 2u);
}

TEST_F(TwilioClientScriptedTest, RetriesNetworkErrors) {
  auto c = config();
  c.apiUrl = "http://127.0.0.1:" + std::to_string(testing::closedLoopbackPort());
  c.maxAttempts = 3;
  auto r = run(client(c).fetchAccount(creds_));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().httpStatus, 0);
  EXPECT_EQ(r.error().describe().rfind("no response from Twilio (", 0), 0u) << r.error().describe();
  EXPECT_EQ(r.error().describe().find(kToken), std::string::npos);
  EXPECT_EQ(client_->stats().requests, 3u);
}

TEST_F(TwilioClientScriptedTest, TimesOutSlowAnswersAndRetries) {
  server_.setHandler([](const auto&) {
    auto r = ScriptedResponse::json(200, "{}");
    r.delay = 30s;
    return r;
  });
  auto c = config();
  c.requestTimeout = 100ms;
  c.maxAttempts = 2;
  auto r = run(client(c).fetchAccount(creds_));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().httpStatus, 0);
  EXPECT_EQ(client_->stats().requests, 2u);
  EXPECT_TRUE(server_.waitForRequests(2, 5s));
}

TEST_F(TwilioClientScriptedTest, AnOpenBreakerFailsTheAccountsRequestsWithoutSendingThem) {
  auto c = config();
  c.apiUrl = "http://127.0.0.1:" + std::to_string(testing::closedLoopbackPort());
  c.maxAttempts = 4;
  c.breaker = BreakerOptions{3, std::chrono::hours(1)};
  auto first = run(client(c).fetchAccount(creds_));
  ASSERT_FALSE(first.ok());
  EXPECT_TRUE(first.error().circuitOpen) << first.error().describe();  // 4th attempt refused
  EXPECT_EQ(client_->stats().requests, 3u);

  auto second = run(client_->fetchAccount(creds_));
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(second.error().circuitOpen);
  EXPECT_EQ(second.error().describe().rfind("Twilio is unreachable for account " + kAccount, 0), 0u)
      << second.error().describe();
  EXPECT_EQ(second.error().describe().find(kToken), std::string::npos);
  EXPECT_EQ(client_->stats().requests, 3u);
  EXPECT_EQ(client_->stats().failedFast, 2u);

  // Another account has its own breaker.
  Credentials other{kOtherAccount, kToken};
  auto third = run(client_->fetchAccount(other));
  ASSERT_FALSE(third.ok());
  EXPECT_GT(client_->stats().requests, 3u);
}

TEST_F(TwilioClientScriptedTest, CutsARequestShortAtTheCallersDeadline) {
  server_.setHandler([](const auto&) {
    auto r = ScriptedResponse::json(200, "{}");
    r.delay = 30s;
    return r;
  });
  auto c = config();
  c.requestTimeout = 10s;
  c.maxAttempts = 4;
  Credentials creds = creds_;
  creds.deadline = std::chrono::steady_clock::now() + 200ms;
  auto r = run(client(c).fetchAccount(creds));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().deadlinePassed) << r.error().describe();
  EXPECT_LT(std::chrono::steady_clock::now(), creds.deadline + 5s);  // not the 10 s timeout
  EXPECT_EQ(client_->stats().requests, 1u);
}

TEST_F(TwilioClientScriptedTest, StopsRetryingOnceTheHttpClientIsShutDown) {
  curl_.shutdown();
  auto r = run(client().fetchAccount(creds_));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().httpStatus, 0);
  EXPECT_EQ(client_->stats().requests, 1u);
  EXPECT_EQ(server_.requestCount(), 0u);
}

// --- concurrency ---

TEST_F(TwilioClientScriptedTest, BoundsRequestsInFlightPerAccount) {
  server_.setHandler([](const RecordedRequest& req) {
    auto r = ScriptedResponse::json(200, numberJson(kNumber, "+14155550100"));
    r.delay = 20ms;
    (void)req;
    return r;
  });
  auto c = config();
  c.concurrency = 3;
  auto& twilio = client(c);
  size_t done = 0, failed = 0;
  for (int i = 0; i < 30; ++i) {
    asio::co_spawn(
        io_,
        [&]() -> asio::awaitable<void> {
          auto n = co_await twilio.fetchNumber(creds_, kNumber);
          if (!n.ok()) ++failed;
          ++done;
        },
        asio::detached);
  }
  ASSERT_TRUE(testing::runUntil(io_, [&] { return done == 30; }));
  EXPECT_EQ(failed, 0u);
  EXPECT_LE(server_.maxInFlight(), 3u);
  EXPECT_GE(server_.maxInFlight(), 2u);  // and they did run side by side
}

TEST_F(TwilioClientScriptedTest, TheBoundIsPerAccount) {
  server_.setHandler([](const auto&) {
    auto r = ScriptedResponse::json(200, numberJson(kNumber, "+14155550100"));
    r.delay = 50ms;
    return r;
  });
  auto c = config();
  c.concurrency = 2;
  auto& twilio = client(c);
  size_t done = 0;
  const Credentials accounts[] = {creds_, {kOtherAccount, kToken}};
  for (int i = 0; i < 20; ++i) {
    asio::co_spawn(
        io_,
        [&, who = accounts[i % 2]]() -> asio::awaitable<void> {
          (void)co_await twilio.fetchNumber(who, kNumber);
          ++done;
        },
        asio::detached);
  }
  ASSERT_TRUE(testing::runUntil(io_, [&] { return done == 20; }));
  EXPECT_LE(server_.maxInFlight(), 4u);
  EXPECT_GE(server_.maxInFlight(), 3u);  // one account's bound does not hold the other back
}

// --- secrets ---

TEST_F(TwilioClientScriptedTest, NeverLogsTheAuthToken) {
  server_.enqueue(ScriptedResponse::twilioError(503, 20503, "Service Unavailable"));
  server_.enqueue(ScriptedResponse::twilioError(429, 20429, "Too Many Requests"));
  server_.enqueue(ScriptedResponse::twilioError(401, 20003, "Authenticate"));
  const auto previous = log::level();
  log::setLevel(log::Level::kDebug);
  ::testing::internal::CaptureStderr();
  auto r = run(client().fetchAccount(creds_));
  auto c = config();
  c.apiUrl = "http://127.0.0.1:" + std::to_string(testing::closedLoopbackPort());
  c.maxAttempts = 2;
  auto offline = run(client(c).fetchAccount(creds_));
  std::string logged = ::testing::internal::GetCapturedStderr();
  log::setLevel(previous);
  ASSERT_FALSE(r.ok());
  ASSERT_FALSE(offline.ok());
  EXPECT_NE(logged.find("attempt"), std::string::npos) << "retries should be logged at debug";
  EXPECT_EQ(logged.find(kToken), std::string::npos);
  EXPECT_EQ(r.error().describe().find(kToken), std::string::npos);
  EXPECT_EQ(offline.error().describe().find(kToken), std::string::npos);
}

// One warn line per failed operation, with the operation, Twilio's status and code and the
// request id; a retry that then succeeds is no failure and writes no such line.
TEST_F(TwilioClientScriptedTest, LogsEachFailedOperationOnce) {
  server_.enqueue(ScriptedResponse::twilioError(503, 20503, "Service Unavailable"));
  server_.enqueue(ScriptedResponse::json(200, numberJson(kNumber, "+14155550100")));
  server_.enqueue(ScriptedResponse::twilioError(404, 20404, "Not Found"));
  Credentials creds = creds_;
  creds.requestId = "req-7";
  ::testing::internal::CaptureStderr();
  auto found = run(client().fetchNumber(creds, kNumber));
  auto missing = run(client().fetchNumber(creds, kNumber));
  std::string logged = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(found.ok());
  ASSERT_FALSE(missing.ok());
  const std::string line =
      "warn twilio: Twilio fetch_number failed: 404 20404 Not Found operation=fetch_number "
      "status=404 code=20404 request_id=req-7 account_sid=" +
      std::string(kAccount) + " reason=http\n";
  EXPECT_NE(logged.find(line), std::string::npos) << logged;
  size_t failures = 0;
  for (size_t at = logged.find("failed:"); at != std::string::npos;
       at = logged.find("failed:", at + 1)) {
    ++failures;
  }
  EXPECT_EQ(failures, 1u) << logged;
  EXPECT_EQ(logged.find(kToken), std::string::npos);
}

}  // namespace
}  // namespace gw::twilio
