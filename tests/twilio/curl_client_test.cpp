#include "twilio/curl_client.hpp"

#include <optional>
#include <string>
#include <vector>

#include <boost/asio/detached.hpp>

#include <gtest/gtest.h>

#include "tests/async/io_runner.hpp"
#include "tests/twilio/scripted_http_server.hpp"

namespace gw::twilio {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using testing::ScriptedHttpServer;
using testing::ScriptedResponse;

std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(v >> shift) & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

class CurlClientTest : public ::testing::Test {
 protected:
  HttpRequest get(std::string_view path) {
    HttpRequest r;
    r.url = server_.url(path);
    return r;
  }

  HttpResponse send(HttpRequest r) {
    return testing::runToCompletion(io_, client_->send(std::move(r)));
  }

  // Starts one transfer per request without waiting; results fill in as they complete.
  void startAll(std::vector<HttpRequest> requests, std::vector<std::optional<HttpResponse>>& out) {
    out.assign(requests.size(), std::nullopt);
    for (size_t i = 0; i < requests.size(); ++i) {
      asio::co_spawn(
          io_,
          [this, &out, i, r = std::move(requests[i])]() mutable -> asio::awaitable<void> {
            out[i] = co_await client_->send(std::move(r));
          },
          asio::detached);
    }
  }

  static bool allDone(const std::vector<std::optional<HttpResponse>>& results) {
    for (const auto& r : results) {
      if (!r) return false;
    }
    return true;
  }

  ScriptedHttpServer server_;
  asio::io_context io_;
  std::unique_ptr<CurlClient> client_ = std::make_unique<CurlClient>(io_);
};

TEST_F(CurlClientTest, GetReturnsStatusHeadersAndBody) {
  auto canned = ScriptedResponse::json(200, R"({"ok":true})");
  canned.headers.emplace_back("Twilio-Request-Duration", "0.012");
  server_.enqueue(canned);
  HttpResponse r = send(get("/things?PageSize=2"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"ok":true})");
  EXPECT_TRUE(r.networkError.empty());
  ASSERT_NE(r.header("twilio-request-duration"), nullptr);
  EXPECT_EQ(*r.header("twilio-request-duration"), "0.012");
  ASSERT_NE(r.header("content-type"), nullptr);
  EXPECT_EQ(*r.header("content-type"), "application/json");

  auto seen = server_.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].target, "/things?PageSize=2");
  EXPECT_TRUE(seen[0].body.empty());
}

TEST_F(CurlClientTest, PostSendsTheBodyAndHeadersAsGiven) {
  server_.enqueue(ScriptedResponse::json(201, R"({"sid":"TK1"})"));
  HttpRequest r = get("/v1/Trunks");
  r.method = "POST";
  r.body = "FriendlyName=a%2Bb&Weight=1";
  r.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  HttpResponse resp = send(r);
  EXPECT_EQ(resp.status, 201);

  auto seen = server_.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].body, "FriendlyName=a%2Bb&Weight=1");
  ASSERT_NE(seen[0].header("content-type"), nullptr);
  EXPECT_EQ(*seen[0].header("content-type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(seen[0].header("expect"), nullptr);
}

TEST_F(CurlClientTest, DeleteUsesTheMethodAndAcceptsNoContent) {
  ScriptedResponse none;
  none.status = 204;
  server_.enqueue(none);
  HttpRequest r = get("/v1/Trunks/TK1/PhoneNumbers/PN1");
  r.method = "DELETE";
  HttpResponse resp = send(r);
  EXPECT_EQ(resp.status, 204);
  EXPECT_TRUE(resp.body.empty());
  ASSERT_EQ(server_.requestCount(), 1u);
  EXPECT_EQ(server_.requests()[0].method, "DELETE");
}

TEST_F(CurlClientTest, SendsBasicAuthorization) {
  server_.enqueue(ScriptedResponse::json(200, "{}"));
  HttpRequest r = get("/");
  r.basicUser = "AC0123";
  r.basicPassword = "s3cret:with+chars";
  ASSERT_EQ(send(r).status, 200);
  auto seen = server_.requests();
  ASSERT_EQ(seen.size(), 1u);
  ASSERT_NE(seen[0].header("authorization"), nullptr);
  EXPECT_EQ(*seen[0].header("authorization"), "Basic " + base64("AC0123:s3cret:with+chars"));
}

// Easy handles are pooled (curl_easy_reset on return): nothing of one request (method,
// body, credentials, headers) may reach the next one, which may be for another account.
TEST_F(CurlClientTest, PooledHandlesCarryNothingOverToTheNextRequest) {
  server_.setHandler([](const testing::RecordedRequest&) {
    return ScriptedResponse::json(200, R"({"ok":true})");
  });
  HttpRequest first = get("/first");
  first.method = "POST";
  first.body = "PhoneNumberSid=PN1";
  first.basicUser = "ACone";
  first.basicPassword = "secret-one";
  first.headers.emplace_back("X-Account", "one");
  first.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  HttpRequest second = get("/second");  // no credentials, no headers
  HttpRequest third = get("/third");
  third.method = "DELETE";
  third.basicUser = "ACtwo";
  third.basicPassword = "secret-two";
  HttpRequest fourth = get("/fourth");
  fourth.headers.emplace_back("X-Account", "four");
  for (HttpRequest* r : {&first, &second, &third, &fourth}) EXPECT_EQ(send(*r).status, 200);

  auto seen = server_.requests();
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].method, "POST");
  ASSERT_NE(seen[0].header("authorization"), nullptr);
  EXPECT_EQ(*seen[0].header("authorization"), "Basic " + base64("ACone:secret-one"));
  ASSERT_NE(seen[0].header("x-account"), nullptr);
  EXPECT_EQ(*seen[0].header("x-account"), "one");

  EXPECT_EQ(seen[1].method, "GET");
  EXPECT_TRUE(seen[1].body.empty());
  EXPECT_EQ(seen[1].header("authorization"), nullptr);
  EXPECT_EQ(seen[1].header("x-account"), nullptr);
  EXPECT_EQ(seen[1].header("content-type"), nullptr);

  EXPECT_EQ(seen[2].method, "DELETE");
  ASSERT_NE(seen[2].header("authorization"), nullptr);
  EXPECT_EQ(*seen[2].header("authorization"), "Basic " + base64("ACtwo:secret-two"));
  EXPECT_EQ(seen[2].header("x-account"), nullptr);

  EXPECT_EQ(seen[3].method, "GET");
  EXPECT_EQ(seen[3].header("authorization"), nullptr);
  ASSERT_NE(seen[3].header("x-account"), nullptr);
  EXPECT_EQ(*seen[3].header("x-account"), "four");
  EXPECT_EQ(server_.connectionCount(), 1u);  // the connection itself is still reused
}

// The curl timer is left armed while transfers come and go, but an idle client must leave
// no pending wait behind: io_context::run() would not return until it expired.
TEST_F(CurlClientTest, AnIdleClientLeavesNoPendingWork) {
  server_.enqueue(ScriptedResponse::json(200, "{}"));
  HttpRequest r = get("/once");
  r.timeout = 1h;
  EXPECT_EQ(send(r).status, 200);
  io_.restart();
  io_.poll();
  EXPECT_TRUE(io_.stopped());  // poll() stops the context only when no work is left
}

// The curl timer is only re-armed when curl's deadline comes earlier; a request timeout that
// lies behind an armed (later) deadline must still fire.
TEST_F(CurlClientTest, ShortTimeoutFiresBehindALongerOne) {
  server_.setHandler([](const testing::RecordedRequest& req) {
    auto r = ScriptedResponse::json(200, "{}");
    r.holdUntil = [] { return false; };  // never answered before the hold limit
    r.holdLimit = req.target == "/long" ? 20s : 10s;
    return r;
  });
  HttpRequest slow = get("/long");
  slow.timeout = 15s;
  HttpRequest quick = get("/short");
  quick.timeout = 200ms;
  std::vector<std::optional<HttpResponse>> results;
  startAll({slow, quick}, results);
  ASSERT_TRUE(testing::runUntil(
      io_, [&] { return results[1].has_value(); }, 5s));
  EXPECT_EQ(results[1]->status, 0);
  EXPECT_EQ(results[1]->curlCode, 28);  // CURLE_OPERATION_TIMEDOUT
  EXPECT_FALSE(results[0].has_value());
  client_->shutdown();
  ASSERT_TRUE(testing::runUntil(
      io_, [&] { return allDone(results); }, 5s));
}

TEST_F(CurlClientTest, ReusesOneConnectionForSequentialRequests) {
  server_.setHandler([](const auto&) { return ScriptedResponse::json(200, "{}"); });
  for (int i = 0; i < 50; ++i) ASSERT_EQ(send(get("/seq")).status, 200);
  EXPECT_EQ(server_.connectionCount(), 1u);
  EXPECT_EQ(client_->stats().connectionsOpened, 1u);
  EXPECT_EQ(client_->stats().transfers, 50u);
}

TEST_F(CurlClientTest, ConcurrentRequestsShareAFewConnections) {
  CurlOptions options;
  options.maxHostConnections = 4;
  client_ = std::make_unique<CurlClient>(io_, options);
  server_.setHandler([](const auto&) {
    auto r = ScriptedResponse::json(200, "{}");
    r.delay = 2ms;
    return r;
  });
  for (int round = 0; round < 5; ++round) {
    std::vector<std::optional<HttpResponse>> results;
    startAll(std::vector<HttpRequest>(20, get("/concurrent")), results);
    ASSERT_TRUE(testing::runUntil(io_, [&] { return allDone(results); }));
    for (const auto& r : results) EXPECT_EQ(r->status, 200) << r->networkError;
  }
  EXPECT_EQ(server_.requestCount(), 100u);
  EXPECT_LE(server_.connectionCount(), 4u);
  EXPECT_GE(server_.maxInFlight(), 2u);  // they did overlap
}

TEST_F(CurlClientTest, TwoHundredConcurrentTransfersAllComplete) {
  server_.setHandler([](const testing::RecordedRequest& req) {
    auto r = ScriptedResponse::json(200, req.target);
    r.delay = 1ms;
    return r;
  });
  std::vector<HttpRequest> requests;
  for (int i = 0; i < 200; ++i) requests.push_back(get("/n/" + std::to_string(i)));
  std::vector<std::optional<HttpResponse>> results;
  startAll(requests, results);
  ASSERT_TRUE(testing::runUntil(io_, [&] { return allDone(results); }));
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(results[i]->status, 200) << results[i]->networkError;
    EXPECT_EQ(results[i]->body, "/n/" + std::to_string(i));  // each got its own answer
  }
  EXPECT_LE(server_.connectionCount(), 64u);  // CurlOptions::maxHostConnections
  EXPECT_EQ(client_->stats().inFlight, 0u);
}

TEST_F(CurlClientTest, ServerClosingConnectionsIsHandled) {
  // Each answer closes its connection: curl closes the socket and the next connection
  // usually gets the same fd number, which must not confuse the reactor.
  server_.setHandler([](const auto&) {
    auto r = ScriptedResponse::json(200, "{}");
    r.close = true;
    return r;
  });
  for (int i = 0; i < 20; ++i) ASSERT_EQ(send(get("/close")).status, 200);
  EXPECT_EQ(server_.connectionCount(), 20u);
}

TEST_F(CurlClientTest, TimeoutIsANetworkError) {
  auto slow = ScriptedResponse::json(200, "{}");
  slow.delay = 5s;
  server_.enqueue(slow);
  HttpRequest r = get("/slow");
  r.timeout = 100ms;
  HttpResponse resp = send(r);
  EXPECT_EQ(resp.status, 0);
  EXPECT_EQ(resp.curlCode, 28);  // CURLE_OPERATION_TIMEDOUT
  EXPECT_FALSE(resp.networkError.empty());
  EXPECT_EQ(client_->stats().networkErrors, 1u);
}

TEST_F(CurlClientTest, ConnectionRefusedIsANetworkError) {
  HttpRequest r;
  r.url = "http://127.0.0.1:" + std::to_string(testing::closedLoopbackPort()) + "/";
  HttpResponse resp = send(r);
  EXPECT_EQ(resp.status, 0);
  EXPECT_EQ(resp.curlCode, 7);  // CURLE_COULDNT_CONNECT
  EXPECT_FALSE(resp.networkError.empty());
}

TEST_F(CurlClientTest, OversizedBodyFailsTheTransfer) {
  CurlOptions options;
  options.maxResponseBytes = 1000;
  client_ = std::make_unique<CurlClient>(io_, options);
  server_.enqueue(ScriptedResponse::json(200, std::string(5000, 'x')));
  HttpResponse resp = send(get("/big"));
  EXPECT_EQ(resp.status, 0);
  EXPECT_NE(resp.networkError.find("larger than 1000 bytes"), std::string::npos)
      << resp.networkError;
  EXPECT_TRUE(resp.body.empty());
}

TEST_F(CurlClientTest, ShutdownCompletesTransfersInFlightWithAnError) {
  server_.setHandler([](const auto&) {
    auto r = ScriptedResponse::json(200, "{}");
    r.delay = 30s;
    return r;
  });
  std::vector<std::optional<HttpResponse>> results;
  startAll(std::vector<HttpRequest>(10, get("/hang")), results);
  ASSERT_TRUE(testing::runUntil(io_, [&] { return server_.requestCount() == 10; }));
  EXPECT_EQ(client_->stats().inFlight, 10u);

  client_->shutdown();
  ASSERT_TRUE(testing::runUntil(io_, [&] { return allDone(results); }));
  for (const auto& r : results) {
    EXPECT_EQ(r->status, 0);
    EXPECT_EQ(r->networkError, "client shut down");
  }
  EXPECT_EQ(client_->stats().inFlight, 0u);

  HttpResponse later = send(get("/after"));  // fails at once, nothing is sent
  EXPECT_EQ(later.networkError, "client shut down");
  EXPECT_EQ(server_.requestCount(), 10u);
}

TEST_F(CurlClientTest, DestroyingTheClientCompletesTransfersInFlight) {
  server_.setHandler([](const auto&) {
    auto r = ScriptedResponse::json(200, "{}");
    r.delay = 30s;
    return r;
  });
  std::vector<std::optional<HttpResponse>> results;
  startAll(std::vector<HttpRequest>(10, get("/hang")), results);
  ASSERT_TRUE(testing::runUntil(io_, [&] { return server_.requestCount() == 10; }));

  client_.reset();
  ASSERT_TRUE(testing::runUntil(io_, [&] { return allDone(results); }));
  for (const auto& r : results) {
    EXPECT_EQ(r->status, 0);
    EXPECT_EQ(r->networkError, "client destroyed");
  }
  // Nothing is left on the loop: no timer, no socket wait, no coroutine.
  io_.restart();
  io_.run_for(5s);
  EXPECT_TRUE(io_.stopped());
}

TEST_F(CurlClientTest, LoopDestroyedWithTransfersInFlightLeavesNothingBehind) {
  // The client dies, then its io_context without running again: the suspended coroutines
  // are destroyed by Asio and the client's internals with them (checked under ASan).
  server_.setHandler([](const auto&) {
    auto r = ScriptedResponse::json(200, "{}");
    r.delay = 30s;
    return r;
  });
  auto io = std::make_unique<asio::io_context>();
  auto client = std::make_unique<CurlClient>(*io);
  size_t finished = 0;
  for (int i = 0; i < 5; ++i) {
    asio::co_spawn(
        *io,
        [&]() -> asio::awaitable<void> {
          (void)co_await client->send(get("/hang"));
          ++finished;
        },
        asio::detached);
  }
  ASSERT_TRUE(testing::runUntil(*io, [&] { return server_.requestCount() == 5; }));
  client.reset();
  io.reset();
  EXPECT_EQ(finished, 0u);
}

}  // namespace
}  // namespace gw::twilio
