#include "common/text.hpp"

#include <gtest/gtest.h>

namespace gw {
namespace {

TEST(TextTest, CountsCodePointsNotBytes) {
  EXPECT_EQ(utf8Length(""), 0u);
  EXPECT_EQ(utf8Length("abc"), 3u);
  EXPECT_EQ(utf8Length("Zo\xc3\xab"), 3u);                // Zoë
  EXPECT_EQ(utf8Length("\xe6\x9d\xb1\xe4\xba\xac"), 2u);  // two CJK characters
}

TEST(TextTest, CutsBetweenCharactersNeverInsideOne) {
  EXPECT_EQ(utf8Prefix("abcdef", 3), "abc");
  EXPECT_EQ(utf8Prefix("abc", 10), "abc");
  EXPECT_EQ(utf8Prefix("Zo\xc3\xab!", 3), "Zo\xc3\xab");
  EXPECT_EQ(utf8Prefix("\xe6\x9d\xb1\xe4\xba\xac", 1), "\xe6\x9d\xb1");
  EXPECT_EQ(utf8Prefix("abc", 0), "");
}

TEST(TextTest, BlankIsOnlyWhitespace) {
  EXPECT_TRUE(isBlank(""));
  EXPECT_TRUE(isBlank(" \t\r\n"));
  EXPECT_FALSE(isBlank(" a "));
}

}  // namespace
}  // namespace gw
