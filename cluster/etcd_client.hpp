#pragma once
// A client of etcd v3 through its JSON gateway (HTTP/1.1 on the client URL): key-value
// reads and writes, transactions, leases, and watches as one streaming response. Keys and
// values are bytes here; the wire's base64 and int64-as-string are this client's business.
//
// Every call is made on the control io_context's thread and completes there. A call tries
// the endpoints in turn, starting with the last one that answered, so one member down is
// invisible to callers. A call that no endpoint answered completes with an EtcdError whose
// kind is kUnavailable; when a request may have reached etcd (a write whose answer was lost)
// the kind is kOutcomeUnknown.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "common/result.hpp"

namespace gw::cluster {

struct EtcdError {
  enum class Kind {
    kUnavailable,     // no endpoint answered: nothing was done
    kOutcomeUnknown,  // a write was sent and its answer lost: it may have been applied
    kCompacted,       // a read or watch asked for a revision etcd has compacted away
    kRejected,        // etcd answered with an error (too many operations, too large...)
  };
  Kind kind = Kind::kUnavailable;
  std::string message;          // what happened, for logs and problem details; never a secret
  int64_t compactRevision = 0;  // kCompacted: the oldest revision etcd still has
};

template <typename T>
using EtcdResult = gw::Result<T, EtcdError>;

struct KeyValue {
  std::string key;
  std::string value;
  int64_t createRevision = 0;
  int64_t modRevision = 0;
  int64_t version = 0;
  int64_t lease = 0;
};

// The range [key, rangeEnd); rangeEnd empty: the one key. prefixEnd(p) is the end of
// every key that starts with p.
std::string prefixEnd(const std::string& prefix);

struct RangeRequest {
  std::string key;
  std::string rangeEnd;
  int64_t revision = 0;  // 0: the latest
  int64_t limit = 0;     // 0: no limit
  bool keysOnly = false;
  bool countOnly = false;
};

struct RangeResponse {
  int64_t revision = 0;  // the store's revision the read saw (header.revision)
  std::vector<KeyValue> kvs;
  bool more = false;  // limit cut the answer short
  int64_t count = 0;  // how many keys the range holds
};

struct Compare {
  enum class Target { kVersion, kCreate, kMod, kValue, kLease };
  enum class Result { kEqual, kGreater, kLess, kNotEqual };
  std::string key;
  std::string rangeEnd;  // empty: the one key; else every key of [key, rangeEnd)
  Target target = Target::kMod;
  Result result = Result::kEqual;
  int64_t number = 0;  // version, create or mod revision, or lease id
  std::string value;   // kValue

  // Shorthands: the key does not exist; it exists; its mod revision is below `rev`.
  static Compare absent(std::string key);
  static Compare exists(std::string key);
  static Compare modifiedBefore(std::string key, int64_t rev);
};

struct Op {
  enum class Kind { kPut, kDelete, kRange };
  Kind kind = Kind::kPut;
  std::string key;
  std::string value;     // kPut
  std::string rangeEnd;  // kDelete, kRange: empty for one key
  int64_t lease = 0;     // kPut: 0 for none

  static Op put(std::string key, std::string value, int64_t lease = 0);
  static Op del(std::string key, std::string rangeEnd = {});
  static Op get(std::string key, std::string rangeEnd = {});
};

struct TxnRequest {
  std::vector<Compare> compare;
  std::vector<Op> success;
  std::vector<Op> failure;
};

struct TxnResponse {
  bool succeeded = false;
  int64_t revision = 0;  // header.revision: the txn's revision when it wrote
  // The ranges' answers (kRange ops of the branch that ran), in op order; other ops give an
  // empty entry.
  std::vector<std::vector<KeyValue>> ranges;
};

struct WatchEvent {
  enum class Type { kPut, kDelete };
  Type type = Type::kPut;
  KeyValue kv;  // kDelete: key and modRevision only
};

// One batch of events as etcd sent it: every event of one revision is in one batch, in the
// order the transaction wrote them, and batches come in revision order. A batch without
// events is a progress notice: everything up to `revision` has been sent.
struct WatchBatch {
  int64_t revision = 0;
  std::vector<WatchEvent> events;
};

struct EtcdOptions {
  std::vector<std::string> endpoints;  // "http://127.0.0.1:2379"
  std::chrono::milliseconds requestTimeout{3'000};
  std::chrono::milliseconds connectTimeout{1'000};
};

class EtcdClient {
 public:
  EtcdClient(boost::asio::io_context& io, EtcdOptions options);
  ~EtcdClient();  // cancels watches and requests in flight
  EtcdClient(const EtcdClient&) = delete;
  EtcdClient& operator=(const EtcdClient&) = delete;

  boost::asio::awaitable<EtcdResult<RangeResponse>> range(RangeRequest request);
  // Returns the revision of the write.
  boost::asio::awaitable<EtcdResult<int64_t>> put(std::string key, std::string value,
                                                  int64_t lease = 0);
  boost::asio::awaitable<EtcdResult<TxnResponse>> txn(TxnRequest request);

  // Leases: grant returns the lease id; keepAlive renews it once and returns the TTL left
  // (0 or less: the lease is gone); revoke deletes it and every key attached to it.
  boost::asio::awaitable<EtcdResult<int64_t>> leaseGrant(std::chrono::seconds ttl);
  boost::asio::awaitable<EtcdResult<int64_t>> leaseKeepAlive(int64_t lease);
  boost::asio::awaitable<EtcdResult<bool>> leaseRevoke(int64_t lease);

  // Watches [key, rangeEnd) from startRevision on (0: from now), calling onBatch on the
  // control thread for each batch in revision order, with progress notices while nothing
  // changes as often as etcd sends them (--experimental-watch-progress-notify-interval, ten
  // minutes by default). Each watch is one streaming request on its own thread, sent to the
  // endpoint that answered last (the next ones when that one refuses the connection). The
  // watch ends when the returned handle is destroyed or stop() is called, or when the stream
  // fails: then onEnd runs once with the reason (kCompacted when startRevision is gone;
  // kUnavailable when the connection broke) and the caller decides what to do next (resume
  // from its applied revision + 1, or resync). No callback runs after stop(). A watch whose
  // stream is open counts as work of the io_context (io_context::run() does not return).
  class Watch {
   public:
    virtual ~Watch() = default;
    virtual void stop() = 0;
  };
  std::unique_ptr<Watch> watch(std::string key, std::string rangeEnd, int64_t startRevision,
                               std::function<void(WatchBatch&)> onBatch,
                               std::function<void(const EtcdError&)> onEnd);

  const EtcdOptions& options() const;
  // Whether the last completed call (of any caller: a write, a lease renewal, a read)
  // reached an etcd member that could serve it; true before the first call. Membership
  // renews its lease every third of its TTL, so this follows etcd within a few seconds even
  // when nothing is written. lastFailure() says why the last unreachable call failed.
  bool reachable() const;
  const std::string& lastFailure() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace gw::cluster
