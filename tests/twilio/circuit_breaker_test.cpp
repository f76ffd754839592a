// The per-account circuit breaker of the Twilio client, on a hand-driven clock.
#include "twilio/circuit_breaker.hpp"

#include <gtest/gtest.h>

namespace gw::twilio {
namespace {

using namespace std::chrono_literals;
using Clock = CircuitBreaker::Clock;

CircuitBreaker breaker(size_t threshold = 3) {
  return CircuitBreaker(BreakerOptions{threshold, 10s});
}

TEST(CircuitBreakerTest, OpensAfterConsecutiveNetworkFailures) {
  auto b = breaker(3);
  Clock::time_point t0{};
  b.recordNetworkFailure(t0);
  b.recordNetworkFailure(t0);
  EXPECT_TRUE(b.allow(t0));
  b.recordNetworkFailure(t0);
  EXPECT_TRUE(b.open());
  EXPECT_FALSE(b.allow(t0));
  EXPECT_FALSE(b.allow(t0 + 9s));
  EXPECT_EQ(b.retryAt(), t0 + 10s);
}

TEST(CircuitBreakerTest, AnAnswerResetsTheCount) {
  auto b = breaker(3);
  Clock::time_point t0{};
  b.recordNetworkFailure(t0);
  b.recordNetworkFailure(t0);
  b.recordAnswer();  // a 500 is an answer too: Twilio is reachable
  b.recordNetworkFailure(t0);
  b.recordNetworkFailure(t0);
  EXPECT_FALSE(b.open());
  EXPECT_TRUE(b.allow(t0));
}

TEST(CircuitBreakerTest, LetsOneProbeThroughAfterTheCoolDown) {
  auto b = breaker(1);
  Clock::time_point t0{};
  b.recordNetworkFailure(t0);
  EXPECT_TRUE(b.allow(t0 + 10s));   // the probe
  EXPECT_FALSE(b.allow(t0 + 10s));  // the others wait for its outcome
  b.recordAnswer();
  EXPECT_FALSE(b.open());
  EXPECT_TRUE(b.allow(t0 + 10s));
}

TEST(CircuitBreakerTest, AFailedProbeOpensItForAnotherCoolDown) {
  auto b = breaker(1);
  Clock::time_point t0{};
  b.recordNetworkFailure(t0);
  ASSERT_TRUE(b.allow(t0 + 10s));
  b.recordNetworkFailure(t0 + 12s);
  EXPECT_FALSE(b.allow(t0 + 12s));
  EXPECT_FALSE(b.allow(t0 + 21s));
  EXPECT_TRUE(b.allow(t0 + 22s));
}

TEST(CircuitBreakerTest, LateFailuresOfEarlierRequestsDoNotExtendTheCoolDown) {
  auto b = breaker(1);
  Clock::time_point t0{};
  b.recordNetworkFailure(t0);
  b.recordNetworkFailure(t0 + 5s);  // was in flight when it opened
  EXPECT_TRUE(b.allow(t0 + 10s));
}

TEST(CircuitBreakerTest, AnAbandonedProbeLetsTheNextRequestProbe) {
  auto b = breaker(1);
  Clock::time_point t0{};
  b.recordNetworkFailure(t0);
  ASSERT_TRUE(b.allow(t0 + 10s));
  b.recordAbandoned();
  EXPECT_TRUE(b.allow(t0 + 10s));
}

TEST(CircuitBreakerTest, AZeroThresholdNeverOpens) {
  auto b = breaker(0);
  Clock::time_point t0{};
  for (int i = 0; i < 100; ++i) b.recordNetworkFailure(t0);
  EXPECT_FALSE(b.open());
  EXPECT_TRUE(b.allow(t0));
}

}  // namespace
}  // namespace gw::twilio
