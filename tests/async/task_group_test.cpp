// Event::waitUntil: how a second import waiting for another import's claims gives up at its
// own deadline instead of waiting as long as the other import runs.
#include "async/task_group.hpp"

#include <gtest/gtest.h>

#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

namespace gw::async {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(EventTest, WaitUntilGivesUpAtTheDeadline) {
  asio::io_context io;
  Event never(io.get_executor());
  std::optional<bool> got;
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { got = co_await never.waitUntil(Clock::now() + 50ms); },
      asio::detached);
  // A guard: were the deadline ignored, the test ends here instead of hanging.
  io.run_for(5s);
  ASSERT_TRUE(got.has_value()) << "still waiting 5 s after a 50 ms deadline";
  EXPECT_FALSE(*got);
}

TEST(EventTest, WaitUntilReturnsWhenSetBeforeTheDeadline) {
  asio::io_context io;
  Event event(io.get_executor());
  std::optional<bool> first, second;
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { first = co_await event.waitUntil(Clock::now() + 1h); },
      asio::detached);
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { second = co_await event.waitUntil(Clock::now() + 1h); },
      asio::detached);
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        event.set();
        co_return;
      },
      asio::detached);
  io.run_for(5s);
  ASSERT_TRUE(first && second);
  EXPECT_TRUE(*first);
  EXPECT_TRUE(*second);
}

}  // namespace
}  // namespace gw::async
