// AsyncSemaphore::setLimit: the bound of an account's Twilio requests moves while requests
// hold and wait for it. A higher limit lets waiters in at once; a lower one lets none in
// until the holders are below it.
#include "async/semaphore.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

namespace gw::async {
namespace {

namespace asio = boost::asio;

// `n` coroutines that each take a slot and keep it; `got` counts those holding one.
void spawnTakers(asio::io_context& io, AsyncSemaphore& s, int n, int& got) {
  for (int i = 0; i < n; ++i) {
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          co_await s.acquire();
          ++got;
        },
        asio::detached);
  }
}

TEST(AsyncSemaphoreTest, AHigherLimitLetsWaitersInAtOnce) {
  asio::io_context io;
  AsyncSemaphore s(2);
  int got = 0;
  spawnTakers(io, s, 5, got);
  io.poll();
  EXPECT_EQ(got, 2);
  EXPECT_EQ(s.waiting(), 3u);
  s.setLimit(4);
  io.poll();
  EXPECT_EQ(got, 4);
  EXPECT_EQ(s.inUse(), 4u);
  EXPECT_EQ(s.waiting(), 1u);
}

TEST(AsyncSemaphoreTest, ALowerLimitWaitsForHoldersToFallBelowIt) {
  asio::io_context io;
  AsyncSemaphore s(4);
  int got = 0;
  spawnTakers(io, s, 6, got);
  io.poll();
  ASSERT_EQ(got, 4);
  s.setLimit(2);
  EXPECT_EQ(s.limit(), 2u);
  // Two releases bring the holders down to the new limit without letting anyone in.
  s.release();
  s.release();
  io.poll();
  EXPECT_EQ(got, 4);
  EXPECT_EQ(s.inUse(), 2u);
  // From there each release hands its slot over.
  s.release();
  io.poll();
  EXPECT_EQ(got, 5);
  EXPECT_EQ(s.inUse(), 2u);
  EXPECT_EQ(s.waiting(), 1u);
}

TEST(AsyncSemaphoreTest, TheLimitIsAtLeastOne) {
  AsyncSemaphore s(3);
  s.setLimit(0);
  EXPECT_EQ(s.limit(), 1u);
}

}  // namespace
}  // namespace gw::async
