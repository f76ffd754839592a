#include "gateway/auth.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "modules/admin/caller.hpp"
#include "tests/support/temp_dir.hpp"

namespace gw::gateway {
namespace {

using testsupport::TempDir;

http::Request apiRequest(std::string authorization) {
  http::Request r;
  r.method = "GET";
  r.path = "/api/v1/providers";
  if (!authorization.empty()) r.headers.push_back({"Authorization", std::move(authorization)});
  return r;
}

TEST(AuthTest, ConstantTimeEqualsComparesWholeStrings) {
  EXPECT_TRUE(constantTimeEquals("abc", "abc"));
  EXPECT_FALSE(constantTimeEquals("abc", "abd"));
  EXPECT_FALSE(constantTimeEquals("abc", "abcd"));
  EXPECT_FALSE(constantTimeEquals("", "a"));
  EXPECT_TRUE(constantTimeEquals("", ""));
}

TEST(AuthTest, ValidTokenSetsTheOrg) {
  TokenAuth auth;
  auth.add("token-for-org-one-0001", "org-1");
  auth.add("token-for-org-two-0002", "org-2");
  auto req = apiRequest("Bearer token-for-org-two-0002");
  EXPECT_FALSE(auth.check(req).has_value());
  EXPECT_EQ(admin::orgOf(req), "org-2");
}

TEST(AuthTest, MissingOrWrongTokenIs401WithoutTheToken) {
  TokenAuth auth;
  auth.add("token-for-org-one-0001", "org-1");
  for (std::string header : {"", "Bearer nope-nope-nope-nope", "Basic dXNlcjpwYXNz", "Bearer "}) {
    auto req = apiRequest(header);
    auto resp = auth.check(req);
    ASSERT_TRUE(resp.has_value()) << header;
    EXPECT_EQ(resp->status, 401);
    EXPECT_EQ(resp->body.find("token-for-org-one"), std::string::npos);
    EXPECT_EQ(resp->body.find("nope-nope"), std::string::npos);
    EXPECT_TRUE(admin::orgOf(req).empty());
  }
}

TEST(AuthTest, RoutesOutsideApiNeedNoToken) {
  TokenAuth auth;
  auth.add("token-for-org-one-0001", "org-1");
  http::Request req;
  req.method = "GET";
  req.path = "/healthz";
  EXPECT_FALSE(auth.check(req).has_value());
}

TEST(AuthTest, PublicPathUnderApiNeedsNoTokenAndOnlyThatPath) {
  TokenAuth auth;
  auth.add("secret-token-of-the-default-org", "default");
  auth.allowWithoutToken("/api/v1/openapi.json");
  http::Request req = apiRequest("");
  req.path = "/api/v1/openapi.json";
  EXPECT_FALSE(auth.check(req).has_value());
  EXPECT_TRUE(admin::orgOf(req).empty());
  for (const char* other : {"/api/v1/openapi.json/x", "/api/v1/openapi", "/api/v1/providers"}) {
    req.path = other;
    auto resp = auth.check(req);
    ASSERT_TRUE(resp.has_value()) << other;
    EXPECT_EQ(resp->status, 401) << other;
  }
}

TEST(AuthTest, MetricsNeedATokenReadyzDoesNot) {
  TokenAuth auth;
  auth.add("token-for-org-one-0001", "org-1");
  http::Request req;
  req.method = "GET";
  req.path = "/metrics";
  auto refused = auth.check(req);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 401);
  req.headers.push_back({"Authorization", "Bearer token-for-org-one-0001"});
  EXPECT_FALSE(auth.check(req).has_value());
  req.headers.clear();
  req.path = "/readyz";
  EXPECT_FALSE(auth.check(req).has_value());
}

// /metrics covers every org (its labels name each org's Twilio accounts): a tenant's own
// valid token is refused with 403, the monitoring org's token is served.
TEST(AuthTest, MetricsAreOnlyForTheOrgsNamedForThem) {
  TokenAuth auth;
  auth.add("token-of-the-monitoring-org", "monitoring");
  auth.add("token-of-a-tenant-org-0001", "tenant-1");
  auth.restrictToOrgs("/metrics", {"monitoring"}, "not for this org");
  http::Request req;
  req.method = "GET";
  req.path = "/metrics";
  req.headers.push_back({"Authorization", "Bearer token-of-a-tenant-org-0001"});
  auto refused = auth.check(req);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 403);
  EXPECT_NE(refused->body.find("not for this org"), std::string::npos);
  req.headers.clear();
  req.headers.push_back({"Authorization", "Bearer token-of-the-monitoring-org"});
  EXPECT_FALSE(auth.check(req).has_value());
  // The tenant's token still works where it belongs.
  req.path = "/api/v1/providers";
  req.headers.clear();
  req.headers.push_back({"Authorization", "Bearer token-of-a-tenant-org-0001"});
  EXPECT_FALSE(auth.check(req).has_value());
  EXPECT_EQ(admin::orgOf(req), "tenant-1");
}

TEST(AuthTest, LoadsTokensFile) {
  TempDir dir;
  std::string path = dir.path() + "/tokens";
  std::ofstream(path)
      << "# comment\n\ntoken-aaaaaaaaaaaaaaaa org-a\ntoken-bbbbbbbbbbbbbbbb org-b\n";
  TokenAuth auth;
  ASSERT_TRUE(auth.loadFile(path).ok());
  EXPECT_EQ(auth.size(), 2u);
  EXPECT_EQ(auth.orgOf("token-bbbbbbbbbbbbbbbb"), "org-b");
  EXPECT_EQ(auth.orgOf("token-cccccccccccccccc"), std::nullopt);
}

TEST(AuthTest, RejectsMalformedTokensFileWithLineNumber) {
  TempDir dir;
  std::string path = dir.path() + "/tokens";
  std::ofstream(path) << "token-aaaaaaaaaaaaaaaa org-a\nlonely-token-without-org\n";
  TokenAuth auth;
  auto r = auth.loadFile(path);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("line 2"), std::string::npos);
  EXPECT_EQ(auth.size(), 0u);
  EXPECT_FALSE(auth.loadFile(dir.path() + "/missing").ok());
}

// One token for two orgs used to load silently: the first org in the file won, so the
// second org's holder acted as the first.
TEST(AuthTest, RejectsTheSameTokenTwiceWithoutNamingIt) {
  TempDir dir;
  std::string path = dir.path() + "/tokens";
  std::ofstream(path) << "token-aaaaaaaaaaaaaaaa org-a\ntoken-bbbbbbbbbbbbbbbb org-b\n"
                         "token-aaaaaaaaaaaaaaaa org-c\n";
  TokenAuth auth;
  auto r = auth.loadFile(path);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("line 3: the same token as tokens file " + path + " line 1"),
            std::string::npos)
      << r.error().message;
  EXPECT_EQ(r.error().message.find("token-aaaa"), std::string::npos) << r.error().message;
  EXPECT_EQ(auth.size(), 0u);
}

TEST(AuthTest, RejectsAnEnvironmentTokenThatIsAlsoInTheFile) {
  TempDir dir;
  std::string path = dir.path() + "/tokens";
  std::ofstream(path) << "token-aaaaaaaaaaaaaaaa org-a\n";
  TokenAuth auth;
  ASSERT_TRUE(auth.loadFile(path).ok());
  auto r = auth.addDistinct("token-aaaaaaaaaaaaaaaa", "default", "GATEWAY_ADMIN_TOKEN");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("GATEWAY_ADMIN_TOKEN: the same token as tokens file"),
            std::string::npos)
      << r.error().message;
  EXPECT_EQ(r.error().message.find("token-aaaa"), std::string::npos);
  EXPECT_EQ(auth.orgOf("token-aaaaaaaaaaaaaaaa"), "org-a");
  EXPECT_FALSE(auth.addDistinct("short-token", "default", "GATEWAY_ADMIN_TOKEN").ok());
  EXPECT_TRUE(auth.addDistinct("token-dddddddddddddddd", "default", "GATEWAY_ADMIN_TOKEN").ok());
}

TEST(AuthTest, GeneratedTokenFileIsPrivateAndReused) {
  TempDir dir;
  auto first = loadOrCreateTokenFile(dir.path() + "/data");
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->second);
  EXPECT_EQ(first->first.size(), 64u);
  struct stat st {};
  ASSERT_EQ(::stat((dir.path() + "/data/admin-token").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto second = loadOrCreateTokenFile(dir.path() + "/data");
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->second);
  EXPECT_EQ(second->first, first->first);
}

}  // namespace
}  // namespace gw::gateway
