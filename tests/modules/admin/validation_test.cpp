#include "modules/admin/validation.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace gw::admin {
namespace {

using ::testing::IsEmpty;

TEST(PagingTest, DefaultsToTheFirstTwenty) {
  http::Request req;
  FieldErrors errors;
  auto p = parsePaging(req, errors);
  EXPECT_THAT(errors, IsEmpty());
  EXPECT_EQ(p.skip, 0u);
  EXPECT_EQ(p.take, 20u);
}

TEST(PagingTest, TakesSkipAndTakeUpToTheLimit) {
  http::Request req;
  req.query = "skip=5&take=1000";
  FieldErrors errors;
  auto p = parsePaging(req, errors);
  EXPECT_THAT(errors, IsEmpty());
  EXPECT_EQ(p.skip, 5u);
  EXPECT_EQ(p.take, 1000u);
}

TEST(PagingTest, RefusesEachBadParameterByName) {
  for (const char* q : {"take=0", "take=1001", "take=x", "take=", "skip=-1", "skip=", "skip=1e3"}) {
    http::Request req;
    req.query = q;
    FieldErrors errors;
    parsePaging(req, errors);
    ASSERT_EQ(errors.size(), 1u) << q;
    EXPECT_EQ(errors[0].first, std::string(q).substr(0, 4)) << q;
  }
  http::Request req;
  req.query = "skip=x&take=0";
  FieldErrors errors;
  parsePaging(req, errors);
  EXPECT_EQ(errors.size(), 2u);
}

TEST(SidTest, WantsThePrefixAndThirtyTwoLowercaseHexDigits) {
  EXPECT_TRUE(isSid("PN0123456789abcdef0123456789abcdef", "PN"));
  EXPECT_FALSE(isSid("PN0123456789ABCDEF0123456789abcdef", "PN"));
  EXPECT_FALSE(isSid("AC0123456789abcdef0123456789abcdef", "PN"));
  EXPECT_FALSE(isSid("PN0123456789abcdef0123456789abcde", "PN"));
}

}  // namespace
}  // namespace gw::admin
