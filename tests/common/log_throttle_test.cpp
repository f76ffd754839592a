// log::Throttle: one line per interval, and the next line tells how many were left out.
#include "common/log_throttle.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace gw::log {
namespace {

TEST(LogThrottleTest, AllowsOneLinePerIntervalAndCountsTheRest) {
  Throttle t(std::chrono::milliseconds(50));
  uint64_t skipped = 99;
  EXPECT_TRUE(t.allow(skipped));
  EXPECT_EQ(skipped, 0u);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(t.allow(skipped));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  bool allowed = false;
  while (!allowed && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    allowed = t.allow(skipped);
  }
  ASSERT_TRUE(allowed);
  EXPECT_GE(skipped, 5u);  // the five above, and any poll that came too early
}

}  // namespace
}  // namespace gw::log
