#include "cluster/replica.hpp"

#include <algorithm>
#include <exception>
#include <list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "cluster/replica_apply.hpp"
#include "common/log.hpp"
#include "store/store.hpp"

namespace gw::cluster {

namespace asio = boost::asio;

namespace {

constexpr std::chrono::milliseconds kFirstBackoff{200};
constexpr std::chrono::milliseconds kMaxBackoff{5'000};
constexpr int64_t kResyncPageSize = 2'000;
// The data/ range cut in 16 slices at the first hex digit of the number ids (lower-case
// UUIDs), read one after the other. etcd 3.4 counts the whole rest of the range for every
// page it answers, so one range paged from start to end costs a walk of the remaining keys
// per page: quadratic in the numbers. Slices bound each walk to a sixteenth.
std::vector<std::pair<std::string, std::string>> resyncSlices(const Keyspace& keys) {
  const std::string numbers = keys.number("");
  std::vector<std::pair<std::string, std::string>> slices;
  std::string from = keys.data();
  for (char digit : std::string_view("123456789abcdef")) {
    std::string to = numbers + digit;
    slices.emplace_back(std::exchange(from, to), to);
  }
  slices.emplace_back(from, prefixEnd(keys.data()));
  return slices;
}

// Revisions a restarted node replays through its watch at most; further behind, it resyncs.
constexpr int64_t kReplayAtMost = 1'000;
// Events applied in one LMDB transaction at most when watch batches are coalesced.
constexpr size_t kMaxCoalescedEvents = 20'000;
// How often a watching replica asks etcd for the registry's last write, to notice a watch
// that stopped delivering (see watchStalled()).
constexpr std::chrono::seconds kStallCheck{5};

}  // namespace

// The state lives in a shared Core: the coroutines and the watch's callbacks hold it, so a
// Replica destroyed while one of them is suspended leaves them a valid object that tells
// them to stop.
class Replica::Impl {
 public:
  struct Core : std::enable_shared_from_this<Core> {
    Core(asio::io_context& io, store::Store& store, sip::RoutingTable& routes,
         admin::DirectorySync& directory, EtcdClient& etcd, Keyspace keys)
        : io(io),
          applier(io, store, routes, directory, keys),
          etcd(etcd),
          keys(std::move(keys)),
          signal(io),
          backoffTimer(io) {
      stats.appliedRevision = store.clusterRevision(store.read());
    }

    asio::io_context& io;
    Applier applier;
    EtcdClient& etcd;
    Keyspace keys;
    ReplicaStats stats;
    bool running = false;
    bool stopped = false;  // the Replica is gone or stop() was called: coroutines end
    std::unique_ptr<EtcdClient::Watch> watch;
    // Why the current watch ended (set by its callbacks), and the timer that wakes the
    // loop waiting for it.
    enum class End { kNone, kCompacted, kUnavailable, kApplyFailed, kStalled, kStopped };
    End ended = End::kNone;
    asio::steady_timer signal;
    asio::steady_timer backoffTimer;
    std::chrono::milliseconds backoff = kFirstBackoff;
    uint64_t watchGeneration = 0;
    bool keyMismatchLogged = false;
    WatchBatch pending;  // batches received and not applied yet (queue())
    bool flushPosted = false;

    struct Waiter {
      int64_t revision;
      asio::steady_timer* timer;
    };
    std::list<Waiter> waiters;

    void advanced() {
      for (auto& w : waiters) {
        if (w.revision <= stats.appliedRevision) w.timer->cancel();
      }
    }

    // Applies one batch; false when it could not be applied (the error is recorded).
    bool applyBatch(const WatchBatch& batch) {
      if (batch.revision <= stats.appliedRevision) return true;
      try {
        auto applied = applier.apply(batch);
        stats.appliedRevision = batch.revision;
        stats.batchesApplied += 1;
        stats.eventsApplied += applied;
        stats.lastError.clear();
        keyMismatchLogged = false;
        advanced();
        return true;
      } catch (const store::SecretError& e) {
        stats.lastError = keyMismatchMessage(e.what());
        if (!keyMismatchLogged) log::error("cluster", stats.lastError);
        keyMismatchLogged = true;
      } catch (const std::exception& e) {
        std::string message = "cannot apply etcd revision " + std::to_string(batch.revision) +
                              " to the store: " + e.what();
        if (message != stats.lastError) log::error("cluster", message, "; retrying");
        stats.lastError = std::move(message);
      }
      return false;
    }

    // Batches that arrive together (a restarted node catching up receives thousands, one per
    // revision) are applied in one LMDB transaction: the flush is posted behind the batches
    // already queued, so it takes them all. The applier lets the last event of a key win,
    // which is what applying them one by one would leave. At most kMaxCoalescedEvents events
    // go in one transaction.
    void queue(WatchBatch& batch) {
      if (batch.revision <= std::max(stats.appliedRevision, pending.revision)) return;
      pending.revision = batch.revision;
      pending.events.insert(pending.events.end(), std::make_move_iterator(batch.events.begin()),
                            std::make_move_iterator(batch.events.end()));
      if (pending.events.size() >= kMaxCoalescedEvents) return flush();
      if (flushPosted) return;
      flushPosted = true;
      asio::post(io, [self = shared_from_this()] {
        self->flushPosted = false;
        self->flush();
      });
    }

    // Applies what the current watch queued (startWatch() drops what an ended one left).
    void flush() {
      WatchBatch batch = std::exchange(pending, WatchBatch{});
      if (batch.revision == 0 || stopped || ended != End::kNone) return;
      if (applyBatch(batch)) {
        backoff = kFirstBackoff;
      } else {
        endWatch(End::kApplyFailed);
      }
    }

    static std::string keyMismatchMessage(const std::string& what) {
      return "this node's master key differs from the cluster's: a provider record in etcd "
             "cannot be decrypted (" +
             what +
             "); this node applies no change of the cluster until it can. Start every node with "
             "the same --master-key-file";
    }

    void startWatch() {
      auto self = shared_from_this();
      const uint64_t generation = ++watchGeneration;
      ended = End::kNone;
      pending = WatchBatch{};  // an ended watch's batches: the new one sends them again
      stats.watching = true;
      const std::string data = keys.data();
      watch = etcd.watch(
          data, prefixEnd(data), stats.appliedRevision + 1,
          [self, generation](WatchBatch& batch) {
            if (self->stopped || generation != self->watchGeneration || self->ended != End::kNone) {
              return;
            }
            self->queue(batch);
          },
          [self, generation](const EtcdError& error) {
            if (generation != self->watchGeneration || self->ended != End::kNone) return;
            // Compaction is not a failure: the loop resyncs at once.
            if (!self->stopped && error.kind != EtcdError::Kind::kCompacted) {
              self->recordError("the etcd watch ended: " + error.message);
            }
            self->endWatch(error.kind == EtcdError::Kind::kCompacted ? End::kCompacted
                                                                     : End::kUnavailable);
          });
    }

    // The handle itself goes in run(), outside the watch's callbacks; later batches of
    // this watch are ignored.
    void endWatch(End why) {
      ended = why;
      stats.watching = false;
      signal.cancel();
    }

    // Records why the replica is not up to date; logs it when it is new, so a retry every
    // few seconds does not repeat the same line.
    void recordError(std::string message) {
      if (message != stats.lastError) log::warn("cluster", message, "; retrying");
      stats.lastError = std::move(message);
    }

    asio::awaitable<void> sleepBackoff() {
      backoffTimer.expires_after(backoff);
      boost::system::error_code ec;
      co_await backoffTimer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      backoff = std::min(backoff * 2, kMaxBackoff);
    }

    asio::awaitable<void> run() {
      auto self = shared_from_this();  // alive while the loop runs
      bool needResync = stats.appliedRevision == 0;
      while (!stopped) {
        if (needResync) {
          auto r = co_await resync();
          if (stopped) break;
          if (!r) {
            if (r.error().kind != EtcdError::Kind::kRejected) {
              recordError("cannot resync from etcd: " + r.error().message);
            }
            co_await sleepBackoff();
            continue;
          }
          needResync = false;
        }
        if (co_await farBehind()) {
          needResync = true;
          continue;
        }
        if (stopped) break;
        startWatch();
        StallCheck check{stats.appliedRevision, 0};
        while (!stopped && ended == End::kNone) {
          signal.expires_after(kStallCheck);
          boost::system::error_code ec;
          co_await signal.async_wait(asio::redirect_error(asio::use_awaitable, ec));
          if (ec || stopped || ended != End::kNone) continue;  // woken by endWatch()
          if (co_await watchStalled(check)) endWatch(End::kStalled);
        }
        watch.reset();
        stats.watching = false;
        if (stopped) break;
        if (ended == End::kCompacted) {
          log::info("cluster", "etcd compacted past revision ", stats.appliedRevision + 1,
                    "; resyncing");
          needResync = true;
          continue;
        }
        co_await sleepBackoff();
      }
      running = false;
    }

    struct StallCheck {
      int64_t applied = 0;  // this node's applied revision at the last check
      int64_t fence = 0;    // the registry's last write etcd had then
    };
    // Whether the watch has stopped delivering: etcd had a registry write (the fence's
    // revision) that this node had not applied at the last check, and nothing was applied
    // since. A member that hangs, or is cut off from the others without its connections
    // breaking, keeps its watch streams open and silent, and TCP keepalive does not notice
    // a hung process. The read goes to a member that answers, so the watch that replaces
    // this one is opened there.
    asio::awaitable<bool> watchStalled(StallCheck& check) {
      auto self = shared_from_this();
      RangeRequest probe;
      probe.key = keys.fence();
      auto r = co_await etcd.range(probe);
      if (!r || stopped || ended != End::kNone) co_return false;
      const int64_t fence = r->kvs.empty() ? 0 : r->kvs.front().modRevision;
      const bool stalled =
          check.fence > stats.appliedRevision && check.applied == stats.appliedRevision;
      if (stalled) {
        recordError("the etcd watch stopped delivering: etcd had revision " +
                    std::to_string(check.fence) + ", and this node has applied nothing past " +
                    std::to_string(stats.appliedRevision) + " for " +
                    std::to_string(kStallCheck.count()) + " s");
      }
      check = StallCheck{stats.appliedRevision, fence};
      co_return stalled;
    }

    // Whether etcd is so far ahead of what this node applied (it was down while much was
    // written) that reading the registry at one revision is cheaper than replaying every
    // revision since: etcd sends a watch's history revision by revision, which for 100,000
    // numbers imported took it seconds of CPU. Unknown (etcd unreachable): no.
    asio::awaitable<bool> farBehind() {
      auto self = shared_from_this();
      if (stats.appliedRevision == 0) co_return false;
      RangeRequest probe;
      probe.key = keys.fence();
      probe.countOnly = true;
      auto r = co_await etcd.range(probe);
      if (!r || r->revision - stats.appliedRevision <= kReplayAtMost) co_return false;
      log::info("cluster", "etcd is at revision ", r->revision, ", ",
                r->revision - stats.appliedRevision,
                " past this node's; resyncing rather than replaying them");
      co_return true;
    }

    asio::awaitable<EtcdResult<int64_t>> resync() {
      auto self = shared_from_this();
      const std::string data = keys.data();
      Resync sync(applier);
      int64_t revision = 0;
      // In key order, one slice after the other, every page at the first page's revision.
      for (const auto& [from, to] : resyncSlices(keys)) {
        RangeRequest request;
        request.key = from;
        request.rangeEnd = to;
        request.limit = kResyncPageSize;
        for (;;) {
          request.revision = revision;
          auto page = co_await etcd.range(request);
          // Stopped meanwhile: the store and the routing table may be gone with the Replica.
          if (stopped) co_return EtcdError{EtcdError::Kind::kUnavailable, "stopped", 0};
          if (!page) co_return page.error();
          if (revision == 0) revision = page->revision;
          try {
            sync.page(page->kvs);
          } catch (const std::exception& e) {
            co_return failedResync(e);
          }
          if (!page->more || page->kvs.empty()) break;
          request.key = page->kvs.back().key + std::string(1, '\0');
        }
      }
      if (revision <= stats.appliedRevision && stats.appliedRevision != 0) {
        // Already past it (a watch applied more meanwhile): nothing to swap in.
        co_return stats.appliedRevision;
      }
      try {
        sync.finish(revision);
      } catch (const std::exception& e) {
        co_return failedResync(e);
      }
      stats.appliedRevision = revision;
      stats.resyncs += 1;
      stats.lastError.clear();
      keyMismatchLogged = false;
      log::info("cluster", "resynced from etcd at revision ", revision, ": ", sync.summary());
      advanced();
      co_return revision;
    }

    EtcdError failedResync(const std::exception& e) {
      EtcdError error;
      error.kind = EtcdError::Kind::kRejected;
      if (dynamic_cast<const store::SecretError*>(&e)) {
        error.message = keyMismatchMessage(e.what());
        if (!keyMismatchLogged) log::error("cluster", error.message);
        keyMismatchLogged = true;
      } else {
        error.message = std::string("cannot store what etcd holds: ") + e.what();
        log::error("cluster", error.message);
      }
      stats.lastError = error.message;
      return error;
    }
  };

  std::shared_ptr<Core> core;
};

Replica::Replica(asio::io_context& io, store::Store& store, sip::RoutingTable& routes,
                 admin::DirectorySync& directory, EtcdClient& etcd, Keyspace keys)
    : impl_(std::make_unique<Impl>()) {
  impl_->core = std::make_shared<Impl::Core>(io, store, routes, directory, etcd, std::move(keys));
}

Replica::~Replica() {
  stop();
}

size_t Replica::load() {
  return impl_->core->applier.load();
}

void Replica::start() {
  auto& core = *impl_->core;
  core.stopped = false;
  if (core.running) return;  // the loop, stopped but not ended yet, goes on
  core.running = true;
  // The lambda, and with it the core, lives as long as the loop.
  asio::co_spawn(
      core.io, [core = impl_->core]() { return core->run(); }, asio::detached);
}

void Replica::stop() {
  auto& core = *impl_->core;
  core.stopped = true;
  core.endWatch(Impl::Core::End::kStopped);
  if (core.watch) core.watch->stop();
  core.watch.reset();
  core.backoffTimer.cancel();
  for (auto& w : core.waiters) w.timer->cancel();
}

int64_t Replica::appliedRevision() const {
  return impl_->core->stats.appliedRevision;
}

asio::awaitable<bool> Replica::waitApplied(int64_t revision, std::chrono::milliseconds timeout) {
  auto core = impl_->core;
  if (core->stats.appliedRevision >= revision) co_return true;
  asio::steady_timer timer(core->io);
  timer.expires_after(timeout);
  auto it = core->waiters.insert(core->waiters.end(), Impl::Core::Waiter{revision, &timer});
  boost::system::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  core->waiters.erase(it);
  co_return core->stats.appliedRevision >= revision;
}

asio::awaitable<bool> Replica::catchUp(std::chrono::milliseconds timeout) {
  auto core = impl_->core;
  // Every commit of the cluster's write path puts the fence key: its mod revision is the
  // revision of the last change of data/. Without a fence (nothing committed through the
  // write path yet) the resync or the watch already brought what there is.
  RangeRequest request;
  request.key = core->keys.fence();
  auto r = co_await core->etcd.range(request);
  if (!r) co_return false;
  int64_t target = r->kvs.empty() ? 0 : r->kvs.front().modRevision;
  co_return co_await waitApplied(target, timeout);
}

void Replica::apply(const WatchBatch& batch) {
  impl_->core->applyBatch(batch);
}

asio::awaitable<EtcdResult<int64_t>> Replica::resync() {
  auto core = impl_->core;
  co_return co_await core->resync();
}

ReplicaStats Replica::stats() const {
  return impl_->core->stats;
}

}  // namespace gw::cluster
