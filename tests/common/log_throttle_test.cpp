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

// A flood of a million events in one interval writes one line; the next line says how
// many were left out.
TEST(LogThrottleTest, AFloodWritesOneLinePerInterval) {
  Throttle t(std::chrono::seconds(1));
  const auto start = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  uint64_t skipped = 0;
  size_t lines = 0;
  for (int i = 0; i < 1'000'000; ++i) {
    if (t.allow(skipped, start + std::chrono::microseconds(i / 2))) ++lines;
  }
  EXPECT_EQ(lines, 1u);
  EXPECT_EQ(t.suppressed(), 999'999u);
  EXPECT_FALSE(t.allow(skipped, start + std::chrono::milliseconds(999)));
  ASSERT_TRUE(t.allow(skipped, start + std::chrono::seconds(1)));
  EXPECT_EQ(skipped, 1'000'000u);
  EXPECT_EQ(t.suppressed(), 0u);
}

}  // namespace
}  // namespace gw::log
