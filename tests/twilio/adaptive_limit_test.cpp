// AdaptiveLimit driven by explicit events on a fixed clock: how the bound of one account
// rises while Twilio accepts, falls once per overload on 429, stays below a refused level,
// honours Retry-After and keeps to its floor and cap.
#include "twilio/adaptive_limit.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace gw::twilio {
namespace {

using namespace std::chrono_literals;
using Clock = AdaptiveLimit::Clock;

const Clock::time_point kNow = Clock::time_point{} + 1h;

AdaptiveLimitOptions options(size_t initial, size_t max, size_t probeWindows = 4) {
  AdaptiveLimitOptions o;
  o.initial = initial;
  o.max = max;
  o.decrease = 0.5;
  o.probeWindows = probeWindows;
  return o;
}

// `n` requests sent with the bound in full use, then all answered.
void fullWindow(AdaptiveLimit& l, size_t n) {
  std::vector<AdaptiveLimit::Ticket> tickets;
  for (size_t i = 0; i < n; ++i) tickets.push_back(l.sent(l.limit()));
  for (const auto& t : tickets) l.answered(t);
}

TEST(AdaptiveLimitTest, StartsAtTheInitialBound) {
  EXPECT_EQ(AdaptiveLimit(options(16, 100)).limit(), 16u);
  EXPECT_EQ(AdaptiveLimit(options(0, 100)).limit(), 1u);
  // A cap below the start is raised to it: the configuration checks this; the class copes.
  AdaptiveLimit low(options(16, 4));
  EXPECT_EQ(low.limit(), 16u);
  EXPECT_EQ(low.max(), 16u);
}

TEST(AdaptiveLimitTest, DoublesEachRoundTripUntilTheFirst429) {
  AdaptiveLimit l(options(4, 100));
  std::vector<AdaptiveLimit::Ticket> tickets;
  for (int i = 0; i < 4; ++i) tickets.push_back(l.sent(4));
  l.answered(tickets[0]);
  EXPECT_EQ(l.limit(), 5u);
  for (int i = 1; i < 4; ++i) l.answered(tickets[i]);
  EXPECT_EQ(l.limit(), 8u);
  fullWindow(l, 8);
  EXPECT_EQ(l.limit(), 16u);
  l.throttled(l.sent(16), kNow, 0s);
  EXPECT_EQ(l.limit(), 8u);
  fullWindow(l, 8);
  EXPECT_EQ(l.limit(), 9u) << "after a 429 it rises by one per window";
}

TEST(AdaptiveLimitTest, RisesByOneAfterAWindowOfAnswersAsLongAsTheBound) {
  AdaptiveLimit l(options(8, 100));
  l.throttled(l.sent(100), kNow, 0s);  // a refusal far above: no level to stay below
  ASSERT_EQ(l.limit(), 4u);
  std::vector<AdaptiveLimit::Ticket> tickets;
  for (int i = 0; i < 4; ++i) tickets.push_back(l.sent(4));
  for (int i = 0; i < 3; ++i) l.answered(tickets[i]);
  EXPECT_EQ(l.limit(), 4u);
  l.answered(tickets[3]);
  EXPECT_EQ(l.limit(), 5u);
  fullWindow(l, 5);
  EXPECT_EQ(l.limit(), 6u);
}

TEST(AdaptiveLimitTest, AnswersWithTheBoundNotInFullUseDoNotRaiseIt) {
  AdaptiveLimit l(options(4, 100));
  for (int i = 0; i < 100; ++i) l.answered(l.sent(3));
  EXPECT_EQ(l.limit(), 4u);
}

TEST(AdaptiveLimitTest, NeverRisesAboveTheCap) {
  AdaptiveLimit l(options(4, 6));
  for (int i = 0; i < 20; ++i) fullWindow(l, l.limit());
  EXPECT_EQ(l.limit(), 6u);
}

TEST(AdaptiveLimitTest, FallsOnceForABurstOf429sFromOneOverload) {
  AdaptiveLimit l(options(16, 100));
  std::vector<AdaptiveLimit::Ticket> tickets;
  for (size_t i = 1; i <= 16; ++i) tickets.push_back(l.sent(i));
  for (size_t i = 8; i < 16; ++i) l.throttled(tickets[i], kNow, 0s);
  EXPECT_EQ(l.limit(), 4u);  // half of the 9 in flight when the first refused one was sent
  EXPECT_EQ(l.decreases(), 1u);
  // A request sent after the decrease and refused again is a new overload.
  auto later = l.sent(4);
  l.throttled(later, kNow, 0s);
  EXPECT_EQ(l.limit(), 2u);
  EXPECT_EQ(l.decreases(), 2u);
}

// The refusals of one overload come back in any order: the one sent with the fewest
// requests in flight sets the bound, once, whatever came first.
TEST(AdaptiveLimitTest, TheRefusalWithTheFewestInFlightSetsTheBound) {
  AdaptiveLimit l(options(16, 100, 100));
  std::vector<AdaptiveLimit::Ticket> tickets;
  for (size_t i = 1; i <= 16; ++i) tickets.push_back(l.sent(i));
  l.throttled(tickets[15], kNow, 0s);
  EXPECT_EQ(l.limit(), 8u);
  for (size_t i = 15; i-- > 8;) l.throttled(tickets[i], kNow, 0s);
  EXPECT_EQ(l.limit(), 4u);  // half of 9
  EXPECT_EQ(l.decreases(), 1u);
  // It climbs back to just below 9 and stays there (for 100 windows) before trying 9.
  for (int i = 0; i < 20; ++i) fullWindow(l, l.limit());
  EXPECT_EQ(l.limit(), 8u);
}

TEST(AdaptiveLimitTest, NeverFallsBelowOne) {
  AdaptiveLimit l(options(2, 100));
  for (int i = 0; i < 5; ++i) l.throttled(l.sent(1), kNow, 0s);
  EXPECT_EQ(l.limit(), 1u);
  EXPECT_EQ(l.decreases(), 5u);
}

TEST(AdaptiveLimitTest, StaysBelowTheRefusedLevelBeforeTryingItAgain) {
  const size_t probeWindows = 4;
  AdaptiveLimit l(options(8, 100, probeWindows));
  l.throttled(l.sent(9), kNow, 0s);  // Twilio takes 8 at most
  EXPECT_EQ(l.limit(), 4u);
  // Back up to one below the refused level, one window per step.
  for (size_t want = 5; want <= 8; ++want) {
    fullWindow(l, l.limit());
    EXPECT_EQ(l.limit(), want);
  }
  // There it waits `probeWindows` windows before trying 9 again.
  for (size_t i = 1; i < probeWindows; ++i) {
    fullWindow(l, l.limit());
    EXPECT_EQ(l.limit(), 8u) << "window " << i;
  }
  fullWindow(l, l.limit());
  EXPECT_EQ(l.limit(), 9u);
}

TEST(AdaptiveLimitTest, AWholeWindowAtTheRefusedLevelForgetsIt) {
  AdaptiveLimit l(options(8, 100, 2));
  l.throttled(l.sent(9), kNow, 0s);
  while (l.limit() < 9) fullWindow(l, l.limit());
  fullWindow(l, 9);  // Twilio took 9 this time: its limit rose
  EXPECT_EQ(l.limit(), 10u);
  fullWindow(l, 10);  // no more waiting below a level
  EXPECT_EQ(l.limit(), 11u);
}

TEST(AdaptiveLimitTest, RetryAfterPausesTheAccount) {
  AdaptiveLimit l(options(8, 100));
  EXPECT_EQ(l.pausedUntil(), Clock::time_point{});
  auto a = l.sent(8);
  auto b = l.sent(8);
  l.throttled(a, kNow, 2s);
  EXPECT_EQ(l.pausedUntil(), kNow + 2s);
  // A shorter Retry-After later never shortens the pause, and a 429 without one leaves it.
  l.throttled(b, kNow + 1s, 0s);
  EXPECT_EQ(l.pausedUntil(), kNow + 2s);
  l.throttled(l.sent(4), kNow + 1s, 500ms);
  EXPECT_EQ(l.pausedUntil(), kNow + 2s);
  l.throttled(l.sent(2), kNow + 1s, 5s);
  EXPECT_EQ(l.pausedUntil(), kNow + 6s);
}

TEST(AdaptiveLimitTest, SettlesJustBelowASteadyTwilioLimit) {
  // Twilio takes 8 in flight: requests beyond are refused. A fill-and-drain model of the
  // account: each round every slot of the bound carries one request.
  const size_t twilioLimit = 8;
  AdaptiveLimit l(options(16, 100, 16));
  size_t refused = 0, accepted = 0;
  for (int round = 0; round < 400; ++round) {
    std::vector<AdaptiveLimit::Ticket> tickets;
    const size_t n = l.limit();
    for (size_t i = 1; i <= n; ++i) tickets.push_back(l.sent(n));  // a full bound
    for (size_t i = 0; i < n; ++i) {
      if (i < twilioLimit) {
        ++accepted;
        l.answered(tickets[i]);
      } else {
        ++refused;
        l.throttled(tickets[i], kNow, 0s);
      }
    }
  }
  EXPECT_LE(l.limit(), twilioLimit + 1);
  EXPECT_GE(l.limit(), twilioLimit / 2);
  // Over 400 rounds: about 8 per round accepted, and a few 429s per probe.
  EXPECT_GE(accepted, 400u * twilioLimit * 9 / 10);
  EXPECT_LE(refused * 50, accepted);  // under 2 %
}

}  // namespace
}  // namespace gw::twilio
