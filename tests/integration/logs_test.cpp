// The logs an operator reads, through the real gatewayd and twilio-emulator: one access
// line per admin request with the request id it echoed, one line per Twilio failure with
// the operation, HTTP status, Twilio code and request id (and no token), and with
// --log-format json every line of the output a JSON object.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <sstream>
#include <thread>

#include <rapidjson/document.h>

#include "harness/gateway_fixture.hpp"

namespace gw::integration {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::SizeIs;

class LogsTest : public GatewayTest {
 protected:
  GatewayProcess& startJsonGateway() {
    GatewayOptions o;
    o.extraArgs = {"--log-format", "json"};
    return startGateway(o);
  }

  // Every line of the output, each parsed: a line that is not a JSON object fails the test.
  static std::vector<rapidjson::Document> jsonLines(const std::string& output) {
    std::vector<rapidjson::Document> out;
    std::istringstream in(output);
    std::string line;
    while (std::getline(in, line)) {
      rapidjson::Document doc;
      doc.Parse<rapidjson::kParseValidateEncodingFlag>(line.data(), line.size());
      const bool object = !doc.HasParseError() && doc.IsObject();
      EXPECT_TRUE(object) << "not a JSON object: " << redact(line);
      if (object) out.push_back(std::move(doc));
    }
    return out;
  }

  // The lines of `component` whose request_id is `id`, once `count` of them are there.
  static std::vector<rapidjson::Document> linesFor(GatewayProcess& gw, const std::string& component,
                                                   const std::string& id, size_t count) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    std::vector<rapidjson::Document> found;
    while (true) {
      found.clear();
      for (auto& doc : jsonLines(gw.output())) {
        if (stringMember(doc, "component") == component && stringMember(doc, "request_id") == id) {
          found.push_back(std::move(doc));
        }
      }
      if (found.size() >= count || std::chrono::steady_clock::now() > deadline) return found;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  HttpResponse get(GatewayProcess& gw, const std::string& path, std::vector<std::string> headers) {
    headers.push_back("Authorization: Bearer " + adminToken());
    return http().get(gw.baseUrl() + path, std::move(headers));
  }
};

int intMember(const rapidjson::Value& v, const char* key) {
  auto it = v.FindMember(key);
  return it != v.MemberEnd() && it->value.IsInt() ? it->value.GetInt() : -1;
}

TEST_F(LogsTest, OneAccessLineForEachRequestWithItsRequestId) {
  startEmulator({});
  auto& gw = startJsonGateway();

  auto listed = get(gw, "/api/v1/providers", {"X-Request-Id: list-1.a_b:c"});
  auto missing =
      get(gw, "/api/v1/providers/7d9f0c1e-5b2a-4c3d-8e4f-000000abcdef", {"X-Request-Id: show-2"});
  auto refused = http().get(gw.baseUrl() + "/api/v1/providers", {"X-Request-Id: anon-3"});

  ASSERT_EQ(listed.status, 200) << listed.describe();
  ASSERT_EQ(missing.status, 404) << missing.describe();
  ASSERT_EQ(refused.status, 401) << refused.describe();
  EXPECT_EQ(listed.header("X-Request-Id"), "list-1.a_b:c");
  EXPECT_EQ(missing.header("X-Request-Id"), "show-2");
  EXPECT_EQ(refused.header("X-Request-Id"), "anon-3");

  auto lines = linesFor(gw, "access", "list-1.a_b:c", 1);
  ASSERT_THAT(lines, SizeIs(1)) << redact(gw.output());
  const auto& line = lines.front();
  EXPECT_EQ(stringMember(line, "level"), "info");
  EXPECT_EQ(stringMember(line, "org"), "default");
  EXPECT_EQ(stringMember(line, "method"), "GET");
  EXPECT_EQ(stringMember(line, "route"), "/api/v1/providers");
  EXPECT_EQ(intMember(line, "status"), 200);
  EXPECT_EQ(intMember(line, "bytes"), static_cast<int>(listed.body.size()));
  ASSERT_TRUE(line.HasMember("duration_ms") && line["duration_ms"].IsNumber());
  EXPECT_GE(line["duration_ms"].GetDouble(), 0.0);
  EXPECT_TRUE(line.HasMember("time") && line.HasMember("message"));

  // The route template, not the path with its id.
  lines = linesFor(gw, "access", "show-2", 1);
  ASSERT_THAT(lines, SizeIs(1)) << redact(gw.output());
  EXPECT_EQ(stringMember(lines.front(), "route"), "/api/v1/providers/{id}");
  EXPECT_EQ(intMember(lines.front(), "status"), 404);
  EXPECT_THAT(gw.output(), Not(HasSubstr("7d9f0c1e-5b2a-4c3d-8e4f-000000abcdef")));

  // Refused before authentication: no org, but the route and status are there.
  lines = linesFor(gw, "access", "anon-3", 1);
  ASSERT_THAT(lines, SizeIs(1)) << redact(gw.output());
  EXPECT_EQ(stringMember(lines.front(), "org"), "");
  EXPECT_EQ(stringMember(lines.front(), "route"), "/api/v1/providers");
  EXPECT_EQ(intMember(lines.front(), "status"), 401);
  EXPECT_FALSE(containsSecret(gw.output()));
}

// An id that is not one (too long, spaces, quotes) is replaced by a UUID of the gateway's,
// which the response carries and the access line logs.
TEST_F(LogsTest, ReplacesARequestIdThatIsNotSane) {
  startEmulator({});
  auto& gw = startJsonGateway();
  const std::string uuid = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

  for (std::string sent :
       {std::string("two words"), std::string(129, 'a'), std::string("x\"}{\"level\":\"error")}) {
    auto resp = get(gw, "/api/v1/providers", {"X-Request-Id: " + sent});
    ASSERT_EQ(resp.status, 200) << resp.describe();
    const std::string id = resp.header("X-Request-Id").value_or("");
    EXPECT_THAT(id, MatchesRegex(uuid)) << "sent: " << sent;
    EXPECT_THAT(linesFor(gw, "access", id, 1), SizeIs(1)) << redact(gw.output());
  }
  auto none = get(gw, "/api/v1/providers", {});
  EXPECT_THAT(none.header("X-Request-Id").value_or(""), MatchesRegex(uuid));
  EXPECT_THAT(gw.output(), Not(HasSubstr("two words")));
}

// Bad credentials: the create answers 422 and the log has exactly one line for the
// failure, naming the operation, Twilio's 401/20003 and the request id; neither token
// appears anywhere in the output.
TEST_F(LogsTest, TwilioRejectingCredentialsIsLoggedOnceWithoutTheToken) {
  auto account = randomAccount();
  EmulatorOptions eo;
  eo.accounts = {account};
  startEmulator(eo);
  auto& gw = startJsonGateway();
  TwilioAccount wrong = randomAccount();
  wrong.sid = account.sid;
  registerSecret(wrong.token);

  HttpRequest req;
  req.method = "POST";
  req.url = gw.baseUrl() + "/api/v1/providers/twilio";
  req.headers = {"Authorization: Bearer " + adminToken(), "Content-Type: application/json",
                 "X-Request-Id: creds-422"};
  req.body = R"({"accountSid":")" + wrong.sid + R"(","authToken":")" + wrong.token + R"("})";
  auto resp = http().send(req);
  ASSERT_EQ(resp.status, 422) << resp.describe();
  ASSERT_THAT(linesFor(gw, "access", "creds-422", 1), SizeIs(1));

  auto lines = linesFor(gw, "twilio", "creds-422", 1);
  ASSERT_THAT(lines, SizeIs(1)) << redact(gw.output());
  EXPECT_EQ(stringMember(lines.front(), "operation"), "fetch_account");
  EXPECT_EQ(stringMember(lines.front(), "level"), "warn");
  EXPECT_EQ(intMember(lines.front(), "status"), 401);
  EXPECT_EQ(intMember(lines.front(), "code"), 20003);
  EXPECT_EQ(stringMember(lines.front(), "account_sid"), account.sid);
  const std::string output = gw.output();
  EXPECT_EQ(output.find(wrong.token), std::string::npos) << "an auth token is in the output";
  EXPECT_EQ(output.find(account.token), std::string::npos) << "an auth token is in the output";
  EXPECT_THAT(output, Not(HasSubstr("Basic ")));
}

// Twilio refusing the origination URL makes the create answer 502: one line for that
// failure (the clean-up delete of the trunk succeeds and logs nothing of Twilio's).
TEST_F(LogsTest, TwilioFailureBehindA502IsLoggedOnce) {
  auto account = randomAccount();
  EmulatorOptions eo;
  eo.accounts = {account};
  auto& emulator = startEmulator(eo);
  auto& gw = startJsonGateway();
  emulator.failNext("POST", "/v1/Trunks/{TrunkSid}/OriginationUrls", 400);

  HttpRequest req;
  req.method = "POST";
  req.url = gw.baseUrl() + "/api/v1/providers/twilio";
  req.headers = {"Authorization: Bearer " + adminToken(), "Content-Type: application/json",
                 "X-Request-Id: ou-502"};
  req.body = R"({"accountSid":")" + account.sid + R"(","authToken":")" + account.token + R"("})";
  auto resp = http().send(req);
  ASSERT_EQ(resp.status, 502) << resp.describe();
  ASSERT_THAT(linesFor(gw, "access", "ou-502", 1), SizeIs(1));

  auto lines = linesFor(gw, "twilio", "ou-502", 1);
  ASSERT_THAT(lines, SizeIs(1)) << redact(gw.output());
  EXPECT_EQ(stringMember(lines.front(), "operation"), "create_origination_url");
  EXPECT_EQ(intMember(lines.front(), "status"), 400);
  EXPECT_GT(intMember(lines.front(), "code"), 0);
  EXPECT_FALSE(containsSecret(gw.output()));
  EXPECT_EQ(gw.output().find(account.token), std::string::npos) << "an auth token is in the output";
}

// The text format keeps the fields as key=value on the same line.
TEST_F(LogsTest, TextFormatCarriesTheSameFields) {
  startEmulator({});
  auto& gw = startGateway();
  auto resp = get(gw, "/api/v1/providers", {"X-Request-Id: text-1"});
  ASSERT_EQ(resp.status, 200) << resp.describe();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (gw.output().find("request_id=text-1") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_THAT(gw.output(), HasSubstr(" info access: GET /api/v1/providers 200 request_id=text-1 "
                                     "org=default method=GET route=/api/v1/providers status=200"));
}

}  // namespace
}  // namespace gw::integration
