#include "cluster/cluster_idempotency.hpp"

#include <chrono>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "common/clock.hpp"
#include "common/log.hpp"
#include "modules/admin/write_path.hpp"
#include "store/codec.hpp"
#include "store/records.hpp"

namespace gw::cluster {

using boost::asio::awaitable;

namespace {

std::string hexOf(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xf]);
  }
  return out;
}

// etcd could not be asked: nothing ran, and the client may retry.
[[noreturn]] void fail(const EtcdError& e) {
  if (e.kind == EtcdError::Kind::kUnavailable || e.kind == EtcdError::Kind::kOutcomeUnknown) {
    throw admin::WriteUnavailableError(
        "the cluster store (etcd) is unreachable, so the Idempotency-Key could not be checked: "
        "nothing was changed (" +
        e.message + ")");
  }
  throw store::StoreError("etcd refused the Idempotency-Key's check: " + e.message);
}

// Answers outlive the window by this much, so a replay is never refused by a lease that
// ended a little early; the window itself is checked against the answer's createdMs.
constexpr auto kAnswerLease =
    std::chrono::duration_cast<std::chrono::seconds>(admin::kIdempotencyWindow) +
    std::chrono::seconds(3600);
// etcd refuses a request over 1.5 MiB, and its JSON gateway sends values in base64 (4/3): a
// larger answer (an import's answer listing many thousands of errors) is not kept.
constexpr size_t kMaxKeptAnswer = 1'000'000;

Compare valueIs(std::string key, std::string value) {
  Compare c;
  c.key = std::move(key);
  c.target = Compare::Target::kValue;
  c.result = Compare::Result::kEqual;
  c.value = std::move(value);
  return c;
}

}  // namespace

EtcdIdempotencyStore::EtcdIdempotencyStore(boost::asio::io_context& io, EtcdClient& etcd,
                                           Keyspace keys, std::string nodeId,
                                           std::function<int64_t()> lease)
    : io_(io),
      etcd_(etcd),
      keys_(std::move(keys)),
      nodeId_(std::move(nodeId)),
      lease_(std::move(lease)) {}

std::string EtcdIdempotencyStore::answerKey(const std::string& slot) const {
  return keys_.prefix() + "idempotency/answers/" + hexOf(slot);
}

std::string EtcdIdempotencyStore::runningKey(const std::string& slot) const {
  return keys_.prefix() + "idempotency/running/" + hexOf(slot);
}

awaitable<std::optional<store::IdempotentAnswer>> EtcdIdempotencyStore::find(
    const std::string& slot) {
  RangeRequest request;
  request.key = answerKey(slot);
  auto r = co_await etcd_.range(std::move(request));
  if (!r) fail(r.error());
  if (r->kvs.empty()) {
    seen_[slot] = 0;
    co_return std::nullopt;
  }
  auto answer = store::codec::decodeIdempotentAnswer(r->kvs.front().value);
  const int64_t windowMs =
      std::chrono::duration_cast<std::chrono::milliseconds>(admin::kIdempotencyWindow).count();
  if (answer.createdMs > nowUnixMillis() - windowMs) {
    seen_.erase(slot);  // replayed or refused: no begin() follows
  } else {
    seen_[slot] = r->kvs.front().modRevision;  // past the window: a new run may replace it
  }
  co_return answer;
}

awaitable<bool> EtcdIdempotencyStore::begin(const std::string& slot) {
  int64_t seen = 0;
  if (auto it = seen_.find(slot); it != seen_.end()) {
    seen = it->second;
    seen_.erase(it);
  }
  const int64_t lease = lease_();
  if (lease == 0) {
    throw admin::WriteUnavailableError(
        "this node has not joined the cluster yet (no etcd lease), so the Idempotency-Key "
        "could not be checked: nothing was changed");
  }
  TxnRequest t;
  t.compare.push_back(Compare::absent(runningKey(slot)));
  // No answer kept since find() looked (an answer past the window, which find() saw, may
  // be replaced).
  Compare answer;
  answer.key = answerKey(slot);
  answer.target = Compare::Target::kMod;
  answer.result = Compare::Result::kEqual;
  answer.number = seen;
  t.compare.push_back(answer);
  const std::string token = nodeId_ + ":" + std::to_string(++counter_);
  t.success.push_back(Op::put(runningKey(slot), token, lease));
  auto r = co_await etcd_.txn(std::move(t));
  if (!r) {
    // The put may have been applied: take it back, or every retry would answer 409 while
    // this node lives.
    if (r.error().kind == EtcdError::Kind::kOutcomeUnknown) release(slot, token);
    fail(r.error());
  }
  if (r->succeeded) runs_[slot] = token;
  co_return r->succeeded;
}

awaitable<void> EtcdIdempotencyStore::end(const std::string& slot,
                                          const store::IdempotentAnswer* answer) {
  // Looked up, not taken: abandon() still finds it while this waits for etcd.
  std::string token;
  if (auto it = runs_.find(slot); it != runs_.end()) token = it->second;
  std::optional<Op> keep;
  if (answer) {
    std::string value = store::codec::encode(*answer);
    // (Not a conditional expression around co_await: GCC 12 destroys its temporaries twice.)
    EtcdResult<int64_t> lease =
        EtcdError{EtcdError::Kind::kRejected,
                  "the answer is larger than " + std::to_string(kMaxKeptAnswer) + " bytes", 0};
    if (value.size() <= kMaxKeptAnswer) lease = co_await etcd_.leaseGrant(kAnswerLease);
    if (!lease) {
      log::warn("admin",
                "the answer to a request with an Idempotency-Key was not kept, so a retry with "
                "that key will run again: ",
                lease.error().message);
    } else {
      keep = Op::put(answerKey(slot), std::move(value), *lease);
    }
  }
  TxnRequest t;
  t.compare.push_back(valueIs(runningKey(slot), token));
  if (keep) {
    t.success.push_back(*keep);
    t.failure.push_back(*keep);  // the running key is no longer this run's: keep the answer
  }
  t.success.push_back(Op::del(runningKey(slot)));
  auto r = co_await etcd_.txn(std::move(t));
  runs_.erase(slot);
  if (!r) {
    log::warn("admin", "a request with an Idempotency-Key ended and etcd could not be told (",
              r.error().message, "): its answer is not kept");
    release(slot, token);
  }
}

void EtcdIdempotencyStore::abandon(const std::string& slot) {
  seen_.erase(slot);
  auto it = runs_.find(slot);
  if (it == runs_.end()) return;
  std::string token = std::move(it->second);
  runs_.erase(it);
  release(slot, std::move(token));
}

void EtcdIdempotencyStore::release(const std::string& slot, std::string token) {
  if (io_.stopped()) return;  // shutting down: the key goes with this node's lease
  TxnRequest t;
  t.compare.push_back(valueIs(runningKey(slot), std::move(token)));
  t.success.push_back(Op::del(runningKey(slot)));
  boost::asio::co_spawn(
      io_,
      [&etcd = etcd_, t = std::move(t)]() mutable -> awaitable<void> {
        auto r = co_await etcd.txn(std::move(t));
        if (!r) {
          log::warn("admin", "could not remove an Idempotency-Key's running mark (",
                    r.error().message, "): the key answers 409 until this node's etcd lease ends");
        }
      },
      boost::asio::detached);
}

}  // namespace gw::cluster
