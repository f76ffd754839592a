#pragma once
// ImportService's claims on SIDs (inFlight_), shared by the import and the journal sweep so
// that the two never work on the same SID at once, and its count of running imports per
// provider (activity_), which a provider delete waits on. Control thread only.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/this_coro.hpp>

#include "modules/import/import_service.hpp"
#include "async/task_group.hpp"

namespace gw::import {

// Claims the request's SIDs in inFlight_ for the duration of one import; released (and
// waiters woken) on every exit path, exceptions included.
class ImportService::Claims {
 public:
  explicit Claims(ImportService& svc) : svc_(svc) {}
  ~Claims() {
    for (const auto& sid : held_) {
      auto it = svc_.inFlight_.find(sid);
      if (it == svc_.inFlight_.end()) continue;
      it->second->set();
      svc_.inFlight_.erase(it);
    }
  }
  // Waits for as long as another holder keeps the SID (the journal sweep).
  boost::asio::awaitable<void> acquire(const std::string& sid) {
    co_await acquire(sid, std::chrono::steady_clock::time_point::max());
  }
  // False when another import still held the SID at `deadline`.
  boost::asio::awaitable<bool> acquire(const std::string& sid,
                                       std::chrono::steady_clock::time_point deadline) {
    auto ex = co_await boost::asio::this_coro::executor;
    for (;;) {
      auto it = svc_.inFlight_.find(sid);
      if (it == svc_.inFlight_.end()) break;
      auto event = it->second;  // keep it alive while waiting
      if (!co_await event->waitUntil(deadline)) co_return false;
    }
    svc_.inFlight_.emplace(sid, std::make_shared<async::Event>(ex));
    held_.push_back(sid);
    co_return true;
  }

 private:
  ImportService& svc_;
  std::vector<std::string> held_;
};

// Counts a running import of a provider, so that stopImports() can wait for it.
class ImportService::Running {
 public:
  Running(ImportService& svc, std::string providerId)
      : svc_(svc), providerId_(std::move(providerId)) {
    ++svc_.activity_[providerId_].running;
  }
  ~Running() {
    auto& a = svc_.activity_[providerId_];
    if (--a.running == 0 && a.idle) {
      a.idle->set();
      a.idle.reset();
    }
    svc_.releaseActivity(providerId_);
  }
  Running(const Running&) = delete;
  Running& operator=(const Running&) = delete;

 private:
  ImportService& svc_;
  std::string providerId_;
};

}  // namespace gw::import
