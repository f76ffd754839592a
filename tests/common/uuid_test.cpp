#include "common/uuid.hpp"

#include <set>

#include <gtest/gtest.h>

namespace gw {
namespace {

TEST(UuidTest, NewUuidIsVersion4AndParses) {
  std::string id = newUuid();
  ASSERT_EQ(id.size(), 36u);
  EXPECT_EQ(id[14], '4');
  EXPECT_TRUE(id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b');
  auto bytes = parseUuid(id);
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(formatUuid(*bytes), id);
}

TEST(UuidTest, NewUuidsDiffer) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(newUuid());
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(UuidTest, RejectsMalformedText) {
  EXPECT_FALSE(isUuid(""));
  EXPECT_FALSE(isUuid("not-a-uuid"));
  EXPECT_FALSE(isUuid("123e4567-e89b-12d3-a456-42661417400"));    // short
  EXPECT_FALSE(isUuid("123e4567-e89b-12d3-a456-4266141740000"));  // long
  EXPECT_FALSE(isUuid("123e4567xe89b-12d3-a456-426614174000"));   // dash misplaced
  EXPECT_FALSE(isUuid("123e4567-e89b-12d3-a456-42661417400g"));
  EXPECT_TRUE(isUuid("123E4567-E89B-12D3-A456-426614174000"));
}

TEST(UuidTest, EveryPositionIsChecked) {
  const std::string good = "123e4567-e89b-12d3-a456-426614174000";
  for (size_t i = 0; i < good.size(); ++i) {
    for (char c : {'g', '-', ' ', '\0', '\xff'}) {
      std::string bad = good;
      if (bad[i] == c) continue;
      bad[i] = c;
      EXPECT_FALSE(isUuid(bad)) << "position " << i;
    }
  }
  auto bytes = parseUuid(good);
  ASSERT_TRUE(bytes);
  EXPECT_EQ((*bytes)[0], 0x12);
  EXPECT_EQ((*bytes)[15], 0x00);
  EXPECT_EQ((*bytes)[6], 0x12);
}

}  // namespace
}  // namespace gw
