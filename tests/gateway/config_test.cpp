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
  EXPECT_EQ(c.effectiveTwilioMaxConcurrency(), 100u);
  EXPECT_EQ(c.twilioMaxAttempts, 4);
  EXPECT_TRUE(c.storeSync);
}

// A short GATEWAY_ADMIN_TOKEN used to be accepted although the tokens file refuses one.
TEST(ConfigTest, RefusesShortAdminTokenWithoutShowingIt) {
  auto r = parseConfig({}, {{"GATEWAY_ADMIN_TOKEN", "abc123secret"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, 2);
  EXPECT_NE(r.error().message.find("GATEWAY_ADMIN_TOKEN"), std::string::npos);
  EXPECT_NE(r.error().message.find("shorter than 16 characters"), std::string::npos);
  EXPECT_EQ(r.error().message.find("abc123secret"), std::string::npos);
  EXPECT_EQ(parseOk({}, {{"GATEWAY_ADMIN_TOKEN", "0123456789abcdef"}}).adminToken,
            "0123456789abcdef");
}

TEST(ConfigTest, StoreMapSize) {
  EXPECT_EQ(parseOk({}).storeMapSizeBytes, size_t{16} << 30);
  EXPECT_EQ(parseOk({"--store-map-size", "64MiB"}).storeMapSizeBytes, size_t{64} << 20);
  EXPECT_EQ(parseOk({"--store-map-size", "2G"}).storeMapSizeBytes, size_t{2} << 30);
  EXPECT_EQ(parseOk({"--store-map-size", "1048576"}).storeMapSizeBytes, size_t{1} << 20);
  EXPECT_EQ(parseOk({}, {{"GATEWAY_STORE_MAP_SIZE", "1T"}}).storeMapSizeBytes, size_t{1} << 40);
  for (const char* bad : {"1000", "0", "12XB", "MiB", "-5G", "99999999999999999999", "65T"}) {
    auto r = parseConfig({"--store-map-size", bad}, {});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message.find("--store-map-size"), std::string::npos);
  }
}

TEST(ConfigTest, FlagWinsOverEnvironment) {
  Config c = parseOk({"--data-dir", "/flag"}, {{"GATEWAY_DATA_DIR", "/env"}});
  EXPECT_EQ(c.dataDir, "/flag");
  c = parseOk({}, {{"GATEWAY_DATA_DIR", "/env"}, {"TWILIO_API_URL", "http://127.0.0.1:9/"}});
  EXPECT_EQ(c.dataDir, "/env");
  EXPECT_EQ(c.twilioApiUrl, "http://127.0.0.1:9");  // trailing slash dropped
}

TEST(ConfigTest, SipUdpBufferBytes) {
  EXPECT_EQ(parseOk({}).sipUdpBufferBytes, size_t{4} << 20);
  EXPECT_EQ(parseOk({"--sip-udp-buffer-bytes", "0"}).sipUdpBufferBytes, 0u);
  EXPECT_EQ(parseOk({}, {{"GATEWAY_SIP_UDP_BUFFER_BYTES", "1048576"}}).sipUdpBufferBytes,
            size_t{1} << 20);
  EXPECT_FALSE(parseConfig({"--sip-udp-buffer-bytes", "-1"}, {}));
  EXPECT_FALSE(parseConfig({"--sip-udp-buffer-bytes", "lots"}, {}));
}

TEST(ConfigTest, WithoutEtcdEndpointsTheGatewayIsASingleNode) {
  Config c = parseOk({});
  EXPECT_FALSE(c.clustered());
  EXPECT_EQ(c.etcdPrefix, "/gateway/");
  EXPECT_EQ(c.etcdLeaseTtlMs, 10'000);
  EXPECT_EQ(c.clusterGraceMs, 300'000);
  EXPECT_FALSE(c.effectiveNodeId().empty());  // the host name
}

TEST(ConfigTest, ClusterFlagsAndVariables) {
  Config c = parseOk({"--etcd-endpoints", "http://127.0.0.1:2379, http://10.0.0.2:2379/",
                      "--node-id", "gw-a.1", "--etcd-prefix", "/prod", "--etcd-lease-ttl", "5s",
                      "--cluster-grace", "90s"});
  EXPECT_TRUE(c.clustered());
  EXPECT_EQ(c.etcdEndpoints,
            (std::vector<std::string>{"http://127.0.0.1:2379", "http://10.0.0.2:2379"}));
  EXPECT_EQ(c.effectiveNodeId(), "gw-a.1");
  EXPECT_EQ(c.etcdPrefix, "/prod/");
  EXPECT_EQ(c.etcdLeaseTtlMs, 5'000);
  EXPECT_EQ(c.clusterGraceMs, 90'000);
  Config e =
      parseOk({}, {{"GATEWAY_ETCD_ENDPOINTS", "https://etcd:2379"}, {"GATEWAY_NODE_ID", "b"}});
  EXPECT_EQ(e.etcdEndpoints, (std::vector<std::string>{"https://etcd:2379"}));
  EXPECT_EQ(e.effectiveNodeId(), "b");
}

TEST(ConfigTest, BadClusterSettingsSayWhatIsExpected) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--etcd-endpoints", "127.0.0.1:2379"}, "http://127.0.0.1:2379"},
      {{"--etcd-endpoints", "http://a:1,"}, "http://127.0.0.1:2379"},
      {{"--etcd-endpoints", "http://host"}, "http://127.0.0.1:2379"},
      {{"--node-id", "a b"}, "letters, digits"},
      {{"--node-id", std::string(65, 'a')}, "letters, digits"},
      {{"--etcd-prefix", "gateway"}, "starting with '/'"},
      {{"--etcd-lease-ttl", "1s"}, "whole seconds"},
      {{"--etcd-lease-ttl", "2500ms"}, "whole seconds"},
      {{"--cluster-grace", "5"}, "30m"},
  };
  for (const auto& [args, expected] : cases) {
    auto r = parseConfig(args, {});
    ASSERT_FALSE(r.ok()) << args[1];
    EXPECT_NE(r.error().message.find(expected), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find(args[0]), std::string::npos) << r.error().message;
  }
}

TEST(ConfigTest, VerifyIntervalIsADurationWithAUnit) {
  EXPECT_EQ(parseOk({}).verifyIntervalMs, 3'600'000);
  EXPECT_EQ(parseOk({"--verify-interval", "30m"}).verifyIntervalMs, 1'800'000);
  EXPECT_EQ(parseOk({"--verify-interval", "90s"}).verifyIntervalMs, 90'000);
  EXPECT_EQ(parseOk({"--verify-interval", "500ms"}).verifyIntervalMs, 500);
  EXPECT_EQ(parseOk({"--verify-interval", "0"}).verifyIntervalMs, 0);
  EXPECT_EQ(parseOk({}, {{"GATEWAY_VERIFY_INTERVAL", "2h"}}).verifyIntervalMs, 7'200'000);
  for (const char* bad : {"", "10", "h", "-1h", "1d", "169h", "1.5h", "1 h"}) {
    auto r = parseConfig({"--verify-interval", bad}, {});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message.find("30m"), std::string::npos) << r.error().message;
  }
}

TEST(ConfigTest, LogFormatIsTextOrJson) {
  EXPECT_EQ(parseOk({}).logFormat, "text");
  EXPECT_EQ(parseOk({"--log-format", "json"}).logFormat, "json");
  EXPECT_EQ(parseOk({}, {{"GATEWAY_LOG_FORMAT", "json"}}).logFormat, "json");
  auto r = parseConfig({"--log-format", "yaml"}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("--log-format"), std::string::npos);
  EXPECT_NE(r.error().message.find("expected text or json, got 'yaml'"), std::string::npos);
}

TEST(ConfigTest, MetricsOrgsAreACommaSeparatedList) {
  EXPECT_EQ(parseOk({}).metricsOrgs, std::vector<std::string>{"default"});
  EXPECT_EQ(parseOk({"--metrics-orgs", "ops,monitoring"}).metricsOrgs,
            (std::vector<std::string>{"ops", "monitoring"}));
  EXPECT_EQ(parseOk({}, {{"GATEWAY_METRICS_ORGS", "ops"}}).metricsOrgs,
            std::vector<std::string>{"ops"});
  for (const char* bad : {"", "ops,", ",ops", "ops,,monitoring", "ops team"}) {
    auto r = parseConfig({"--metrics-orgs", bad}, {});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message.find("--metrics-orgs"), std::string::npos) << r.error().message;
  }
}

TEST(ConfigTest, AcceptsEqualsForm) {
  Config c = parseOk({"--admin-listen=0.0.0.0:0", "--twilio-concurrency=4"});
  EXPECT_EQ(c.adminListen.host, "0.0.0.0");
  EXPECT_EQ(c.adminListen.port, 0);
  EXPECT_EQ(c.twilioConcurrency, 4u);
}

TEST(ConfigTest, TwilioMaxConcurrencyIsAtLeastTheStart) {
  EXPECT_EQ(parseOk({"--twilio-max-concurrency", "40"}).effectiveTwilioMaxConcurrency(), 40u);
  EXPECT_EQ(
      parseOk({}, {{"GATEWAY_TWILIO_MAX_CONCURRENCY", "8"}, {"GATEWAY_TWILIO_CONCURRENCY", "8"}})
          .effectiveTwilioMaxConcurrency(),
      8u);
  // Unset, the maximum follows a start above its default.
  EXPECT_EQ(parseOk({"--twilio-concurrency", "200"}).effectiveTwilioMaxConcurrency(), 200u);

  auto r = parseConfig({"--twilio-concurrency", "32", "--twilio-max-concurrency", "16"}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("--twilio-max-concurrency"), std::string::npos);
  EXPECT_NE(r.error().message.find("16 is below --twilio-concurrency"), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("32"), std::string::npos);
  // Whichever way each is given: the flag and the variable are checked together.
  EXPECT_FALSE(parseConfig({"--twilio-max-concurrency", "4"}, {}).ok());
  EXPECT_FALSE(parseConfig({}, {{"GATEWAY_TWILIO_MAX_CONCURRENCY", "4"}}).ok());
  r = parseConfig({"--twilio-max-concurrency", "0"}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("1 to 1024"), std::string::npos);
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
  for (const char* s : {"--data-dir",
                        "GATEWAY_DATA_DIR",
                        "--admin-listen",
                        "--sip-listen",
                        "--public-sip-uri",
                        "--twilio-api-url",
                        "TWILIO_API_URL",
                        "--twilio-trunking-url",
                        "--tokens-file",
                        "GATEWAY_ADMIN_TOKEN",
                        "--twilio-concurrency",
                        "--twilio-max-attempts",
                        "--twilio-max-concurrency",
                        "GATEWAY_TWILIO_MAX_CONCURRENCY",
                        "--sip-workers",
                        "GATEWAY_SIP_WORKERS",
                        "--sip-trusted-cidr",
                        "GATEWAY_SIP_TRUSTED_CIDRS",
                        "--sip-outbound-proxy",
                        "GATEWAY_SIP_OUTBOUND_PROXY",
                        "--sip-udp-buffer-bytes",
                        "GATEWAY_SIP_UDP_BUFFER_BYTES",
                        "--metrics-orgs",
                        "GATEWAY_METRICS_ORGS"}) {
    EXPECT_NE(help.find(s), std::string::npos) << s;
  }
}

TEST(ConfigTest, SipWorkersDefaultToTheCoresAndAreBounded) {
  Config c = parseOk({});
  EXPECT_EQ(c.sipWorkers, defaultSipWorkers());
  EXPECT_GE(c.sipWorkers, 1u);
  EXPECT_EQ(parseOk({"--sip-workers", "3"}).sipWorkers, 3u);
  EXPECT_EQ(parseOk({}, {{"GATEWAY_SIP_WORKERS", "5"}}).sipWorkers, 5u);
  auto r = parseConfig({"--sip-workers", "0"}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("--sip-workers"), std::string::npos);
  EXPECT_FALSE(parseConfig({"--sip-workers", "many"}, {}).ok());
}

TEST(ConfigTest, TrustedCidrsAreRepeatableAndReplaceTheVariable) {
  EXPECT_TRUE(parseOk({}).sipTrustedCidrs.empty());
  Config c = parseOk({"--sip-trusted-cidr", "127.0.0.0/8", "--sip-trusted-cidr=10.1.0.0/16"});
  ASSERT_EQ(c.sipTrustedCidrs.size(), 2u);
  EXPECT_EQ(c.sipTrustedCidrs[0].text(), "127.0.0.0/8");
  EXPECT_EQ(c.sipTrustedCidrs[1].text(), "10.1.0.0/16");

  c = parseOk({}, {{"GATEWAY_SIP_TRUSTED_CIDRS", "127.0.0.0/8, 2001:db8::/32"}});
  ASSERT_EQ(c.sipTrustedCidrs.size(), 2u);
  EXPECT_EQ(c.sipTrustedCidrs[1].text(), "2001:db8::/32");

  c = parseOk({"--sip-trusted-cidr", "192.0.2.0/24"},
              {{"GATEWAY_SIP_TRUSTED_CIDRS", "127.0.0.0/8"}});
  ASSERT_EQ(c.sipTrustedCidrs.size(), 1u);  // the flag wins over the variable
  EXPECT_EQ(c.sipTrustedCidrs[0].text(), "192.0.2.0/24");
}

TEST(ConfigTest, BadTrustedCidrSaysWhatIsWrong) {
  auto r = parseConfig({"--sip-trusted-cidr", "10.0.0.1/8"}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("--sip-trusted-cidr"), std::string::npos);
  EXPECT_NE(r.error().message.find("10.0.0.1/8"), std::string::npos);
  r = parseConfig({}, {{"GATEWAY_SIP_TRUSTED_CIDRS", "127.0.0.0/8,nonsense"}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("GATEWAY_SIP_TRUSTED_CIDRS"), std::string::npos);
  EXPECT_NE(r.error().message.find("nonsense"), std::string::npos);
}

TEST(ConfigTest, OutboundProxyIsAHostAndPort) {
  EXPECT_FALSE(parseOk({}).sipOutboundProxy);
  Config c = parseOk({"--sip-outbound-proxy", "127.0.0.1:5099"});
  ASSERT_TRUE(c.sipOutboundProxy);
  EXPECT_EQ(c.sipOutboundProxy->text(), "127.0.0.1:5099");
  c = parseOk({}, {{"GATEWAY_SIP_OUTBOUND_PROXY", "sbc.example.com:5060"}});
  ASSERT_TRUE(c.sipOutboundProxy);
  EXPECT_EQ(c.sipOutboundProxy->host, "sbc.example.com");
  EXPECT_FALSE(parseConfig({"--sip-outbound-proxy", "127.0.0.1"}, {}).ok());
  EXPECT_FALSE(parseConfig({"--sip-outbound-proxy", "127.0.0.1:0"}, {}).ok());
}

}  // namespace
}  // namespace gw::gateway
