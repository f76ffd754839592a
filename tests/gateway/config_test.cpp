#include "gateway/config.hpp"

#include <gtest/gtest.h>

namespace gw::gateway {
namespace {

Config parseOk(const std::vector<std::string>& args,
               const std::map<std::string, std::string>& env = {}) {
  auto c = parseConfig(args, env);
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
  return c.ok() ? *c : Config{};
}

TEST(ConfigTest, DefaultsMatchTheDocumentation) {
  Config c = parseOk({});
  EXPECT_EQ(c.dataDir, "./data");
  EXPECT_EQ(c.adminListen.text(), "127.0.0.1:8080");
  EXPECT_EQ(c.sipListen.text(), "127.0.0.1:5060");
  EXPECT_EQ(c.effectivePublicSipUri(), "sip:127.0.0.1:5060");
  EXPECT_EQ(c.twilioApiUrl, "https://api.twilio.com");
  EXPECT_EQ(c.twilioTrunkingUrl, "https://trunking.twilio.com");
  EXPECT_EQ(c.twilioConcurrency, 16u);
  EXPECT_EQ(c.twilioMaxAttempts, 4);
  EXPECT_TRUE(c.storeSync);
}

TEST(ConfigTest, FlagWinsOverEnvironment) {
  Config c = parseOk({"--data-dir", "/flag"}, {{"GATEWAY_DATA_DIR", "/env"}});
  EXPECT_EQ(c.dataDir, "/flag");
  c = parseOk({}, {{"GATEWAY_DATA_DIR", "/env"}, {"TWILIO_API_URL", "http://127.0.0.1:9/"}});
  EXPECT_EQ(c.dataDir, "/env");
  EXPECT_EQ(c.twilioApiUrl, "http://127.0.0.1:9");  // trailing slash dropped
}

TEST(ConfigTest, AcceptsEqualsForm) {
  Config c = parseOk({"--admin-listen=0.0.0.0:0", "--twilio-concurrency=4"});
  EXPECT_EQ(c.adminListen.host, "0.0.0.0");
  EXPECT_EQ(c.adminListen.port, 0);
  EXPECT_EQ(c.twilioConcurrency, 4u);
}

TEST(ConfigTest, PublicSipUriDefaultsToSipListen) {
  Config c = parseOk({"--sip-listen", "10.0.0.5:5080"});
  EXPECT_EQ(c.effectivePublicSipUri(), "sip:10.0.0.5:5080");
  c = parseOk({"--public-sip-uri", "sip:gw.example.com:5060"});
  EXPECT_EQ(c.effectivePublicSipUri(), "sip:gw.example.com:5060");
}

TEST(ConfigTest, AdminTokenComesFromEnvironmentOnly) {
  Config c = parseOk({}, {{"GATEWAY_ADMIN_TOKEN", "0123456789abcdef0123"}});
  EXPECT_EQ(c.adminToken, "0123456789abcdef0123");
  EXPECT_FALSE(parseConfig({"--admin-token", "x"}, {}).ok());
}

TEST(ConfigTest, BadValuesSayWhatIsWrong) {
  auto r = parseConfig({"--admin-listen", "localhost"}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("--admin-listen"), std::string::npos);
  EXPECT_NE(r.error().message.find("HOST:PORT"), std::string::npos);

  r = parseConfig({"--twilio-concurrency", "0"}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("1 to 1024"), std::string::npos);

  r = parseConfig({}, {{"GATEWAY_ADMIN_LISTEN", "1.2.3.4:99999"}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("GATEWAY_ADMIN_LISTEN"), std::string::npos);

  EXPECT_FALSE(parseConfig({"--public-sip-uri", "http://x"}, {}).ok());
  EXPECT_FALSE(parseConfig({"--twilio-api-url", "ftp://x"}, {}).ok());
  EXPECT_FALSE(parseConfig({"--store-sync", "yes"}, {}).ok());
  EXPECT_FALSE(parseConfig({"--data-dir"}, {}).ok());
  EXPECT_FALSE(parseConfig({"--bogus", "1"}, {}).ok());
}

TEST(ConfigTest, HelpListsEveryFlagWithItsVariable) {
  Config c = parseOk({"--help"});
  EXPECT_TRUE(c.help);
  std::string help = helpText();
  for (const char* s :
       {"--data-dir", "GATEWAY_DATA_DIR", "--admin-listen", "--sip-listen", "--public-sip-uri",
        "--twilio-api-url", "TWILIO_API_URL", "--twilio-trunking-url", "--tokens-file",
        "GATEWAY_ADMIN_TOKEN", "--twilio-concurrency", "--twilio-max-attempts"}) {
    EXPECT_NE(help.find(s), std::string::npos) << s;
  }
}

}  // namespace
}  // namespace gw::gateway
