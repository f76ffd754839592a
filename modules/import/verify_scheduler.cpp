#include "modules/import/verify_scheduler.hpp"

#include <exception>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "async/task_group.hpp"
#include "common/log.hpp"
#include "store/store.hpp"

namespace gw::import {

using boost::asio::awaitable;
using Clock = std::chrono::steady_clock;

struct VerifyScheduler::State {
  explicit State(const boost::asio::any_io_executor& ex) : stopped(ex) {}
  async::Event stopped;
};

VerifyScheduler::VerifyScheduler(admin::Context& ctx, VerifyService& service,
                                 std::chrono::milliseconds interval, size_t width)
    : ctx_(ctx), service_(service), interval_(interval), width_(width == 0 ? 1 : width) {}

VerifyScheduler::~VerifyScheduler() {
  stop();
}

void VerifyScheduler::start(std::function<bool()> gate) {
  if (state_ || interval_.count() <= 0) return;
  gate_ = std::move(gate);
  state_ = std::make_shared<State>(ctx_.io.get_executor());
  boost::asio::co_spawn(ctx_.io, run(state_), [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      log::error("providers", "periodic verification stopped: ", ex.what());
    }
  });
}

void VerifyScheduler::stop() {
  if (state_) state_->stopped.set();
}

awaitable<void> VerifyScheduler::run(std::shared_ptr<State> state) {
  constexpr auto kGateCheck = std::chrono::seconds(1);
  while (!state->stopped.isSet()) {
    if (!open()) {
      if (co_await state->stopped.waitUntil(Clock::now() + kGateCheck)) break;
      continue;
    }
    const auto started = Clock::now();
    co_await round(state);
    if (co_await state->stopped.waitUntil(started + interval_)) break;
  }
}

// One provider every interval / N, the first at once, `width_` at most at a time.
awaitable<void> VerifyScheduler::round(std::shared_ptr<State> state) {
  std::vector<std::string> ids;
  {
    auto txn = ctx_.store.read();
    for (const auto& p : ctx_.store.listAllProvidersWithoutTokens(txn)) ids.push_back(p.id);
  }
  if (ids.empty()) co_return;
  const auto started = Clock::now();
  const auto spacing = interval_ / ids.size();
  size_t unverified = 0;
  co_await async::forEachConcurrently(
      ids.size(), width_,
      [&](size_t i) -> awaitable<void> {
        const auto due = started + spacing * i;
        if (Clock::now() < due && co_await state->stopped.waitUntil(due)) co_return;
        if (state->stopped.isSet() || !open()) co_return;
        try {
          if (!co_await service_.verifyStored(ids[i])) ++unverified;
        } catch (const std::exception& e) {
          ++unverified;
          log::warn("providers", "verifying provider ", ids[i], " failed: ", e.what());
        }
      },
      [&] { return state->stopped.isSet(); });
  if (unverified > 0) {
    log::warn("providers", unverified, " of ", ids.size(),
              " providers could not be verified this round; they keep their last result");
  }
}

}  // namespace gw::import
