#include "tools/twilio_emulator/options.hpp"

#include <gtest/gtest.h>

namespace gw::emulator {
namespace {

TEST(TwilioEmulatorOptionsTest, ParsesEveryFlag) {
  const auto parsed = parseOptions(
      {"--listen", "0.0.0.0:0", "--account",
       "AC0123456789abcdef0123456789abcdef:aaaabbbbccccddddeeeeffff00001111", "--numbers=100000",
       "--latency-ms", "25", "--error-rate", "0.25", "--max-concurrency", "4", "--seed", "42",
       "--reattach-same-trunk-ok", "--retry-after", "2"});
  ASSERT_TRUE(parsed.error.empty()) << parsed.error;
  const Options& o = parsed.options;
  EXPECT_EQ(o.host, "0.0.0.0");
  EXPECT_EQ(o.port, 0);
  ASSERT_EQ(o.accounts.size(), 1u);
  EXPECT_EQ(o.accounts[0].sid, "AC0123456789abcdef0123456789abcdef");
  EXPECT_EQ(o.numbersPerAccount, 100000u);
  EXPECT_EQ(o.latency.count(), 25);
  EXPECT_DOUBLE_EQ(o.errorRate, 0.25);
  EXPECT_EQ(o.maxConcurrency, 4u);
  EXPECT_EQ(o.seed, 42u);
  EXPECT_TRUE(o.reattachSameTrunkOk);
  EXPECT_EQ(o.retryAfterSeconds, 2u);
  EXPECT_FALSE(parseOptions({"--retry-after", "-1"}).error.empty());
}

TEST(TwilioEmulatorOptionsTest, DefaultsMatchTheHelp) {
  const auto parsed = parseOptions({});
  ASSERT_TRUE(parsed.error.empty());
  EXPECT_EQ(parsed.options.host, "127.0.0.1");
  EXPECT_EQ(parsed.options.port, 8089);
  EXPECT_EQ(parsed.options.numbersPerAccount, 10u);
  EXPECT_TRUE(parsed.options.accounts.empty());
  EXPECT_TRUE(parseOptions({"--help"}).help);
}

TEST(TwilioEmulatorOptionsTest, RejectsMalformedValuesWithoutEchoingTokens) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"--listen", "8089"},
           {"--listen", "host:99999"},
           {"--account", "AC123:token"},
           {"--account", "AC0123456789abcdef0123456789abcdef:not-hex-secret-value-0000000000"},
           {"--error-rate", "1.5"},
           {"--error-rate", "-0.1"},
           {"--numbers", "ten"},
           {"--seed"},
           {"--unknown"}}) {
    const auto parsed = parseOptions(args);
    EXPECT_FALSE(parsed.error.empty()) << args[0];
    EXPECT_EQ(parsed.error.find("not-hex-secret"), std::string::npos) << parsed.error;
  }
}

}  // namespace
}  // namespace gw::emulator
