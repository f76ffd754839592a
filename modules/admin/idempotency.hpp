#pragma once
// Idempotency-Key on the POSTs that import numbers or create something: a client that got no
// answer (a timeout, a dropped connection, a crash on its side) sends the same request again
// with the same key and gets the first answer back, status and body, without a second
// import, a second provider or a second job, and without any Twilio request.
//
// - A key is per org: two orgs may use the same key for different requests.
// - "The same request" is the same method, route, path parameters (ids in any case), query
//   and body, byte for byte. The same key with another request answers 422 and runs
//   nothing; so does the same key while its first request is still running (409).
// - Only answers that changed something are kept (2xx): every other answer of the admin API
//   changed nothing, so a retry with the same key runs again, e.g. after the provider's
//   auth token was fixed.
// - Answers are kept in LMDB (store/idempotency_table.hpp) for kIdempotencyWindow; a
//   replay carries the first answer's headers and `Idempotent-Replayed: true`.
//
// An answer is stored after the request has run and before it is sent, so a crash between
// the two leaves the request done with no answer kept: the retry then runs again and reports
// what it finds (e.g. "Already imported"). Where answers are kept, and which keys are
// running, is an IdempotencyStore: this node's LMDB (LocalIdempotencyStore), or on a cluster
// node etcd, so that a retry sent to another node is answered the same way. Control thread
// only.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

#include <boost/asio/awaitable.hpp>

#include "gateway/http/message.hpp"
#include "gateway/http/router.hpp"

namespace gw::store {
class Store;
struct IdempotentAnswer;
}  // namespace gw::store

namespace gw::admin {

inline constexpr std::string_view kIdempotencyKeyHeader = "Idempotency-Key";
inline constexpr std::string_view kReplayedHeader = "Idempotent-Replayed";
inline constexpr std::chrono::hours kIdempotencyWindow{24};
inline constexpr size_t kMaxIdempotencyKeyLength = 255;

// Keeps the answers and the running keys, by slot (a digest of org and key). A failure to
// reach where they are kept throws (WriteUnavailableError when it cannot be reached): the
// request then runs nothing.
class IdempotencyStore {
 public:
  virtual ~IdempotencyStore() = default;
  // The answer kept under `slot`, if any (of any age: the caller checks the window).
  virtual boost::asio::awaitable<std::optional<store::IdempotentAnswer>> find(
      const std::string& slot) = 0;
  // Marks `slot` running; false when a request under it runs already.
  virtual boost::asio::awaitable<bool> begin(const std::string& slot) = 0;
  // Ends the run of `slot`, keeping `answer` when it is given. Never throws: a failure to
  // keep it is logged (the request has run; a retry runs again).
  virtual boost::asio::awaitable<void> end(const std::string& slot,
                                           const store::IdempotentAnswer* answer) = 0;
  // The run of `slot` ended without end() (its coroutine was destroyed): forget it.
  virtual void abandon(const std::string& slot) = 0;
};

// This node's LMDB store, and the keys running on this node.
class LocalIdempotencyStore final : public IdempotencyStore {
 public:
  explicit LocalIdempotencyStore(store::Store& store) : store_(store) {}
  boost::asio::awaitable<std::optional<store::IdempotentAnswer>> find(
      const std::string& slot) override;
  boost::asio::awaitable<bool> begin(const std::string& slot) override;
  boost::asio::awaitable<void> end(const std::string& slot,
                                   const store::IdempotentAnswer* answer) override;
  void abandon(const std::string& slot) override { running_.erase(slot); }

 private:
  store::Store& store_;
  std::unordered_set<std::string> running_;
};

class Idempotency {
 public:
  using Clock = std::function<int64_t()>;  // Unix milliseconds
  explicit Idempotency(IdempotencyStore& store, Clock nowMs = {});

  // `handler` with the Idempotency-Key header honoured. Requests without the header go
  // straight to `handler`.
  http::Handler wrap(http::Handler handler);

  // Requests running under a key on this node now (for tests and metrics).
  size_t inFlight() const { return inFlight_; }

 private:
  boost::asio::awaitable<http::Response> handle(const http::Handler& handler, http::Request& req);

  IdempotencyStore& store_;
  Clock now_;
  size_t inFlight_ = 0;
};

// `handler` wrapped by `keys`, or `handler` itself when `keys` is null (no idempotency
// configured, as in some tests).
inline http::Handler idempotent(Idempotency* keys, http::Handler handler) {
  return keys != nullptr ? keys->wrap(std::move(handler)) : handler;
}

// What is wrong with an Idempotency-Key value, or "" when it is usable. A key is 1 to
// kMaxIdempotencyKeyLength printable ASCII characters (space to '~'), optionally written as a
// structured-field string ("..."), whose quotes are not part of the key.
std::string idempotencyKeyProblem(std::string_view value);
// The key an Idempotency-Key value names (its quotes removed); call after the check above.
std::string_view idempotencyKeyOf(std::string_view value);

}  // namespace gw::admin
