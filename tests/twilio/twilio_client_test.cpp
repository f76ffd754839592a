#include "twilio/twilio_client.hpp"

#include <set>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <gtest/gtest.h>

#include "async/task_group.hpp"
#include "tests/tools/twilio_emulator/emulator_harness.hpp"

namespace gw::twilio {
namespace {

namespace asio = boost::asio;
using emulator::testing::EmulatorHarness;
using emulator::testing::kAccountA;
using emulator::testing::kTokenA;

// Runs the client on the test thread's io_context against an emulator on its own thread.
class TwilioClientTest : public ::testing::Test {
 protected:
  void start(emulator::Options options, TwilioConfig config = {}) {
    harness_ = std::make_unique<EmulatorHarness>(std::move(options));
    config.apiUrl = harness_->url("");
    config.trunkingUrl = harness_->url("");
    config.backoffBase = std::chrono::milliseconds(1);
    config.backoffCap = std::chrono::milliseconds(5);
    curl_ = std::make_unique<CurlClient>(io_);
    client_ = std::make_unique<TwilioClient>(io_, *curl_, config);
  }

  template <typename T>
  T run(asio::awaitable<T> task) {
    std::optional<T> result;
    std::exception_ptr error;
    asio::co_spawn(
        io_,
        [&result, t = std::move(task)]() mutable -> asio::awaitable<void> {
          result.emplace(co_await std::move(t));
        },
        [&](std::exception_ptr e) { error = e; });
    io_.restart();
    io_.run();
    if (error) std::rethrow_exception(error);
    return std::move(*result);
  }

  rapidjson::Document emulatorStats() { return harness_->get("/emulator/stats").json(); }

  static emulator::Options options(uint64_t numbers = 5) {
    auto o = emulator::testing::defaultTestOptions();
    o.numbersPerAccount = numbers;
    return o;
  }

  Credentials creds_{kAccountA, kTokenA};
  asio::io_context io_;
  std::unique_ptr<EmulatorHarness> harness_;
  std::unique_ptr<CurlClient> curl_;
  std::unique_ptr<TwilioClient> client_;
};

TEST_F(TwilioClientTest, FetchesAccountAndNumber) {
  start(options());
  auto account = run(client_->fetchAccount(creds_));
  ASSERT_TRUE(account.ok()) << account.error().describe();
  EXPECT_EQ(account->sid, kAccountA);

  std::string sid = harness_->numberSids().front();
  auto number = run(client_->fetchNumber(creds_, sid));
  ASSERT_TRUE(number.ok()) << number.error().describe();
  EXPECT_EQ(number->sid, sid);
  EXPECT_EQ(number->phoneNumber.front(), '+');
  EXPECT_FALSE(number->friendlyName.empty());
  EXPECT_TRUE(number->trunkSid.empty());
}

TEST_F(TwilioClientTest, NotFoundIsReportedWithTwilioCodeAndNotRetried) {
  start(options());
  auto number = run(client_->fetchNumber(creds_, "PN" + std::string(32, '0')));
  ASSERT_FALSE(number.ok());
  EXPECT_TRUE(number.error().isNotFound());
  EXPECT_EQ(number.error().code, 20404);
  EXPECT_EQ(number.error().describe().rfind("404 20404 ", 0), 0u) << number.error().describe();
  EXPECT_EQ(client_->stats().requests, 1u);
}

TEST_F(TwilioClientTest, WrongTokenIsAnAuthFailure) {
  start(options());
  auto account = run(client_->fetchAccount({kAccountA, std::string(32, 'f')}));
  ASSERT_FALSE(account.ok());
  EXPECT_TRUE(account.error().isAuthFailure());
  EXPECT_EQ(account.error().code, 20003);
  EXPECT_EQ(account.error().describe().find(std::string(32, 'f')), std::string::npos);
}

TEST_F(TwilioClientTest, ListsEveryNumberAcrossPages) {
  TwilioConfig config;
  config.pageSize = 100;
  start(options(250), config);
  auto listing = run(client_->listNumbers(creds_, 100));
  ASSERT_TRUE(listing.ok()) << listing.error().describe();
  EXPECT_TRUE(listing->complete);
  EXPECT_EQ(listing->pages, 3u);
  std::set<std::string> sids;
  for (const auto& n : listing->numbers) sids.insert(n.sid);
  EXPECT_EQ(sids.size(), 250u);
  auto all = harness_->numberSids();
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()), sids);
}

TEST_F(TwilioClientTest, ListingStopsAtThePageBudget) {
  TwilioConfig config;
  config.pageSize = 100;
  start(options(250), config);
  auto listing = run(client_->listNumbers(creds_, 2));
  ASSERT_TRUE(listing.ok());
  EXPECT_FALSE(listing->complete);
  EXPECT_EQ(listing->pages, 2u);
  EXPECT_EQ(listing->numbers.size(), 200u);
}

TEST_F(TwilioClientTest, CreatesTrunkAttachesAndDetachesANumber) {
  start(options());
  auto trunk = run(client_->createTrunk(creds_, "gateway test"));
  ASSERT_TRUE(trunk.ok()) << trunk.error().describe();
  EXPECT_EQ(trunk->sid.substr(0, 2), "TK");
  auto fetched = run(client_->fetchTrunk(creds_, trunk->sid));
  ASSERT_TRUE(fetched.ok());
  EXPECT_EQ(fetched->friendlyName, "gateway test");

  // '+' in a form value must arrive as '+', so it is sent as %2B.
  auto ou =
      run(client_->createOriginationUrl(creds_, trunk->sid, "sip:+14155550100@gw.test", "gateway"));
  ASSERT_TRUE(ou.ok()) << ou.error().describe();
  auto urls = harness_->get("/v1/Trunks/" + trunk->sid + "/OriginationUrls").json();
  ASSERT_TRUE(urls.HasMember("origination_urls"));
  EXPECT_STREQ(urls["origination_urls"][0]["sip_url"].GetString(), "sip:+14155550100@gw.test");

  std::string sid = harness_->numberSids().front();
  auto attached = run(client_->attachNumber(creds_, trunk->sid, sid));
  ASSERT_TRUE(attached.ok()) << attached.error().describe();
  EXPECT_EQ(run(client_->fetchNumber(creds_, sid))->trunkSid, trunk->sid);

  auto again = run(client_->attachNumber(creds_, trunk->sid, sid));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().httpStatus, 409);

  EXPECT_TRUE(run(client_->detachNumber(creds_, trunk->sid, sid)).ok());
  EXPECT_TRUE(run(client_->fetchNumber(creds_, sid))->trunkSid.empty());
  EXPECT_TRUE(run(client_->detachNumber(creds_, trunk->sid, sid)).ok());  // 404 counts as done
  EXPECT_TRUE(run(client_->deleteTrunk(creds_, trunk->sid)).ok());
  EXPECT_FALSE(run(client_->fetchTrunk(creds_, trunk->sid)).ok());
}

TEST_F(TwilioClientTest, RetriesInjectedServerErrorsUntilTheyPass) {
  auto o = options(20);
  o.errorRate = 0.4;
  o.seed = 7;
  TwilioConfig config;
  config.maxAttempts = 12;
  start(o, config);
  auto sids = harness_->numberSids();
  size_t ok = run([&]() -> asio::awaitable<size_t> {
    size_t good = 0;
    for (const auto& sid : sids) {
      auto r = co_await client_->fetchNumber(creds_, sid);
      if (r.ok()) ++good;
    }
    co_return good;
  }());
  EXPECT_EQ(ok, sids.size());
  EXPECT_GT(client_->stats().retries, 0u);
  EXPECT_EQ(client_->stats().requests, sids.size() + client_->stats().retries);
}

TEST_F(TwilioClientTest, GivesUpAfterMaxAttempts) {
  auto o = options();
  o.errorRate = 1.0;
  TwilioConfig config;
  config.maxAttempts = 3;
  start(o, config);
  auto r = run(client_->fetchAccount(creds_));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().httpStatus == 500 || r.error().httpStatus == 503) << r.error().describe();
  EXPECT_EQ(client_->stats().requests, 3u);
}

TEST_F(TwilioClientTest, HonoursRetryAfterOnTooManyRequests) {
  auto o = options();
  o.maxConcurrency = 1;  // the second of two concurrent requests gets 429
  o.latency = std::chrono::milliseconds(200);
  o.retryAfterSeconds = 1;
  TwilioConfig config;
  config.concurrency = 2;
  start(o, config);
  auto started = std::chrono::steady_clock::now();
  size_t failed = run([&]() -> asio::awaitable<size_t> {
    size_t bad = 0;
    co_await async::forEachConcurrently(2, 2, [&](size_t) -> asio::awaitable<void> {
      auto r = co_await client_->fetchAccount(creds_);
      if (!r.ok()) ++bad;
    });
    co_return bad;
  }());
  EXPECT_EQ(failed, 0u);
  EXPECT_GE(client_->stats().retries, 1u);
  // The jittered backoff alone is capped at 5 ms here: only Retry-After explains a second.
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(1000));
}

TEST_F(TwilioClientTest, ConcurrencyStaysWithinTheAccountBound) {
  auto o = options(40);
  o.latency = std::chrono::milliseconds(30);
  o.maxConcurrency = 4;  // the emulator answers 429 beyond this
  TwilioConfig config;
  config.concurrency = 4;
  config.maxAttempts = 1;  // a 429 would show up as a failure
  start(o, config);
  auto sids = harness_->numberSids();
  size_t failures = run([&]() -> asio::awaitable<size_t> {
    size_t failed = 0;
    co_await async::forEachConcurrently(sids.size(), sids.size(),
                                         [&](size_t i) -> asio::awaitable<void> {
                                           auto r = co_await client_->fetchNumber(creds_, sids[i]);
                                           if (!r.ok()) ++failed;
                                         });
    co_return failed;
  }());
  EXPECT_EQ(failures, 0u);
  auto stats = emulatorStats();
  EXPECT_LE(stats["inFlightMax"].GetUint(), 4u);
  EXPECT_GE(stats["inFlightMax"].GetUint(), 2u);  // and they did run concurrently
}

TEST_F(TwilioClientTest, NetworkFailuresAreReportedWithoutAStatus) {
  start(options());
  TwilioConfig config;
  config.apiUrl = "http://127.0.0.1:1";  // nothing listens on port 1
  config.maxAttempts = 2;
  config.backoffBase = std::chrono::milliseconds(1);
  TwilioClient offline(io_, *curl_, config);
  auto r = run(offline.fetchAccount(creds_));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().httpStatus, 0);
  EXPECT_EQ(r.error().describe().rfind("no response from Twilio", 0), 0u);
  EXPECT_EQ(offline.stats().requests, 2u);
}

TEST_F(TwilioClientTest, SlowAnswersTimeOut) {
  auto o = options();
  o.latency = std::chrono::milliseconds(1500);
  TwilioConfig config;
  config.requestTimeout = std::chrono::milliseconds(200);
  config.maxAttempts = 1;
  start(o, config);
  auto r = run(client_->fetchAccount(creds_));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().httpStatus, 0);
}

TEST_F(TwilioClientTest, ReusesConnectionsAcrossRequests) {
  start(options(30));
  auto sids = harness_->numberSids();
  run([&]() -> asio::awaitable<int> {
    for (const auto& sid : sids) (void)co_await client_->fetchNumber(creds_, sid);
    co_return 0;
  }());
  // Thirty sequential requests: the emulator saw one keep-alive connection, not thirty.
  size_t connections = harness_->emulator().connectionCount();
  EXPECT_LE(connections, 2u);
}

}  // namespace
}  // namespace gw::twilio
