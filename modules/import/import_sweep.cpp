// The attachment journal's side of ImportService: stopping a provider's imports for its
// delete, and sweeping journaled SIDs that no import stored off the trunk again.
#include <algorithm>
#include <chrono>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "async/task_group.hpp"
#include "common/log.hpp"
#include "modules/admin/attach_journal.hpp"
#include "modules/import/import_claims.hpp"
#include "modules/import/import_service.hpp"
#include "store/store.hpp"

namespace gw::import {

using boost::asio::awaitable;

namespace {
constexpr std::chrono::seconds kSweepRetryFirst{1};
constexpr std::chrono::seconds kSweepRetryCap{300};
}  // namespace

ImportsStopped::ImportsStopped(ImportsStopped&& other) noexcept
    : svc_(std::exchange(other.svc_, nullptr)), providerId_(std::move(other.providerId_)) {}

ImportsStopped::~ImportsStopped() {
  if (svc_ == nullptr) return;
  --svc_->activity_[providerId_].stoppers;
  svc_->releaseActivity(providerId_);
}

bool ImportService::stopping(const std::string& providerId) const {
  auto it = activity_.find(providerId);
  return it != activity_.end() && it->second.stoppers > 0;
}

void ImportService::releaseActivity(const std::string& providerId) {
  auto it = activity_.find(providerId);
  if (it != activity_.end() && it->second.running == 0 && it->second.stoppers == 0) {
    activity_.erase(it);
  }
}

awaitable<ImportsStopped> ImportService::stopImports(const std::string& providerId) {
  ++activity_[providerId].stoppers;
  ImportsStopped stopped(this, providerId);
  auto ex = co_await boost::asio::this_coro::executor;
  for (;;) {
    auto& a = activity_[providerId];
    if (a.running == 0) break;
    if (!a.idle) a.idle = std::make_shared<async::Event>(ex);
    auto idle = a.idle;  // keep it alive while waiting
    co_await idle->wait();
  }
  co_return stopped;
}

awaitable<std::vector<std::string>> ImportService::detachAll(
    const store::Provider& provider, const std::vector<std::string>& sids,
    std::optional<twilio::TwilioError>& firstFailure,
    std::chrono::steady_clock::time_point deadline) {
  const twilio::Credentials creds{provider.accountSid, provider.authToken, deadline};
  std::vector<char> done(sids.size(), 0);
  co_await async::forEachConcurrently(
      sids.size(), ctx_.twilio.concurrency(), [&](size_t i) -> awaitable<void> {
        auto r = co_await ctx_.twilio.detachNumber(creds, provider.trunkSid, sids[i]);
        if (r) {
          done[i] = 1;
        } else if (!firstFailure) {
          firstFailure = r.error();
        }
      });
  std::vector<std::string> detached;
  for (size_t i = 0; i < sids.size(); ++i) {
    if (done[i]) detached.push_back(sids[i]);
  }
  co_return detached;
}

bool ImportService::unjournal(const std::string& providerId, const std::vector<std::string>& sids) {
  try {
    ctx_.journal.remove(providerId, sids);
    return true;
  } catch (const std::exception& e) {
    log::error("import", "provider ", providerId, ": removing ", sids.size(),
               " attachment journal entries failed: ", e.what(), "; the sweep retries");
    return false;
  }
}

awaitable<SweepOutcome> ImportService::sweepJournal(const store::Provider& provider) {
  SweepOutcome out;
  std::vector<std::string> sids;
  {
    auto txn = ctx_.store.read();
    sids = ctx_.store.journaledAttachments(txn, provider.id);
  }
  if (sids.empty()) co_return out;
  // An import of the same SIDs finishes first (it stores or detaches them itself).
  Claims claims(*this);
  for (const auto& sid : sids) co_await claims.acquire(sid);  // in SID order, as imports do

  std::vector<std::string> stored;
  std::vector<std::string> toDetach;
  {
    auto txn = ctx_.store.read();
    const auto still = ctx_.store.journaledAttachments(txn, provider.id);
    for (const auto& sid : still) {
      // Stored by anyone: it is routed, so it stays on the trunk.
      (ctx_.store.findNumberBySid(txn, sid) ? stored : toDetach).push_back(sid);
    }
  }
  auto detached = co_await detachAll(provider, toDetach, out.failure);
  out.detached = detached.size();
  out.stored = stored.size();
  out.left = toDetach.size() - detached.size();
  detached.insert(detached.end(), stored.begin(), stored.end());
  if (!unjournal(provider.id, detached)) {
    out.left += detached.size();
    out.detached = out.stored = 0;
  }
  if (out.detached || out.stored) {
    log::info("import", "provider ", provider.id, ": journal sweep detached ", out.detached,
              " numbers attached by an interrupted import from trunk ", provider.trunkSid,
              " and found ", out.stored, " stored");
  }
  if (out.left) {
    log::warn("import", "provider ", provider.id, ": journal sweep could not confirm ", out.left,
              " numbers off trunk ", provider.trunkSid,
              out.failure ? " (" + out.failure->describe() + ")" : std::string(),
              "; retrying later");
  }
  co_return out;
}

void ImportService::startSweeper() {
  if (sweeping_) return;
  sweeping_ = true;
  boost::asio::co_spawn(ctx_.io, sweepUntilClean(), [this](std::exception_ptr e) {
    sweeping_ = false;
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      log::error("import", "attachment journal sweep stopped: ", ex.what(),
                 "; it runs again at the next start-up or failed import");
    }
  });
}

awaitable<void> ImportService::sweepUntilClean() {
  auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(kSweepRetryFirst);
  boost::asio::steady_timer timer(ctx_.io);
  for (;;) {
    std::vector<std::string> providers;
    {
      auto txn = ctx_.store.read();
      providers = ctx_.store.providersWithJournal(txn);
    }
    bool clean = true;
    for (const auto& id : providers) {
      std::optional<store::Provider> p;
      {
        auto txn = ctx_.store.read();
        p = ctx_.store.getProvider(txn, id);
      }
      // A provider delete removes its journal with the provider; entries without one have
      // no credentials to detach with.
      if (!p) {
        log::error("import", "attachment journal entries of provider ", id,
                   ", which is not stored, cannot be swept");
        continue;
      }
      auto r = co_await sweepJournal(*p);
      if (r.left) clean = false;
    }
    if (clean) co_return;
    timer.expires_after(delay);
    co_await timer.async_wait(boost::asio::use_awaitable);
    delay =
        std::min(delay * 2, std::chrono::duration_cast<std::chrono::milliseconds>(kSweepRetryCap));
  }
}

}  // namespace gw::import
