#pragma once
// Structured concurrency on one io_context (Boost 1.74 has no parallel_group): run fn(i) for
// i in [0, count) with at most `width` coroutines at a time, and wait for all of them.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace gw::async {

// A one-shot event: wait() completes once set() was called (before or after the wait).
class Event {
 public:
  explicit Event(const boost::asio::any_io_executor& ex)
      : timer_(ex, std::chrono::steady_clock::time_point::max()) {}
  void set() {
    set_ = true;
    timer_.cancel();
    for (auto* t : deadlines_) t->cancel();
  }
  bool isSet() const { return set_; }
  boost::asio::awaitable<void> wait() {
    while (!set_) {
      boost::system::error_code ec;
      co_await timer_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    }
  }
  // The same, giving up at `deadline`: true when set.
  boost::asio::awaitable<bool> waitUntil(std::chrono::steady_clock::time_point deadline) {
    // The shared timer never expires, so a waiter with a deadline waits on a timer of its
    // own, which set() cancels too.
    boost::asio::steady_timer mine(co_await boost::asio::this_coro::executor, deadline);
    deadlines_.push_back(&mine);
    while (!set_ && std::chrono::steady_clock::now() < deadline) {
      boost::system::error_code ec;
      co_await mine.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    }
    deadlines_.erase(std::find(deadlines_.begin(), deadlines_.end(), &mine));
    co_return set_;
  }

 private:
  boost::asio::steady_timer timer_;
  bool set_ = false;
  std::vector<boost::asio::steady_timer*> deadlines_;  // of the waiters in waitUntil()
};

// Runs fn(0..count-1) with `width` workers pulling the next index. `stop` (optional) is
// checked before each index is taken. The first exception thrown by fn is rethrown after
// every worker has finished.
inline boost::asio::awaitable<void> forEachConcurrently(
    size_t count, size_t width, std::function<boost::asio::awaitable<void>(size_t)> fn,
    std::function<bool()> stop = {}) {
  if (count == 0) co_return;
  auto ex = co_await boost::asio::this_coro::executor;
  struct State {
    explicit State(const boost::asio::any_io_executor& e) : done(e) {}
    size_t next = 0;
    size_t running = 0;
    std::exception_ptr error;
    Event done;
  };
  auto state = std::make_shared<State>(ex);
  size_t workers = std::min(count, std::max<size_t>(width, 1));
  state->running = workers;
  for (size_t w = 0; w < workers; ++w) {
    boost::asio::co_spawn(
        ex,
        [state, count, fn, stop]() -> boost::asio::awaitable<void> {
          while (state->next < count && !state->error && !(stop && stop())) {
            size_t i = state->next++;
            co_await fn(i);
          }
        },
        [state](std::exception_ptr e) {
          if (e && !state->error) state->error = e;
          if (--state->running == 0) state->done.set();
        });
  }
  co_await state->done.wait();
  if (state->error) std::rethrow_exception(state->error);
}

}  // namespace gw::async
