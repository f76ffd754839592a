// TwilioClient against a scripted loopback server: exact requests (paths, bodies, auth),
// response parsing and errors. Retries, concurrency and secrets: twilio_client_retry_test.cpp.
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

}  // namespace
}  // namespace gw::twilio
