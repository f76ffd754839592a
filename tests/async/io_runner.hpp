#pragma once
// Drives a test's io_context on the test thread: run one coroutine to its end, or run the
// loop in short slices until a condition holds or a deadline passes (no fixed sleeps).
#include <chrono>
#include <exception>
#include <functional>
#include <optional>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

namespace gw::twilio::testing {

template <typename T>
T runToCompletion(boost::asio::io_context& io, boost::asio::awaitable<T> task) {
  std::optional<T> result;
  std::exception_ptr error;
  boost::asio::co_spawn(
      io,
      [&result, t = std::move(task)]() mutable -> boost::asio::awaitable<void> {
        result.emplace(co_await std::move(t));
      },
      [&error](std::exception_ptr e) { error = e; });
  io.restart();
  io.run();
  if (error) std::rethrow_exception(error);
  return std::move(*result);
}

inline bool runUntil(boost::asio::io_context& io, const std::function<bool()>& done,
                     std::chrono::milliseconds deadline = std::chrono::seconds(30)) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    io.restart();
    io.run_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace gw::twilio::testing
