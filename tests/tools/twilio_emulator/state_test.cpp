#include "tools/twilio_emulator/state.hpp"

#include <algorithm>
#include <set>

#include <gtest/gtest.h>

#include "tools/twilio_emulator/basic_auth.hpp"
#include "tools/twilio_emulator/sid.hpp"

namespace gw::emulator {
namespace {

// A million numbers must stay cheap: the record is fixed-size and small.
static_assert(sizeof(NumberRecord) <= 40, "NumberRecord grew");

TEST(TwilioEmulatorStateTest, SidTextRoundTripsAndSortsLikeTheValue) {
  SidGenerator gen(3);
  std::vector<Sid128> sids;
  for (int i = 0; i < 100; ++i) sids.push_back(gen.nextSid());
  std::vector<std::string> texts;
  for (const auto& sid : sids) {
    const std::string text = formatSid(kNumberPrefix, sid);
    ASSERT_EQ(text.size(), 34u);
    EXPECT_EQ(parseSid(kNumberPrefix, text), sid);
    texts.push_back(text);
  }
  std::sort(sids.begin(), sids.end());
  std::sort(texts.begin(), texts.end());
  for (size_t i = 0; i < sids.size(); ++i) EXPECT_EQ(formatSid(kNumberPrefix, sids[i]), texts[i]);
  EXPECT_FALSE(parseSid(kNumberPrefix, "TK0123456789abcdef0123456789abcdef"));
  EXPECT_FALSE(parseSid(kNumberPrefix, "PN0123456789abcdef0123456789abcdeg"));
  EXPECT_FALSE(parseSid(kNumberPrefix, "PN0123"));
}

TEST(TwilioEmulatorStateTest, CreatesDistinctSortedNumbersPerAccount) {
  State state(1);
  Account& a = state.addAccount(*parseSid(kAccountPrefix, "AC0123456789abcdef0123456789abcdef"),
                                "aaaabbbbccccddddeeeeffff00001111");
  Account& b = state.addAccount(*parseSid(kAccountPrefix, "ACfedcba9876543210fedcba9876543210"),
                                "11112222333344445555666677778888");
  const auto created = state.createNumbers(a, 20000);
  state.createNumbers(a, 5000);
  state.createNumbers(b, 1000);
  ASSERT_EQ(created.size(), 20000u);
  ASSERT_EQ(a.numbers.size(), 25000u);
  EXPECT_TRUE(std::is_sorted(a.numbers.begin(), a.numbers.end(),
                             [](const auto& x, const auto& y) { return x.sid < y.sid; }));
  std::set<uint64_t> phones;
  for (const auto& n : a.numbers) EXPECT_TRUE(phones.insert(n.phone).second);
  for (const auto& n : b.numbers) EXPECT_TRUE(phones.insert(n.phone).second);
  for (const auto& sid : created) EXPECT_NE(state.findNumber(a, sid), nullptr);
  EXPECT_EQ(state.findNumber(b, created.front()), nullptr);
}

TEST(TwilioEmulatorStateTest, AuthenticatesOnlyTheRightToken) {
  State state(1);
  state.addAccount(*parseSid(kAccountPrefix, "AC0123456789abcdef0123456789abcdef"),
                   "aaaabbbbccccddddeeeeffff00001111");
  EXPECT_NE(
      state.authenticate("AC0123456789abcdef0123456789abcdef", "aaaabbbbccccddddeeeeffff00001111"),
      nullptr);
  EXPECT_EQ(
      state.authenticate("AC0123456789abcdef0123456789abcdef", "aaaabbbbccccddddeeeeffff00001112"),
      nullptr);
  EXPECT_EQ(state.authenticate("AC0123456789abcdef0123456789abcdef", ""), nullptr);
}

TEST(TwilioEmulatorStateTest, ParsesBasicCredentials) {
  const std::string header = "Basic " + encodeBase64("ACabc:secret:with:colons");
  const auto creds = parseBasicAuth(header);
  ASSERT_TRUE(creds);
  EXPECT_EQ(creds->user, "ACabc");
  EXPECT_EQ(creds->password, "secret:with:colons");
  EXPECT_TRUE(parseBasicAuth("basic " + encodeBase64("a:b")));
  EXPECT_FALSE(parseBasicAuth("Bearer abc"));
  EXPECT_FALSE(parseBasicAuth("Basic !!!!"));
  EXPECT_FALSE(parseBasicAuth("Basic " + encodeBase64("no-colon")));
  for (std::string s : {"", "a", "ab", "abc", "abcd", "abcde"}) {
    EXPECT_EQ(decodeBase64(encodeBase64(s)), s);
  }
}

}  // namespace
}  // namespace gw::emulator
