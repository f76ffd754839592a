#pragma once
// ImportService's claims on SIDs (inFlight_), shared by the import and the journal sweep so
// that the two never work on the same SID at once, and its count of running imports per
// provider (activity_), which a provider delete waits on. Control thread only.
#include <utility>  // before Asio's coroutine headers (Boost 1.74 + GCC 12)

#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/this_coro.hpp>

#include "modules/import/import_service.hpp"
#include "modules/import/task_group.hpp"

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
  boost::asio::awaitable<void> acquire(const std::string& sid) {
    auto ex = co_await boost::asio::this_coro::executor;
    for (;;) {
      auto it = svc_.inFlight_.find(sid);
      if (it == svc_.inFlight_.end()) break;
      auto event = it->second;  // keep it alive while waiting
      co_await event->wait();
    }
    svc_.inFlight_.emplace(sid, std::make_shared<Event>(ex));
    held_.push_back(sid);
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
