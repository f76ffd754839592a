// gw::json::parse, the one parser of untrusted JSON: nesting is bounded without recursion
// (a deep document once overflowed the control thread's stack in RapidJSON's recursive
// parser), and every string must be valid UTF-8 (RapidJSON decodes a lone "\uDC00" escape
// to bytes that are not, which then broke every JSON response they were echoed in).
#include "common/json.hpp"

#include <gtest/gtest.h>

#include <string>

#include "common/utf8.hpp"

namespace gw::json {
namespace {

std::string nested(size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

TEST(JsonTest, ParsesAnObjectWithinTheDepthLimit) {
  rapidjson::Document doc;
  auto err = parse(doc, R"({"name":"Caf\u00e9 \u00fc","a":[[1,{"b":null}]]})");
  ASSERT_FALSE(err) << err->message;
  ASSERT_TRUE(doc.IsObject());
  EXPECT_STREQ(doc["name"].GetString(), "Caf\xC3\xA9 \xC3\xBC");
}

TEST(JsonTest, RefusesHugeNestingWithoutRecursion) {
  rapidjson::Document doc;
  auto err = parse(doc, std::string(1'000'000, '['));
  ASSERT_TRUE(err);
  EXPECT_EQ(err->kind, ParseError::Kind::kTooDeep);
  EXPECT_EQ(err->message, "nests arrays and objects deeper than 64 levels (at byte 64)");
  EXPECT_TRUE(doc.IsNull());
}

TEST(JsonTest, AcceptsExactlyTheDepthLimit) {
  rapidjson::Document doc;
  EXPECT_FALSE(parse(doc, nested(kMaxDepth)));
  auto err = parse(doc, nested(kMaxDepth + 1));
  ASSERT_TRUE(err);
  EXPECT_EQ(err->kind, ParseError::Kind::kTooDeep);
  EXPECT_FALSE(parse(doc, nested(3), 3));
  EXPECT_TRUE(parse(doc, R"({"a":{"b":{"c":{}}}})", 3));
}

TEST(JsonTest, RefusesInvalidUtf8InStringsAndKeys) {
  for (std::string text :
       {std::string("{\"name\":\"a\xFF\"}"), std::string("{\"n\xC0\xAF\":1}"),
        std::string("{\"name\":\"\xED\xA0\x80\"}"), std::string(R"({"name":"\uDC00"})"),
        std::string(R"({"name":"x\uDFFFy"})")}) {
    rapidjson::Document doc;
    auto err = parse(doc, text);
    ASSERT_TRUE(err) << text;
    EXPECT_EQ(err->kind, ParseError::Kind::kInvalidUtf8) << text << ": " << err->message;
    EXPECT_TRUE(doc.IsNull());
  }
}

TEST(JsonTest, RefusesSyntaxErrorsNulBytesAndTrailingText) {
  rapidjson::Document doc;
  for (std::string text : {std::string("{\"a\":1"), std::string("{\"a\":1} x"),
                           std::string("{\"a\":1}\0 x", 10), std::string("")}) {
    auto err = parse(doc, text);
    ASSERT_TRUE(err) << text;
    EXPECT_EQ(err->kind, ParseError::Kind::kSyntax) << err->message;
  }
  auto err = parse(doc, "{\"a\":1,}");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->message.rfind("is not valid JSON: ", 0), 0u) << err->message;
}

TEST(Utf8Test, AcceptsOnlyStrictUtf8) {
  EXPECT_TRUE(isValidUtf8(""));
  EXPECT_TRUE(isValidUtf8("plain \xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));
  EXPECT_TRUE(isValidUtf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
  EXPECT_EQ(invalidUtf8Offset("ab\x80"), 2u);    // a lone continuation byte
  EXPECT_EQ(invalidUtf8Offset("\xC0\xAF"), 0u);  // overlong '/'
  EXPECT_EQ(invalidUtf8Offset("\xE0\x80\xAF"), 0u);
  EXPECT_EQ(invalidUtf8Offset("\xED\xB0\x80"), 0u);      // a UTF-16 surrogate
  EXPECT_EQ(invalidUtf8Offset("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(invalidUtf8Offset("x\xE2\x82"), 1u);         // cut short
}

TEST(Utf8Test, RepairsWithReplacementCharacters) {
  EXPECT_EQ(toValidUtf8("a\xFF"
                        "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(toValidUtf8("\xC3\xA9"), "\xC3\xA9");
  EXPECT_TRUE(isValidUtf8(toValidUtf8("\xED\xA0\x80\xE2\x82")));
}

}  // namespace
}  // namespace gw::json
