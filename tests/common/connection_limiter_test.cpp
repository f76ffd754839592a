// ConnectionLimiter: per-source and per-listener caps, and who gives way when the listener
// is full, so that one address flooding a listener cannot keep another address out.
#include "common/connection_limiter.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace gw::net {
namespace {

using Verdict = ConnectionLimiter::Verdict;
const auto kFlooder = boost::asio::ip::make_address("127.0.0.1");
const auto kOther = boost::asio::ip::make_address("127.0.0.2");
const auto kThird = boost::asio::ip::make_address("::1");

// Distinct ids without objects behind them.
ConnectionLimiter::Id id(size_t n) {
  return reinterpret_cast<ConnectionLimiter::Id>(n + 1);
}

TEST(ConnectionLimiterTest, RefusesASourceAtItsCapButAdmitsAnother) {
  ConnectionLimiter limiter({10, 3});
  for (size_t i = 0; i < 3; ++i)
    EXPECT_EQ(limiter.admit(kFlooder, id(i)).verdict, Verdict::kAdmitted);
  EXPECT_EQ(limiter.admit(kFlooder, id(3)).verdict, Verdict::kSourceFull);
  EXPECT_EQ(limiter.admit(kOther, id(4)).verdict, Verdict::kAdmitted);
  EXPECT_EQ(limiter.countFrom(kFlooder), 3u);
  limiter.release(id(0));
  EXPECT_EQ(limiter.admit(kFlooder, id(5)).verdict, Verdict::kAdmitted);
}

TEST(ConnectionLimiterTest, FullListenerEvictsTheOldestOfTheHeaviestSource) {
  ConnectionLimiter limiter({4, 0});
  for (size_t i = 0; i < 4; ++i)
    ASSERT_EQ(limiter.admit(kFlooder, id(i)).verdict, Verdict::kAdmitted);
  // The flooder itself gets no more...
  EXPECT_EQ(limiter.admit(kFlooder, id(9)).verdict, Verdict::kListenerFull);
  // ...but another address takes the flooder's oldest slot.
  const auto a = limiter.admit(kOther, id(4));
  EXPECT_EQ(a.verdict, Verdict::kAdmitted);
  EXPECT_EQ(a.evict, id(0));
  EXPECT_EQ(limiter.size(), 4u);
  EXPECT_EQ(limiter.countFrom(kFlooder), 3u);
  limiter.release(id(0));  // the caller closing the evicted one: already forgotten
  EXPECT_EQ(limiter.size(), 4u);
  const auto b = limiter.admit(kThird, id(5));
  EXPECT_EQ(b.evict, id(1));
}

TEST(ConnectionLimiterTest, EqualSourcesDoNotEvictEachOther) {
  ConnectionLimiter limiter({2, 0});
  ASSERT_EQ(limiter.admit(kFlooder, id(0)).verdict, Verdict::kAdmitted);
  ASSERT_EQ(limiter.admit(kOther, id(1)).verdict, Verdict::kAdmitted);
  // Taking a slot from a source with one connection would only move the shortage there.
  EXPECT_EQ(limiter.admit(kThird, id(2)).verdict, Verdict::kListenerFull);
}

TEST(ConnectionLimiterTest, NoCapsAdmitsEverything) {
  ConnectionLimiter limiter;
  for (size_t i = 0; i < 1000; ++i)
    ASSERT_EQ(limiter.admit(kFlooder, id(i)).verdict, Verdict::kAdmitted);
  for (size_t i = 0; i < 1000; ++i) limiter.release(id(i));
  EXPECT_EQ(limiter.size(), 0u);
}

}  // namespace
}  // namespace gw::net
