#pragma once
// A counting semaphore for coroutines on one executor: at most `limit` holders, the rest
// wait in arrival order. The limit can change while it is held: a higher one lets waiters
// in at once, a lower one takes effect as holders release. Not thread-safe: every call
// happens on the executor's thread.
#include <algorithm>
#include <cstddef>
#include <deque>
#include <memory>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/this_coro.hpp>

#include "async/task_group.hpp"

namespace gw::async {

class AsyncSemaphore {
 public:
  explicit AsyncSemaphore(size_t limit) : limit_(std::max<size_t>(limit, 1)) {}

  boost::asio::awaitable<void> acquire() {
    if (inUse_ < limit_ && waiters_.empty()) {
      ++inUse_;
      co_return;
    }
    auto granted = std::make_shared<Event>(co_await boost::asio::this_coro::executor);
    waiters_.push_back(granted);
    co_await granted->wait();  // release() handed its slot over; inUse_ already counts it
  }

  void release() {
    while (inUse_ <= limit_ && !waiters_.empty()) {
      // A waiter whose coroutine was destroyed (its io_context went away) is skipped.
      std::shared_ptr<Event> next = waiters_.front().lock();
      waiters_.pop_front();
      if (next) {
        next->set();
        return;
      }
    }
    --inUse_;
  }

  // At least 1.
  void setLimit(size_t limit) {
    limit_ = std::max<size_t>(limit, 1);
    while (inUse_ < limit_ && !waiters_.empty()) {
      std::shared_ptr<Event> next = waiters_.front().lock();
      waiters_.pop_front();
      if (next) {
        ++inUse_;
        next->set();
      }
    }
  }

  size_t limit() const { return limit_; }
  size_t inUse() const { return inUse_; }
  size_t waiting() const { return waiters_.size(); }

 private:
  size_t limit_;
  size_t inUse_ = 0;
  std::deque<std::weak_ptr<Event>> waiters_;
};

// Holds one slot of a semaphore until destroyed.
class SemaphorePermit {
 public:
  explicit SemaphorePermit(AsyncSemaphore& s) : s_(&s) {}
  ~SemaphorePermit() {
    if (s_) s_->release();
  }
  SemaphorePermit(const SemaphorePermit&) = delete;
  SemaphorePermit& operator=(const SemaphorePermit&) = delete;

 private:
  AsyncSemaphore* s_;
};

}  // namespace gw::async
