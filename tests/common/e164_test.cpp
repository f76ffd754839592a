#include "common/e164.hpp"

#include <gtest/gtest.h>

namespace gw {
namespace {

TEST(E164Test, AcceptsStrictNumbers) {
  EXPECT_TRUE(isE164("+14155550100"));
  EXPECT_TRUE(isE164("+1"));
  EXPECT_TRUE(isE164("+123456789012345"));
}

TEST(E164Test, RejectsMalformedNumbers) {
  EXPECT_FALSE(isE164(""));
  EXPECT_FALSE(isE164("+"));
  EXPECT_FALSE(isE164("14155550100"));
  EXPECT_FALSE(isE164("+04155550100"));
  EXPECT_FALSE(isE164("+1234567890123456"));  // 16 digits
  EXPECT_FALSE(isE164("+1415555010a"));
  EXPECT_FALSE(isE164("+1 415 555 0100"));
}

TEST(E164Test, NormalizesVisualSeparatorsAndMissingPlus) {
  EXPECT_EQ(normalizeE164("+1 (415) 555-0100"), "+14155550100");
  EXPECT_EQ(normalizeE164("14155550100"), "+14155550100");
  EXPECT_EQ(normalizeE164("+44.20.7946.0958"), "+442079460958");
  EXPECT_EQ(normalizeE164("+1/415/5550100"), "+14155550100");
}

TEST(E164Test, NormalizeRefusesWhatIsNotANumber) {
  EXPECT_EQ(normalizeE164("alice"), std::nullopt);
  EXPECT_EQ(normalizeE164("++14155550100"), std::nullopt);
  EXPECT_EQ(normalizeE164("0044"), std::nullopt);
  EXPECT_EQ(normalizeE164(""), std::nullopt);
  EXPECT_EQ(normalizeE164("+1415*555"), std::nullopt);
}

TEST(E164Test, KeyRoundTrips) {
  auto key = e164Key("+14155550100");
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(*key, 14155550100ULL);
  EXPECT_EQ(e164FromKey(*key), "+14155550100");
  EXPECT_EQ(e164Key("+999999999999999").value(), 999999999999999ULL);
  EXPECT_EQ(e164Key("14155550100"), std::nullopt);
}

TEST(E164Test, NormalizedKeyIsTheKeyOfTheNormalizedNumber) {
  for (std::string_view text :
       {"+14155550100", "14155550100", "+1 (415) 555-0100", "+1.415.555.0100", "+1/415", "0155",
        "+0155", "+", "", "abc", "+1415555010012345", "+141555501001234", "+1-415-55x", "++1415"}) {
    auto n = normalizeE164(text);
    EXPECT_EQ(normalizedE164Key(text), n ? e164Key(*n) : std::nullopt) << text;
  }
  EXPECT_EQ(normalizedE164Key("+1 (415) 555-0100").value(), 14155550100ULL);
}

}  // namespace
}  // namespace gw
