// TwilioClient against a scripted loopback server: exact requests (paths, bodies, auth),
// response parsing, and the retry and concurrency policy with answers chosen per test.
#include "twilio/twilio_client.hpp"

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/detached.hpp>

#include <gtest/gtest.h>

#include "common/log.hpp"
#include "tests/async/io_runner.hpp"
#include "tests/twilio/scripted_http_server.hpp"

namespace gw::twilio {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using testing::RecordedRequest;
using testing::ScriptedHttpServer;
using testing::ScriptedResponse;

const std::string kAccount = "AC" + std::string(32, 'a');
const std::string kOtherAccount = "AC" + std::string(32, 'b');
const std::string kToken = "tok" + std::string(29, '7');  // must never show up anywhere
const std::string kNumber = "PN" + std::string(32, '1');
const std::string kTrunk = "TK" + std::string(32, 'c');
const std::string kAccountPath = "/2010-04-01/Accounts/" + kAccount;

std::string numberJson(const std::string& sid, const std::string& phone,
                       const std::string& trunk = "") {
  return R"({"account_sid":")" + kAccount +
         R"(","capabilities":{"voice":true,"sms":false},)"
         R"("friendly_name":"Main line","phone_number":")" +
         phone + R"(","sid":")" + sid + R"(","trunk_sid":)" +
         (trunk.empty() ? "null" : "\"" + trunk + "\"") +
         R"(,"subresource_uris":{"assigned_add_ons":"/x"}})";
}

std::string pnSid(int i) {
  char sid[35];
  std::snprintf(sid, sizeof sid, "PN%032d", i);
  return sid;
}

class TwilioClientScriptedTest : public ::testing::Test {
 protected:
  TwilioConfig config() const {
    TwilioConfig c;
    c.apiUrl = server_.url();
    c.trunkingUrl = server_.url();
    c.backoffBase = 1ms;
    c.backoffCap = 5ms;
    c.jitterSeed = 42;
    c.requestTimeout = 10s;
    return c;
  }

  TwilioClient& client(TwilioConfig c) {
    client_ = std::make_unique<TwilioClient>(io_, curl_, std::move(c));
    return *client_;
  }
  TwilioClient& client() { return client(config()); }

  template <typename T>
  T run(asio::awaitable<T> task) {
    return testing::runToCompletion(io_, std::move(task));
  }

  // A server that answers list pages: `pages` pages of `perPage` numbers, linked by
  // next_page_uri with Twilio-style page tokens.
  void servePages(int pages, int perPage) {
    server_.setHandler([pages, perPage](const RecordedRequest& req) {
      int index = 0;
      if (auto at = req.target.find("&Page="); at != std::string::npos) {
        index = std::stoi(req.target.substr(at + 6));
      }
      std::string items;
      for (int i = 0; i < perPage; ++i) {
        if (i) items += ',';
        int n = index * perPage + i;
        items += numberJson(pnSid(n), "+1415555" + std::to_string(1000 + n));
      }
      std::string next = index + 1 < pages
                             ? "\"" + kAccountPath + "/IncomingPhoneNumbers.json?PageSize=" +
                                   std::to_string(perPage) + "&Page=" + std::to_string(index + 1) +
                                   "&PageToken=PA" + std::to_string(index + 1) + "\""
                             : "null";
      return ScriptedResponse::json(
          200, R"({"incoming_phone_numbers":[)" + items + R"(],"next_page_uri":)" + next +
                   R"(,"page":)" + std::to_string(index) + R"(,"previous_page_uri":null})");
    });
  }

  ScriptedHttpServer server_;
  asio::io_context io_;
  CurlClient curl_{io_};
  std::unique_ptr<TwilioClient> client_;
  Credentials creds_{kAccount, kToken};
};

// --- requests and parsing ---

TEST_F(TwilioClientScriptedTest, FetchesTheAccountWithBasicAuth) {
  server_.enqueue(ScriptedResponse::json(
      200, R"({"sid":")" + kAccount + R"(","friendly_name":"Acme","status":"active"})"));
  auto a = run(client().fetchAccount(creds_));
  ASSERT_TRUE(a.ok()) << a.error().describe();
  EXPECT_EQ(a->sid, kAccount);
  EXPECT_EQ(a->friendlyName, "Acme");
  EXPECT_EQ(a->status, "active");

  auto seen = server_.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].target, kAccountPath + ".json");
  ASSERT_NE(seen[0].header("authorization"), nullptr);
  EXPECT_EQ(seen[0].header("authorization")->rfind("Basic ", 0), 0u);
  ASSERT_NE(seen[0].header("accept"), nullptr);
  EXPECT_EQ(*seen[0].header("accept"), "application/json");
}

TEST_F(TwilioClientScriptedTest, FetchesANumberWithoutTrunk) {
  server_.enqueue(ScriptedResponse::json(200, numberJson(kNumber, "+14155550100")));
  auto n = run(client().fetchNumber(creds_, kNumber));
  ASSERT_TRUE(n.ok()) << n.error().describe();
  EXPECT_EQ(n->sid, kNumber);
  EXPECT_EQ(n->phoneNumber, "+14155550100");
  EXPECT_EQ(n->friendlyName, "Main line");
  EXPECT_TRUE(n->trunkSid.empty());
  EXPECT_EQ(server_.requests()[0].target,
            kAccountPath + "/IncomingPhoneNumbers/" + kNumber + ".json");
}

TEST_F(TwilioClientScriptedTest, FetchesANumberOnATrunk) {
  server_.enqueue(ScriptedResponse::json(200, numberJson(kNumber, "+14155550100", kTrunk)));
  auto n = run(client().fetchNumber(creds_, kNumber));
  ASSERT_TRUE(n.ok()) << n.error().describe();
  EXPECT_EQ(n->trunkSid, kTrunk);
}

TEST_F(TwilioClientScriptedTest, ListsATrunksOriginationUrls) {
  server_.enqueue(ScriptedResponse::json(
      200, R"({"origination_urls":[)"
           R"({"sid":"OU1","sip_url":"sip:gw.example.com","enabled":true},)"
           R"({"sid":"OU2","sip_url":"sip:old.example.com","enabled":false}],)"
           R"("meta":{"next_page_url":null}})"));
  auto urls = run(client().listOriginationUrls(creds_, kTrunk));
  ASSERT_TRUE(urls.ok()) << urls.error().describe();
  ASSERT_EQ(urls->size(), 2u);
  EXPECT_EQ((*urls)[0].sid, "OU1");
  EXPECT_EQ((*urls)[0].sipUrl, "sip:gw.example.com");
  EXPECT_TRUE((*urls)[0].enabled);
  EXPECT_FALSE((*urls)[1].enabled);
  EXPECT_EQ(server_.requests()[0].target,
            "/v1/Trunks/" + kTrunk + "/OriginationUrls?PageSize=1000");

  server_.enqueue(ScriptedResponse::json(200, R"({"meta":{}})"));
  auto malformed = run(client().listOriginationUrls(creds_, kTrunk));
  ASSERT_FALSE(malformed.ok());
  EXPECT_EQ(malformed.error().httpStatus, 200);
}

TEST_F(TwilioClientScriptedTest, RejectsANumberRecordWithoutSid) {
  server_.enqueue(ScriptedResponse::json(200, R"({"phone_number":"+14155550100"})"));
  auto n = run(client().fetchNumber(creds_, kNumber));
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().httpStatus, 200);
  EXPECT_NE(n.error().message.find("unexpected response"), std::string::npos);
}

TEST_F(TwilioClientScriptedTest, ListFollowsNextPageUriToTheEnd) {
  servePages(3, 2);
  auto c = config();
  c.pageSize = 2;
  auto listing = run(client(c).listNumbers(creds_, 10));
  ASSERT_TRUE(listing.ok()) << listing.error().describe();
  EXPECT_TRUE(listing->complete);
  EXPECT_EQ(listing->pages, 3u);
  ASSERT_EQ(listing->numbers.size(), 6u);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(listing->numbers[i].sid, pnSid(i));

  auto seen = server_.requests();
  ASSERT_EQ(seen.size(), 3u);
  const std::string list = kAccountPath + "/IncomingPhoneNumbers.json?PageSize=2";
  EXPECT_EQ(seen[0].target, list);
  EXPECT_EQ(seen[1].target, list + "&Page=1&PageToken=PA1");  // exactly as Twilio gave it
  EXPECT_EQ(seen[2].target, list + "&Page=2&PageToken=PA2");
}

TEST_F(TwilioClientScriptedTest, ListStopsAtMaxPages) {
  servePages(5, 2);
  auto c = config();
  c.pageSize = 2;
  auto listing = run(client(c).listNumbers(creds_, 2));
  ASSERT_TRUE(listing.ok()) << listing.error().describe();
  EXPECT_FALSE(listing->complete);
  EXPECT_EQ(listing->pages, 2u);
  EXPECT_EQ(listing->numbers.size(), 4u);
  EXPECT_EQ(server_.requestCount(), 2u);
}

TEST_F(TwilioClientScriptedTest, ListHandsEachPageOnAndStopsWhenTheSinkSaysSo) {
  servePages(5, 2);
  auto c = config();
  c.pageSize = 2;
  std::vector<std::string> seenSids;
  size_t pagesSeen = 0;
  NumberPageSink sink = [&](std::vector<IncomingNumber>& page) {
    for (const auto& n : page) seenSids.push_back(n.sid);
    // The next request has not been sent while the sink looks at a page.
    EXPECT_EQ(server_.requestCount(), ++pagesSeen);
    return pagesSeen < 2;
  };
  auto listing = run(client(c).listNumberPages(creds_, 10, sink));
  ASSERT_TRUE(listing.ok()) << listing.error().describe();
  EXPECT_FALSE(listing->complete);
  EXPECT_EQ(listing->pages, 2u);
  EXPECT_TRUE(listing->numbers.empty());
  EXPECT_EQ(seenSids, (std::vector<std::string>{pnSid(0), pnSid(1), pnSid(2), pnSid(3)}));
  EXPECT_EQ(server_.requestCount(), 2u);
}

TEST_F(TwilioClientScriptedTest, ListReadsPagesOfAThousand) {
  servePages(2, 1000);
  auto listing = run(client().listNumbers(creds_, 10));
  ASSERT_TRUE(listing.ok()) << listing.error().describe();
  EXPECT_TRUE(listing->complete);
  ASSERT_EQ(listing->numbers.size(), 2000u);
  EXPECT_EQ(listing->numbers[1999].sid, pnSid(1999));
  EXPECT_EQ(server_.requests()[0].target,
            kAccountPath + "/IncomingPhoneNumbers.json?PageSize=1000");
}

TEST_F(TwilioClientScriptedTest, ListRejectsUnexpectedShapes) {
  const std::string bodies[] = {
      R"({"incoming_phone_numbers":{},"next_page_uri":null})",
      R"({"incoming_phone_numbers":[{"phone_number":"+14155550100"}],"next_page_uri":null})",
      R"({"next_page_uri":null})",
      R"(<Response/>)",
      // Absolute URLs are not followed: the next page must be on the configured API host.
      R"({"incoming_phone_numbers":[],"next_page_uri":"https://elsewhere.example/x"})",
  };
  for (const auto& body : bodies) {
    server_.enqueue(ScriptedResponse::json(200, body));
    auto listing = run(client().listNumbers(creds_, 10));
    ASSERT_FALSE(listing.ok()) << body;
    EXPECT_EQ(listing.error().httpStatus, 200);
    EXPECT_NE(listing.error().message.find("unexpected response"), std::string::npos)
        << listing.error().message;
  }
  EXPECT_EQ(server_.requestCount(), std::size(bodies));  // malformed pages are not retried
}

TEST_F(TwilioClientScriptedTest, CreatesATrunk) {
  server_.enqueue(ScriptedResponse::json(
      201, R"({"sid":")" + kTrunk +
               R"(","friendly_name":"Gateway + lab","domain_name":"x.pstn.twilio.com"})"));
  auto t = run(client().createTrunk(creds_, "Gateway + lab"));
  ASSERT_TRUE(t.ok()) << t.error().describe();
  EXPECT_EQ(t->sid, kTrunk);
  EXPECT_EQ(t->friendlyName, "Gateway + lab");
  EXPECT_EQ(t->domainName, "x.pstn.twilio.com");

  auto seen = server_.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].target, "/v1/Trunks");
  EXPECT_EQ(seen[0].body, "FriendlyName=Gateway%20%2B%20lab");
  ASSERT_NE(seen[0].header("content-type"), nullptr);
  EXPECT_EQ(*seen[0].header("content-type"), "application/x-www-form-urlencoded");
}

TEST_F(TwilioClientScriptedTest, FetchesAndDeletesATrunk) {
  server_.enqueue(
      ScriptedResponse::json(200, R"({"sid":")" + kTrunk + R"(","friendly_name":"gw"})"));
  ScriptedResponse deleted;
  deleted.status = 204;
  server_.enqueue(deleted);
  server_.enqueue(
      ScriptedResponse::twilioError(404, 20404, "The requested resource was not found"));
  auto& c = client();
  auto t = run(c.fetchTrunk(creds_, kTrunk));
  ASSERT_TRUE(t.ok()) << t.error().describe();
  EXPECT_EQ(t->friendlyName, "gw");
  auto gone = run(c.deleteTrunk(creds_, kTrunk));
  ASSERT_TRUE(gone.ok());
  EXPECT_TRUE(*gone);
  auto again = run(c.deleteTrunk(creds_, kTrunk));  // 404: already gone counts as done
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(*again);

  auto seen = server_.requests();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].target, "/v1/Trunks/" + kTrunk);
  EXPECT_EQ(seen[1].method, "DELETE");
  EXPECT_EQ(seen[1].target, "/v1/Trunks/" + kTrunk);
}

TEST_F(TwilioClientScriptedTest, CreatesAnOriginationUrlWithAllFiveFieldsAndPlusEncoded) {
  server_.enqueue(ScriptedResponse::json(
      201, R"({"sid":"OU0123","sip_url":"sip:+14155550100@gw.example.com"})"));
  auto ou = run(
      client().createOriginationUrl(creds_, kTrunk, "sip:+14155550100@gw.example.com", "gateway"));
  ASSERT_TRUE(ou.ok()) << ou.error().describe();
  EXPECT_EQ(*ou, "OU0123");
  auto seen = server_.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].target, "/v1/Trunks/" + kTrunk + "/OriginationUrls");
  EXPECT_EQ(seen[0].body,
            "SipUrl=sip%3A%2B14155550100%40gw.example.com&Weight=1&Priority=1&Enabled=true"
            "&FriendlyName=gateway");
}

TEST_F(TwilioClientScriptedTest, AttachesANumberToATrunk) {
  server_.enqueue(ScriptedResponse::json(201, numberJson(kNumber, "+14155550100", kTrunk)));
  auto n = run(client().attachNumber(creds_, kTrunk, kNumber));
  ASSERT_TRUE(n.ok()) << n.error().describe();
  auto seen = server_.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].target, "/v1/Trunks/" + kTrunk + "/PhoneNumbers");
  EXPECT_EQ(seen[0].body, "PhoneNumberSid=" + kNumber);
}

TEST_F(TwilioClientScriptedTest, DetachCountsNotFoundAsDone) {
  ScriptedResponse detached;
  detached.status = 204;
  server_.enqueue(detached);
  server_.enqueue(
      ScriptedResponse::twilioError(404, 20404, "The requested resource was not found"));
  auto& c = client();
  EXPECT_TRUE(run(c.detachNumber(creds_, kTrunk, kNumber)).ok());
  EXPECT_TRUE(run(c.detachNumber(creds_, kTrunk, kNumber)).ok());
  auto seen = server_.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].method, "DELETE");
  EXPECT_EQ(seen[0].target, "/v1/Trunks/" + kTrunk + "/PhoneNumbers/" + kNumber);
}

TEST_F(TwilioClientScriptedTest, DeleteOriginationUrlCountsNotFoundAsDone) {
  const std::string ou = "OU" + std::string(32, 'e');
  ScriptedResponse deleted;
  deleted.status = 204;
  server_.enqueue(deleted);
  server_.enqueue(
      ScriptedResponse::twilioError(404, 20404, "The requested resource was not found"));
  server_.enqueue(ScriptedResponse::twilioError(403, 20403, "Forbidden"));
  auto& c = client();
  EXPECT_TRUE(run(c.deleteOriginationUrl(creds_, kTrunk, ou)).ok());
  EXPECT_TRUE(run(c.deleteOriginationUrl(creds_, kTrunk, ou)).ok());
  auto refused = run(c.deleteOriginationUrl(creds_, kTrunk, ou));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().httpStatus, 403);
  auto seen = server_.requests();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].method, "DELETE");
  EXPECT_EQ(seen[0].target, "/v1/Trunks/" + kTrunk + "/OriginationUrls/" + ou);
}

// --- errors ---

TEST_F(TwilioClientScriptedTest, ParsesTwilioErrorBodies) {
  server_.enqueue(ScriptedResponse::twilioError(400, 21212, "Invalid phone number"));
  auto r = run(client().createTrunk(creds_, "x"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().httpStatus, 400);
  EXPECT_EQ(r.error().code, 21212);
  EXPECT_EQ(r.error().message, "Invalid phone number");
  EXPECT_EQ(r.error().moreInfo, "https://www.twilio.com/docs/errors/21212");
  EXPECT_EQ(r.error().describe(), "400 21212 Invalid phone number");
  EXPECT_EQ(client_->stats().requests, 1u);
}

TEST_F(TwilioClientScriptedTest, NonJsonErrorBodiesStillDescribeTheStatus) {
  ScriptedResponse html = ScriptedResponse::json(502, "<html>Bad Gateway</html>");
  html.contentType = "text/html";
  server_.setHandler([html](const auto&) { return html; });
  auto c = config();
  c.maxAttempts = 1;
  auto r = run(client(c).fetchAccount(creds_));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().describe(), "502 0 HTTP 502");
}

// Root cause: error, trunk, account and origination URL bodies were read with RapidJSON's
// recursive DOM parse, and any body up to CurlOptions::maxResponseBytes is read, so arrays
// nested a few hundred thousand deep overflowed the stack: a faulty or hostile endpoint
// could crash the gateway. These bodies are now parsed iteratively.
TEST_F(TwilioClientScriptedTest, DeeplyNestedBodiesAreMalformedNotACrash) {
  const std::string deep(500'000, '[');
  server_.enqueue(ScriptedResponse::json(400, deep));
  server_.enqueue(ScriptedResponse::json(200, deep));
  server_.enqueue(ScriptedResponse::json(200, deep));
  server_.enqueue(ScriptedResponse::json(201, deep));
  auto& c = client();
  auto failed = run(c.createTrunk(creds_, "x"));
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().describe(), "400 0 HTTP 400");
  auto trunk = run(c.fetchTrunk(creds_, kTrunk));
  ASSERT_FALSE(trunk.ok());
  EXPECT_EQ(trunk.error().message,
            "unexpected response from Twilio: the trunk is not a JSON object");
  auto account = run(c.fetchAccount(creds_));
  ASSERT_FALSE(account.ok());
  EXPECT_EQ(account.error().message, "unexpected response from Twilio: the account is not JSON");
  auto ou = run(c.createOriginationUrl(creds_, kTrunk, "sip:gw@gw.example.com", "gateway"));
  ASSERT_FALSE(ou.ok());
  EXPECT_EQ(ou.error().message, "unexpected response from Twilio: the origination URL has no sid");
}

TEST_F(TwilioClientScriptedTest, NotFoundIsNotRetried) {
  server_.setHandler([](const auto&) {
    return ScriptedResponse::twilioError(404, 20404, "The requested resource was not found");
  });
  auto n = run(client().fetchNumber(creds_, kNumber));
  ASSERT_FALSE(n.ok());
  EXPECT_TRUE(n.error().isNotFound());
  EXPECT_EQ(n.error().code, 20404);
  EXPECT_EQ(server_.requestCount(), 1u);
  EXPECT_EQ(client_->stats().retries, 0u);
}

TEST_F(TwilioClientScriptedTest, UnauthorizedIsAnAuthFailureAndNotRetried) {
  server_.setHandler(
      [](const auto&) { return ScriptedResponse::twilioError(401, 20003, "Authenticate"); });
  auto a = run(client().fetchAccount(creds_));
  ASSERT_FALSE(a.ok());
  EXPECT_TRUE(a.error().isAuthFailure());
  EXPECT_EQ(a.error().describe(), "401 20003 Authenticate");
  EXPECT_EQ(a.error().describe().find(kToken), std::string::npos);
  EXPECT_EQ(server_.requestCount(), 1u);
}

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
