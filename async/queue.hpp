#pragma once
// An unbounded FIFO between coroutines on one executor: producers push() and finally
// close(); consumers pop() until it yields nullopt (closed and drained). Not thread-safe:
// every call happens on the executor's thread.
#include <chrono>
#include <deque>
#include <optional>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace gw::async {

template <typename T>
class AsyncQueue {
 public:
  explicit AsyncQueue(const boost::asio::any_io_executor& ex)
      : wakeup_(ex, std::chrono::steady_clock::time_point::max()) {}

  void push(T item) {
    items_.push_back(std::move(item));
    wakeup_.cancel_one();  // a woken consumer that finds the queue empty waits again
  }

  // No more items will come: consumers drain what is left, then get nullopt.
  void close() {
    closed_ = true;
    wakeup_.cancel();
  }

  boost::asio::awaitable<std::optional<T>> pop() {
    for (;;) {
      if (!items_.empty()) {
        T item = std::move(items_.front());
        items_.pop_front();
        co_return item;
      }
      if (closed_) co_return std::nullopt;
      boost::system::error_code ec;
      co_await wakeup_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    }
  }

 private:
  boost::asio::steady_timer wakeup_;
  std::deque<T> items_;
  bool closed_ = false;
};

}  // namespace gw::async
