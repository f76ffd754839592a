// The admin listener itself: health check, bearer authentication, tokens file, routing
// errors, start-up refusal, and a clean stop on SIGTERM.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "harness/gateway_fixture.hpp"

namespace gw::integration {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class AdminHttpTest : public GatewayTest {
 protected:
  // These tests never reach Twilio: nothing listens on the discard port.
  GatewayProcess& startOffline(GatewayOptions options = {}) {
    options.twilioUrl = "http://127.0.0.1:9";
    return startGateway(std::move(options));
  }
};

void expectProblem(const HttpResponse& resp, long status) {
  EXPECT_EQ(resp.status, status) << resp.describe();
  EXPECT_THAT(resp.header("Content-Type").value_or(""), StartsWith("application/problem+json"))
      << resp.describe();
  if (resp.status == status) {
    EXPECT_EQ(intMember(parseJson(resp.body), "status"), status);
  }
}

TEST_F(AdminHttpTest, AnswersHealthzWithoutToken) {
  auto& gw = startOffline();

  auto resp = call(gw, "GET", "/healthz", std::nullopt, "");

  EXPECT_EQ(resp.status, 200) << resp.describe();
  EXPECT_EQ(stringMember(parseJson(resp.body), "status"), "ok");
}

TEST_F(AdminHttpTest, AnswersApiWithoutTokenWith401AndBearerChallenge) {
  auto& gw = startOffline();

  auto resp = call(gw, "GET", "/api/v1/providers", std::nullopt, "");

  expectProblem(resp, 401);
  EXPECT_THAT(resp.header("WWW-Authenticate").value_or(""), StartsWith("Bearer"));
}

TEST_F(AdminHttpTest, AnswersApiWithUnknownTokenWith401) {
  auto& gw = startOffline();

  auto unknown = call(gw, "GET", "/api/v1/providers", std::nullopt, randomAdminToken());
  // A prefix of the real token is not the token.
  auto prefix = call(gw, "GET", "/api/v1/providers", std::nullopt,
                     adminToken().substr(0, adminToken().size() - 1));

  expectProblem(unknown, 401);
  expectProblem(prefix, 401);
}

TEST_F(AdminHttpTest, AcceptsBearerSchemeInAnyCase) {
  auto& gw = startOffline();
  HttpRequest req;
  req.url = gw.baseUrl() + "/api/v1/providers";
  req.headers = {"Authorization: bearer " + adminToken()};

  auto resp = http().send(req);

  EXPECT_EQ(resp.status, 200) << resp.describe();
}

TEST_F(AdminHttpTest, AcceptsEveryTokenOfTokensFile) {
  std::string orgA = randomAdminToken();
  std::string orgB = randomAdminToken();
  GatewayOptions go;
  go.tokensFile = writeTokensFile({{orgA, "org-a"}, {orgB, "org-b"}});
  auto& gw = startOffline(go);

  for (const auto& token : {orgA, orgB, adminToken()}) {
    auto resp = call(gw, "GET", "/api/v1/sip-phone-numbers", std::nullopt, token);
    EXPECT_EQ(resp.status, 200) << resp.describe();
  }
}

TEST_F(AdminHttpTest, AnswersUnknownRouteWith404) {
  auto& gw = startOffline();

  expectProblem(call(gw, "GET", "/api/v1/nothing-here"), 404);
  expectProblem(call(gw, "GET", "/api/v1/providers/twilio/" + randomUuid() + "/nothing"), 404);
  EXPECT_EQ(call(gw, "GET", "/nothing-here", std::nullopt, "").status, 404);
}

TEST_F(AdminHttpTest, AnswersWrongMethodWith405AndAllow) {
  auto& gw = startOffline();

  auto put = call(gw, "PUT", "/api/v1/sip-phone-numbers", std::string("{}"));
  auto del = call(gw, "DELETE", "/healthz", std::nullopt, "");

  expectProblem(put, 405);
  EXPECT_THAT(put.header("Allow").value_or(""), HasSubstr("GET"));
  EXPECT_EQ(del.status, 405) << del.describe();
  EXPECT_THAT(del.header("Allow").value_or(""), HasSubstr("GET"));
}

TEST_F(AdminHttpTest, RefusesToStartWithShortTokenInTokensFile) {
  GatewayOptions go;
  go.twilioUrl = "http://127.0.0.1:9";
  go.dataDir = makeTempDir() + "/data";
  go.tokensFile = writeTokensFile({{"short", "org-a"}});
  GatewayProcess gw(std::string(GW_BIN_DIR) + "/gatewayd", go);

  ExitStatus status = gw.startExpectingExit();

  EXPECT_TRUE(status.exited) << status.describe();
  EXPECT_NE(status.code, 0);
  EXPECT_THAT(redact(gw.output()), HasSubstr("shorter than 16 characters"));
  EXPECT_THAT(redact(gw.output()), ::testing::Not(HasSubstr("listening on")));
}

TEST_F(AdminHttpTest, RefusesABadSipSettingBeforeTouchingItsDataDirectoryOrPorts) {
  GatewayOptions go;
  go.twilioUrl = "http://127.0.0.1:9";
  go.adminToken = "";  // else it would generate a token file first
  go.dataDir = makeTempDir() + "/data";
  go.extraArgs = {"--sip-listen", "localhost:5060"};
  GatewayProcess gw(std::string(GW_BIN_DIR) + "/gatewayd", go);

  ExitStatus status = gw.startExpectingExit();

  EXPECT_TRUE(status.exited) << status.describe();
  EXPECT_NE(status.code, 0);
  EXPECT_THAT(gw.output(), HasSubstr("'localhost' is not an IP address (--sip-listen)"));
  EXPECT_THAT(gw.output(), ::testing::Not(HasSubstr("listening on")));
  EXPECT_FALSE(std::filesystem::exists(go.dataDir)) << "nothing may be created";
}

TEST_F(AdminHttpTest, GeneratesPrivateAdminTokenWhenNoneConfigured) {
  GatewayOptions go;
  go.adminToken = "";
  auto& gw = startOffline(go);
  std::string path = gw.options().dataDir + "/admin-token";
  std::ifstream in(path);
  std::string token;
  ASSERT_TRUE(in >> token) << "no token in " << path;
  registerSecret(token);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);

  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(call(gw, "GET", "/api/v1/providers", std::nullopt, token).status, 200);
  EXPECT_EQ(call(gw, "GET", "/api/v1/providers").status, 401);

  // The same token after a restart.
  ASSERT_TRUE(gw.stop().value_or(ExitStatus{}).clean());
  gw.start();
  EXPECT_EQ(call(gw, "GET", "/api/v1/providers", std::nullopt, token).status, 200);
}

// The fixture's client keeps its connection open: the stop must not wait for it.
TEST_F(AdminHttpTest, StopsCleanlyOnSigtermWithIdleKeepAliveConnection) {
  auto& gw = startOffline();
  ASSERT_EQ(call(gw, "GET", "/api/v1/providers").status, 200);

  auto status = gw.stop();

  ASSERT_TRUE(status.has_value()) << "gatewayd still running after SIGTERM";
  EXPECT_TRUE(status->clean()) << status->describe();
  EXPECT_THAT(redact(gw.output()), HasSubstr("stopped"));
}

}  // namespace
}  // namespace gw::integration
