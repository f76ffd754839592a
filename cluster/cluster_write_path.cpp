#include "cluster/cluster_write_path.hpp"

#include <algorithm>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "async/semaphore.hpp"
#include "cluster/change_ops.hpp"
#include "cluster/replica.hpp"
#include "common/log.hpp"
#include "modules/admin/local_write_path.hpp"
#include "store/store.hpp"

namespace gw::cluster {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kFirstBackoff{20};
constexpr milliseconds kMaxBackoff{500};
constexpr milliseconds kResolvePause{100};
constexpr int kChunkTries = 3;
// The lease of the lock when membership has none yet: long enough for any chunked change,
// short enough that a node that dies holding it blocks the others only briefly.
constexpr std::chrono::seconds kOwnLockLease{15};

boost::asio::awaitable<void> sleepFor(milliseconds d) {
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, d);
  co_await timer.async_wait(boost::asio::use_awaitable);
}

// The node-local part of a change, in one LMDB write transaction.
void writeLocal(store::Store& store, const admin::ChangeSet& c) {
  if (c.unjournaled.empty() && c.importJobs.empty()) return;
  auto txn = store.write();
  admin::writeNodeLocal(store, txn, c);
  txn.commit();
}

// What a transaction came to.
struct Outcome {
  enum class Kind { kCommitted, kRefused, kLocked, kNotApplied } kind = Kind::kRefused;
  int64_t revision = 0;   // kCommitted: the txn's; else the fence's, for the replica to reach
  bool lockOurs = false;  // kRefused: the lock held by this commit (a claim refused it)
};

}  // namespace

class ClusterWritePath::Impl {
 public:
  Impl(store::Store& store, Replica& replica, EtcdClient& etcd, Keyspace keys, std::string nodeId,
       ClusterWriteOptions options)
      : store_(store),
        replica_(replica),
        etcd_(etcd),
        keys_(std::move(keys)),
        nodeId_(std::move(nodeId)),
        options_(options) {}

  boost::asio::awaitable<admin::Committed> commit(admin::BuildChange build) {
    co_await serial_.acquire();
    async::SemaphorePermit permit(serial_);
    co_return co_await commitSerialized(std::move(build));
  }

  // etcd answered the last call made through the node's client (this path's, or
  // membership's lease renewals every few seconds): a write then has a chance.
  bool available() const { return etcd_.reachable(); }
  void setLease(int64_t lease) { lease_ = lease; }
  ClusterWriteStats stats() const { return stats_; }

 private:
  boost::asio::awaitable<admin::Committed> commitSerialized(admin::BuildChange build) {
    const TxnLimits limits{options_.maxOpsPerTxn, options_.maxBytesPerTxn};
    int64_t seen = 0;
    std::optional<Clock::time_point> refusedSince;
    milliseconds backoff = kFirstBackoff;
    for (;;) {
      if (seen > 0 && !co_await replica_.waitApplied(seen, options_.applyTimeout)) {
        throw admin::WriteUnavailableError(
            "this node has not applied the cluster's latest changes in time (its replica of the "
            "cluster store is behind): nothing was changed; try again");
      }
      admin::ChangeSet change;
      int64_t base = 0;
      std::vector<OpGroup> chunks;
      {
        // Closed before any wait: a read transaction is never held across one.
        auto view = store_.read();
        base = store_.clusterRevision(view);
        build(view, change);
        if (change.empty()) co_return admin::Committed{};
        chunks = chunk(opsOf(change, keys_, store_, view, store_.secrets()), limits);
      }
      if (chunks.empty()) {
        // Only this node's part (journal, import jobs): nothing to share.
        writeLocal(store_, change);
        ++stats_.commits;
        co_return admin::Committed{true, base};
      }

      Outcome first = chunks.size() == 1 ? co_await single(chunks.front(), base)
                                         : co_await takeLock(chunks.front(), base);
      if (first.kind != Outcome::Kind::kCommitted) {
        auto now = Clock::now();
        if (!refusedSince) refusedSince = now;
        if (now - *refusedSince >= options_.retryFor) {
          throw store::StoreError(
              "the cluster is too busy: other nodes kept changing the registry while this "
              "change was retried, so nothing was changed; try again");
        }
        if (first.kind == Outcome::Kind::kRefused && first.revision <= base) {
          // Nothing was committed since what build read: a claim refused it, and building
          // again would read the same. (The store of a single node refuses it the same way.)
          throw store::StoreError(
              "the change claims a SID or E.164 number that another stored number holds: "
              "nothing was changed");
        }
        if (first.kind == Outcome::Kind::kLocked) {
          co_await sleepFor(backoff);
          backoff = std::min(backoff * 2, kMaxBackoff);
        } else {
          ++stats_.conflicts;
        }
        seen = std::max(seen, first.revision);
        continue;
      }
      int64_t last = first.revision;
      if (chunks.size() > 1) last = co_await restOfChunks(chunks, last);

      if (!co_await replica_.waitApplied(last, options_.applyTimeout)) {
        log::warn("cluster", "change committed at revision ", last,
                  " but this node's replica has not applied it yet; answering anyway");
      }
      try {
        writeLocal(store_, change);
      } catch (const store::StoreError& e) {
        // The shared part is committed on every node: throwing would have the caller undo
        // work (Twilio attachments) that the cluster now records. The journal entries left
        // name numbers that are stored, which the journal's recovery checks.
        log::error(
            "cluster", "change committed at revision ", last,
            " but this node's attachment journal and import jobs could not be updated: ", e.what());
      }
      ++stats_.commits;
      co_return admin::Committed{true, last};
    }
  }

  std::string nextFence() { return nodeId_ + ":" + std::to_string(++fenceCounter_); }

  Op fencePut(const std::string& value) const { return Op::put(keys_.fence(), value); }

  // The failure branch of every transaction: the lock and the fence, to tell why it was
  // refused.
  std::vector<Op> refusalReads() const { return {Op::get(keys_.lock()), Op::get(keys_.fence())}; }

  // The change in one transaction: compared on the fence, the lock and the claims.
  boost::asio::awaitable<Outcome> single(const OpGroup& c, int64_t base) {
    TxnRequest t;
    t.compare.push_back(Compare::modifiedBefore(keys_.fence(), base + 1));
    t.compare.push_back(Compare::absent(keys_.lock()));
    t.compare.insert(t.compare.end(), c.compares.begin(), c.compares.end());
    std::string fence = nextFence();
    t.success.push_back(fencePut(fence));
    t.success.insert(t.success.end(), c.ops.begin(), c.ops.end());
    t.failure = refusalReads();
    co_return co_await run(std::move(t), fence, base);
  }

  // The first chunk of a change too large for one transaction: takes the lock with it.
  boost::asio::awaitable<Outcome> takeLock(const OpGroup& c, int64_t base) {
    int64_t lease = lease_;
    if (lease == 0) {
      auto granted = co_await etcd_.leaseGrant(kOwnLockLease);
      if (!granted) fail(granted.error(), "a lease for the cluster's lock");
      lease = *granted;
      ownLease_ = lease;
    }
    lockToken_ = nodeId_ + ":lock:" + std::to_string(++fenceCounter_);
    TxnRequest t;
    t.compare.push_back(Compare::modifiedBefore(keys_.fence(), base + 1));
    t.compare.push_back(Compare::absent(keys_.lock()));
    t.compare.insert(t.compare.end(), c.compares.begin(), c.compares.end());
    std::string fence = nextFence();
    t.success.push_back(Op::put(keys_.lock(), lockToken_, lease));
    t.success.push_back(fencePut(fence));
    t.success.insert(t.success.end(), c.ops.begin(), c.ops.end());
    t.failure = refusalReads();
    auto outcome = co_await run(std::move(t), fence, base);
    if (outcome.kind != Outcome::Kind::kCommitted) co_await dropOwnLease();
    co_return outcome;
  }

  // Every chunk after the first, under the lock; the last one releases it. Returns the last
  // transaction's revision.
  boost::asio::awaitable<int64_t> restOfChunks(const std::vector<OpGroup>& chunks,
                                               int64_t revision) {
    for (size_t i = 1; i < chunks.size(); ++i) {
      const auto& c = chunks[i];
      Outcome o;
      std::optional<std::string> failed;
      // An answer lost and the transaction found not applied is sent again: the lock still
      // guards what it compares.
      for (int tries = 0; tries < kChunkTries; ++tries) {
        TxnRequest t;
        t.compare.push_back(lockHeld());
        t.compare.insert(t.compare.end(), c.compares.begin(), c.compares.end());
        std::string fence = nextFence();
        t.success.push_back(fencePut(fence));
        t.success.insert(t.success.end(), c.ops.begin(), c.ops.end());
        if (i + 1 == chunks.size()) t.success.push_back(Op::del(keys_.lock()));
        t.failure = refusalReads();
        try {
          o = co_await run(std::move(t), fence, revision);
        } catch (const store::StoreError& e) {
          failed = e.what();
        }
        if (failed || o.kind != Outcome::Kind::kNotApplied) break;
      }
      if (!failed && o.kind != Outcome::Kind::kCommitted) {
        failed = o.kind == Outcome::Kind::kNotApplied
                     ? "etcd kept losing the answers to this change"
                 : o.lockOurs ? "a SID or E.164 number of the change is claimed by a stored number"
                              : "the cluster's lock was lost (this node's lease expired)";
      }
      if (failed) {
        co_await releaseLock();
        // So that this node shows the part that is committed when the error is answered.
        (void)co_await replica_.waitApplied(revision, options_.applyTimeout);
        throw store::StoreError(*failed + partlyApplied(i, chunks.size()));
      }
      revision = o.revision;
    }
    co_await dropOwnLease();
    co_return revision;
  }

  Compare lockHeld() const {
    Compare held;
    held.key = keys_.lock();
    held.target = Compare::Target::kValue;
    held.result = Compare::Result::kEqual;
    held.value = lockToken_;
    return held;
  }

  // After a chunk failed: the lock goes at once, rather than when the lease ends (a
  // membership lease never ends while this node lives). Best effort.
  boost::asio::awaitable<void> releaseLock() {
    TxnRequest t;
    t.compare.push_back(lockHeld());
    t.success.push_back(Op::del(keys_.lock()));
    auto r = co_await etcd_.txn(std::move(t));
    if (!r) log::warn("cluster", "could not release the cluster's lock: ", r.error().message);
    co_await dropOwnLease();
  }

  static std::string partlyApplied(size_t done, size_t total) {
    return "; the change was partly applied: " + std::to_string(done) + " of " +
           std::to_string(total) +
           " transactions are committed and every node shows them; repeat the request to "
           "complete it";
  }

  boost::asio::awaitable<void> dropOwnLease() {
    if (ownLease_ == 0) co_return;
    int64_t lease = std::exchange(ownLease_, 0);
    // Best effort: an unrevoked lease expires on its own.
    (void)co_await etcd_.leaseRevoke(lease);
  }

  // Nothing was written: etcd unreachable, a lease's answer lost, or etcd's refusal.
  [[noreturn]] void fail(const EtcdError& e, std::string_view what) {
    if (e.kind == EtcdError::Kind::kUnavailable || e.kind == EtcdError::Kind::kOutcomeUnknown) {
      ++stats_.unavailable;
      throw admin::WriteUnavailableError(
          "the cluster store (etcd) is unreachable: nothing was changed (" + e.message + ")");
    }
    throw store::StoreError("etcd refused " + std::string(what) + ": " + e.message);
  }

  // Sends one transaction; an answer lost on the way is resolved through the fence.
  boost::asio::awaitable<Outcome> run(TxnRequest t, const std::string& fence, int64_t base) {
    ++stats_.transactions;
    auto r = co_await etcd_.txn(std::move(t));
    if (r) {
      if (r->succeeded) co_return Outcome{Outcome::Kind::kCommitted, r->revision};
      // What refused it (refusalReads()): the lock held by another node, or a write since
      // `base`, whose revision is the fence's (every commit puts it along with data keys, so
      // the replica applies that revision; etcd's own may be a write of membership keys).
      bool locked =
          !r->ranges.empty() && !r->ranges[0].empty() && r->ranges[0].front().value != lockToken_;
      int64_t fenceRevision =
          r->ranges.size() > 1 && !r->ranges[1].empty() ? r->ranges[1].front().modRevision : 0;
      Outcome o{locked ? Outcome::Kind::kLocked : Outcome::Kind::kRefused, fenceRevision};
      o.lockOurs = !r->ranges.empty() && !r->ranges[0].empty() && !locked;
      co_return o;
    }
    if (r.error().kind != EtcdError::Kind::kOutcomeUnknown) fail(r.error(), "the change");
    co_return co_await resolve(fence, base, r.error().message);
  }

  // Whether a transaction whose answer was lost wrote `fence`. Every transaction puts its
  // own fence value, so the fence still holding it proves the write; the fence unchanged
  // since `base` proves the opposite. Anything else (another write came after) is unknown.
  boost::asio::awaitable<Outcome> resolve(const std::string& fence, int64_t base,
                                          const std::string& why) {
    auto deadline = Clock::now() + options_.applyTimeout;
    for (;;) {
      RangeRequest q;
      q.key = keys_.fence();
      auto r = co_await etcd_.range(std::move(q));
      if (r) {
        if (!r->kvs.empty() && r->kvs.front().value == fence) {
          co_return Outcome{Outcome::Kind::kCommitted, r->kvs.front().modRevision};
        }
        if (r->kvs.empty() || r->kvs.front().modRevision <= base) {
          co_return Outcome{Outcome::Kind::kNotApplied, 0};
        }
        break;
      }
      if (Clock::now() >= deadline) {
        break;
      }
      co_await sleepFor(kResolvePause);
    }
    ++stats_.unavailable;
    throw admin::WriteUnavailableError(
        "the cluster store (etcd) stopped answering while a change was sent (" + why +
        "): whether it was applied is unknown; read the state back before repeating it");
  }

  store::Store& store_;
  Replica& replica_;
  EtcdClient& etcd_;
  Keyspace keys_;
  std::string nodeId_;
  ClusterWriteOptions options_;
  async::AsyncSemaphore serial_{1};
  int64_t lease_ = 0;
  int64_t ownLease_ = 0;
  std::string lockToken_;
  uint64_t fenceCounter_ = 0;
  ClusterWriteStats stats_;
};

ClusterWritePath::ClusterWritePath(store::Store& store, Replica& replica, EtcdClient& etcd,
                                   Keyspace keys, std::string nodeId, ClusterWriteOptions options)
    : impl_(std::make_unique<Impl>(store, replica, etcd, std::move(keys), std::move(nodeId),
                                   options)) {}

ClusterWritePath::~ClusterWritePath() = default;

boost::asio::awaitable<admin::Committed> ClusterWritePath::commit(admin::BuildChange build) {
  return impl_->commit(std::move(build));
}

bool ClusterWritePath::available() const {
  return impl_->available();
}
void ClusterWritePath::setLease(int64_t lease) {
  impl_->setLease(lease);
}
ClusterWriteStats ClusterWritePath::stats() const {
  return impl_->stats();
}

}  // namespace gw::cluster
