#include "cluster/etcd_client.hpp"

#include <curl/curl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include "cluster/etcd_json.hpp"
#include "twilio/curl_client.hpp"

namespace gw::cluster {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

EtcdError makeError(EtcdError::Kind kind, std::string message) {
  EtcdError e;
  e.kind = kind;
  e.message = std::move(message);
  return e;
}

// The request never left this host: nothing can have been applied.
bool failedBeforeSending(int curlCode) {
  return curlCode == CURLE_COULDNT_CONNECT || curlCode == CURLE_COULDNT_RESOLVE_HOST ||
         curlCode == CURLE_COULDNT_RESOLVE_PROXY || curlCode == CURLE_UNSUPPORTED_PROTOCOL ||
         curlCode == CURLE_URL_MALFORMAT;
}

// One HTTP answer of etcd, or why there is none.
using Answer = EtcdResult<std::string>;

}  // namespace

std::string prefixEnd(const std::string& prefix) {
  std::string end = prefix;
  while (!end.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(end.back());
    if (last < 0xff) {
      ++last;
      return end;
    }
    end.pop_back();
  }
  // Every byte is 0xff (or the prefix is empty): the range runs to the end of the keyspace.
  return std::string(1, '\0');
}

Compare Compare::absent(std::string key) {
  Compare c;
  c.key = std::move(key);
  c.target = Target::kVersion;
  c.result = Result::kEqual;
  c.number = 0;
  return c;
}

Compare Compare::exists(std::string key) {
  Compare c;
  c.key = std::move(key);
  c.target = Target::kVersion;
  c.result = Result::kGreater;
  c.number = 0;
  return c;
}

Compare Compare::modifiedBefore(std::string key, int64_t rev) {
  Compare c;
  c.key = std::move(key);
  c.target = Target::kMod;
  c.result = Result::kLess;
  c.number = rev;
  return c;
}

Op Op::put(std::string key, std::string value, int64_t lease) {
  Op op;
  op.kind = Kind::kPut;
  op.key = std::move(key);
  op.value = std::move(value);
  op.lease = lease;
  return op;
}

Op Op::del(std::string key, std::string rangeEnd) {
  Op op;
  op.kind = Kind::kDelete;
  op.key = std::move(key);
  op.rangeEnd = std::move(rangeEnd);
  return op;
}

Op Op::get(std::string key, std::string rangeEnd) {
  Op op;
  op.kind = Kind::kRange;
  op.key = std::move(key);
  op.rangeEnd = std::move(rangeEnd);
  return op;
}

// The state one watch shares between its stream thread and the control thread. `stopped`
// is set on the control thread (stop(), the client's destructor) and checked there before
// every callback, so no callback runs after it; the stream thread reads it to give up.
struct WatchState {
  WatchState(asio::io_context& io) : io(io) {}

  asio::io_context& io;
  std::function<void(WatchBatch&)> onBatch;
  std::function<void(const EtcdError&)> onEnd;
  std::atomic<bool> stopped{false};
  bool ended = false;  // control thread: onEnd ran or is posted

  // The stream's socket, so that stop() can wake a blocked transfer.
  std::mutex socketMutex;
  curl_socket_t socket = CURL_SOCKET_BAD;

  void wake() {
    std::lock_guard lock(socketMutex);
    if (socket != CURL_SOCKET_BAD) ::shutdown(socket, SHUT_RDWR);
  }
};

class EtcdClient::Impl {
 public:
  Impl(asio::io_context& io, EtcdOptions options)
      : io_(io), options_(std::move(options)), curl_(io, curlOptions(options_)) {}

  ~Impl() { shutdown(); }

  // Stops every watch and waits for its thread; fails every request in flight.
  void shutdown() {
    curl_.shutdown();
    for (auto& w : watches_) {
      w.state->stopped = true;
      w.state->wake();
    }
    for (auto& w : watches_) {
      if (w.thread.joinable()) w.thread.join();
    }
    watches_.clear();
  }

  static twilio::CurlOptions curlOptions(const EtcdOptions& o) {
    twilio::CurlOptions c;
    c.connectTimeout = o.connectTimeout;
    c.maxHostConnections = 8;
    return c;
  }

  // POSTs `body` to `path`, trying the endpoints in turn from the last one that answered.
  // A read goes on to the next endpoint on any network failure; a write only when the
  // request was not sent, since otherwise it may have been applied. A read gives each
  // endpoint its share of the time left, so that a member that hangs (its connections open,
  // nothing answered) cannot use all of it. An endpoint that failed is no longer the one
  // the next call starts with.
  // send(), remembering whether etcd answered: reachable() is what the last call found.
  asio::awaitable<Answer> call(std::string path, std::string body, bool write) {
    Answer answer = co_await send(std::move(path), std::move(body), write);
    const bool unreachable =
        !answer.ok() && (answer.error().kind == EtcdError::Kind::kUnavailable ||
                         answer.error().kind == EtcdError::Kind::kOutcomeUnknown);
    reachable_ = !unreachable;
    if (unreachable) lastFailure_ = answer.error().message;
    co_return answer;
  }

  asio::awaitable<Answer> send(std::string path, std::string body, bool write) {
    if (options_.endpoints.empty()) {
      co_return makeError(EtcdError::Kind::kUnavailable, "no etcd endpoints configured");
    }
    auto deadline = Clock::now() + options_.requestTimeout;
    size_t n = options_.endpoints.size();
    const size_t first = good_;  // passOver() moves good_ during the loop
    std::string lastFailure = "no etcd endpoint answered";
    for (size_t i = 0; i < n; ++i) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) break;
      size_t index = (first + i) % n;
      const std::string& endpoint = options_.endpoints[index];
      twilio::HttpRequest req;
      req.method = "POST";
      req.url = endpoint + path;
      req.headers = {{"Content-Type", "application/json"}};
      req.body = body;
      req.timeout = write ? left : left / static_cast<long>(n - i);
      twilio::HttpResponse resp = co_await curl_.send(std::move(req));
      if (resp.status == 0) {
        lastFailure = endpoint + ": " + resp.networkError;
        passOver(index);
        if (write && !failedBeforeSending(resp.curlCode)) {
          co_return makeError(EtcdError::Kind::kOutcomeUnknown, lastFailure);
        }
        continue;
      }
      if (resp.status == 200) {
        good_ = index;
        co_return std::move(resp.body);
      }
      etcd_json::ErrorAnswer answer = etcd_json::decodeError(resp.status, resp.body);
      // gRPC code 14: this member could not serve the request (no leader, lost quorum).
      if (answer.grpcCode == 14) {
        lastFailure = endpoint + ": " + answer.error.message;
        passOver(index);
        bool nothingDone = answer.error.message.find("no leader") != std::string::npos;
        if (write && !nothingDone) {
          co_return makeError(EtcdError::Kind::kOutcomeUnknown, lastFailure);
        }
        continue;
      }
      good_ = index;
      co_return answer.error;
    }
    co_return makeError(EtcdError::Kind::kUnavailable, lastFailure);
  }

  // The endpoint at `index` failed: the next call starts with the one after it.
  void passOver(size_t index) {
    if (good_ == index) good_ = (index + 1) % options_.endpoints.size();
  }

  // A 200 answer whose body cannot be decoded: for a write it was applied or not, nobody
  // knows; for a read nothing happened.
  static EtcdError malformed(bool write) {
    return makeError(write ? EtcdError::Kind::kOutcomeUnknown : EtcdError::Kind::kUnavailable,
                     "etcd sent an answer that could not be decoded");
  }

  std::unique_ptr<Watch> watch(std::string key, std::string rangeEnd, int64_t startRevision,
                               std::function<void(WatchBatch&)> onBatch,
                               std::function<void(const EtcdError&)> onEnd);

  asio::io_context& io_;
  EtcdOptions options_;
  twilio::CurlClient curl_;
  size_t good_ = 0;          // the endpoint that answered last
  bool reachable_ = true;    // the last call reached an etcd member that could serve it
  std::string lastFailure_;  // why the last unreachable call failed

  struct WatchThread {
    std::shared_ptr<WatchState> state;
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> finished;
  };
  std::vector<WatchThread> watches_;
};

namespace {

class WatchHandle : public EtcdClient::Watch {
 public:
  explicit WatchHandle(std::shared_ptr<WatchState> state) : state_(std::move(state)) {}
  ~WatchHandle() override { stop(); }
  void stop() override {
    state_->stopped = true;
    state_->wake();
  }

 private:
  std::shared_ptr<WatchState> state_;
};

// Posts onEnd once to the control thread, unless the watch was stopped first.
void postEnd(const std::shared_ptr<WatchState>& state, EtcdError error) {
  asio::post(state->io, [state, error = std::move(error)] {
    if (state->stopped || state->ended) return;
    state->ended = true;
    state->onEnd(error);
  });
}

void postBatch(const std::shared_ptr<WatchState>& state, WatchBatch batch) {
  asio::post(state->io, [state, batch = std::move(batch)]() mutable {
    if (state->stopped || state->ended) return;
    state->onBatch(batch);
  });
}

// The stream thread's view of one transfer.
struct StreamContext {
  std::shared_ptr<WatchState> state;
  etcd_json::StreamSplitter splitter;
  bool received = false;  // any byte of the stream arrived
  bool ended = false;     // onEnd was posted from a message (compaction, cancel, error)
};

// Handles one complete message; false ends the stream.
bool handleMessage(StreamContext& ctx, const std::string& line) {
  auto msg = etcd_json::decodeWatchMessage(line);
  if (!msg) {
    postEnd(ctx.state, makeError(EtcdError::Kind::kUnavailable,
                                 "etcd sent a watch message that could not be decoded"));
    return false;
  }
  if (msg->error) {
    EtcdError e = makeError(EtcdError::Kind::kUnavailable, *msg->error);
    if (msg->error->find("required revision has been compacted") != std::string::npos) {
      e.kind = EtcdError::Kind::kCompacted;
    }
    postEnd(ctx.state, std::move(e));
    return false;
  }
  if (msg->compactRevision != 0 || msg->canceled) {
    EtcdError e = makeError(EtcdError::Kind::kCompacted, "the watch's start revision is compacted");
    e.compactRevision = msg->compactRevision;
    if (msg->compactRevision == 0) {
      e.kind = EtcdError::Kind::kUnavailable;
      e.message = "etcd canceled the watch";
    }
    postEnd(ctx.state, std::move(e));
    return false;
  }
  if (msg->batches.empty()) {
    // The creation notice carries the current revision, not "everything up to it has been
    // sent" (past events may follow): only later empty messages are progress notices.
    if (!msg->created) postBatch(ctx.state, WatchBatch{msg->headerRevision, {}});
    return true;
  }
  for (auto& batch : msg->batches) postBatch(ctx.state, std::move(batch));
  return true;
}

size_t onStreamData(char* data, size_t size, size_t count, void* user) {
  auto& ctx = *static_cast<StreamContext*>(user);
  size_t n = size * count;
  if (ctx.state->stopped) return 0;
  ctx.received = true;
  for (const auto& line : ctx.splitter.feed({data, n})) {
    if (!handleMessage(ctx, line)) {
      ctx.ended = true;
      return 0;
    }
  }
  return n;
}

int onStreamProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<StreamContext*>(user)->state->stopped ? 1 : 0;
}

curl_socket_t openStreamSocket(void* user, curlsocktype, curl_sockaddr* addr) {
  auto& state = *static_cast<StreamContext*>(user)->state;
  curl_socket_t fd = ::socket(addr->family, addr->socktype, addr->protocol);
  std::lock_guard lock(state.socketMutex);
  state.socket = fd;
  return fd;
}

int closeStreamSocket(void* user, curl_socket_t fd) {
  auto& state = *static_cast<StreamContext*>(user)->state;
  std::lock_guard lock(state.socketMutex);
  if (state.socket == fd) state.socket = CURL_SOCKET_BAD;
  return ::close(fd);
}

// One streaming POST /v3/watch; its result. Runs on the watch's own thread.
CURLcode streamOnce(StreamContext& ctx, const std::string& url, const std::string& body,
                    std::chrono::milliseconds connectTimeout, std::string& error) {
  CURL* curl = curl_easy_init();
  if (!curl) return CURLE_FAILED_INIT;
  char errbuf[CURL_ERROR_SIZE] = {};
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connectTimeout.count()));
  // A member that dies without closing the connection is noticed by TCP keepalive.
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPIDLE, 2L);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPINTVL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, onStreamData);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &ctx);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, onStreamProgress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &ctx);
  curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, openStreamSocket);
  curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, &ctx);
  curl_easy_setopt(curl, CURLOPT_CLOSESOCKETFUNCTION, closeStreamSocket);
  curl_easy_setopt(curl, CURLOPT_CLOSESOCKETDATA, &ctx);
  CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  error = errbuf[0] ? errbuf : curl_easy_strerror(rc);
  if (rc == CURLE_OK && status != 200) error = "etcd answered HTTP " + std::to_string(status);
  curl_easy_cleanup(curl);
  curl_slist_free_all(headers);
  return rc;
}

// The watch thread: connects to the endpoints in turn until one takes the stream, then
// reads it until it ends or the watch is stopped.
void runWatch(std::shared_ptr<WatchState> state, std::vector<std::string> endpoints,
              std::string body, std::chrono::milliseconds connectTimeout) {
  std::string error = "no etcd endpoint answered";
  for (const auto& endpoint : endpoints) {
    StreamContext ctx{state, {}, false, false};
    std::string why;
    CURLcode rc = streamOnce(ctx, endpoint + "/v3/watch", body, connectTimeout, why);
    if (ctx.ended || state->stopped) return;
    error = endpoint + ": " + (rc == CURLE_OK ? "the watch stream ended" : why);
    if (ctx.received || !failedBeforeSending(rc)) break;
  }
  postEnd(state, makeError(EtcdError::Kind::kUnavailable, error));
}

}  // namespace

std::unique_ptr<EtcdClient::Watch> EtcdClient::Impl::watch(
    std::string key, std::string rangeEnd, int64_t startRevision,
    std::function<void(WatchBatch&)> onBatch, std::function<void(const EtcdError&)> onEnd) {
  // Threads of watches that ended are joined here, so they do not pile up.
  std::erase_if(watches_, [](WatchThread& w) {
    if (!*w.finished) return false;
    w.thread.join();
    return true;
  });
  auto state = std::make_shared<WatchState>(io_);
  state->onBatch = std::move(onBatch);
  state->onEnd = std::move(onEnd);
  std::vector<std::string> endpoints;
  for (size_t i = 0; i < options_.endpoints.size(); ++i) {
    endpoints.push_back(options_.endpoints[(good_ + i) % options_.endpoints.size()]);
  }
  std::string body = etcd_json::encodeWatchCreate(key, rangeEnd, startRevision);
  auto finished = std::make_shared<std::atomic<bool>>(false);
  // The work guard keeps the io_context running while the stream may still post to it.
  std::thread thread([state, endpoints = std::move(endpoints), body = std::move(body),
                      timeout = options_.connectTimeout, finished,
                      work = asio::make_work_guard(io_)]() mutable {
    runWatch(state, endpoints, body, timeout);
    work.reset();
    *finished = true;
  });
  watches_.push_back(WatchThread{state, std::move(thread), finished});
  return std::make_unique<WatchHandle>(std::move(state));
}

EtcdClient::EtcdClient(asio::io_context& io, EtcdOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(options))) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Requests in flight hold the Impl until they complete; they complete at once, failed.
EtcdClient::~EtcdClient() {
  impl_->shutdown();
}

const EtcdOptions& EtcdClient::options() const {
  return impl_->options_;
}

bool EtcdClient::reachable() const {
  return impl_->reachable_;
}

const std::string& EtcdClient::lastFailure() const {
  return impl_->lastFailure_;
}

asio::awaitable<EtcdResult<RangeResponse>> EtcdClient::range(RangeRequest request) {
  auto impl = impl_;
  Answer answer = co_await impl->call("/v3/kv/range", etcd_json::encodeRange(request), false);
  if (!answer) co_return answer.error();
  auto decoded = etcd_json::decodeRange(answer.value());
  if (!decoded) co_return Impl::malformed(false);
  co_return std::move(*decoded);
}

asio::awaitable<EtcdResult<int64_t>> EtcdClient::put(std::string key, std::string value,
                                                     int64_t lease) {
  auto impl = impl_;
  Answer answer = co_await impl->call("/v3/kv/put", etcd_json::encodePut(key, value, lease), true);
  if (!answer) co_return answer.error();
  auto rev = etcd_json::decodeHeaderRevision(answer.value());
  if (!rev) co_return Impl::malformed(true);
  co_return *rev;
}

asio::awaitable<EtcdResult<TxnResponse>> EtcdClient::txn(TxnRequest request) {
  auto impl = impl_;
  // A transaction that only compares and reads changes nothing: it may go to any member.
  auto writes = [](const std::vector<Op>& ops) {
    return std::any_of(ops.begin(), ops.end(),
                       [](const Op& op) { return op.kind != Op::Kind::kRange; });
  };
  bool write = writes(request.success) || writes(request.failure);
  Answer answer = co_await impl->call("/v3/kv/txn", etcd_json::encodeTxn(request), write);
  if (!answer) co_return answer.error();
  auto decoded = etcd_json::decodeTxn(answer.value());
  if (!decoded) co_return Impl::malformed(write);
  co_return std::move(*decoded);
}

asio::awaitable<EtcdResult<int64_t>> EtcdClient::leaseGrant(std::chrono::seconds ttl) {
  auto impl = impl_;
  Answer answer =
      co_await impl->call("/v3/lease/grant", etcd_json::encodeLeaseGrant(ttl.count()), true);
  if (!answer) co_return answer.error();
  auto id = etcd_json::decodeLeaseGrant(answer.value());
  if (!id) co_return Impl::malformed(true);
  co_return *id;
}

asio::awaitable<EtcdResult<int64_t>> EtcdClient::leaseKeepAlive(int64_t lease) {
  auto impl = impl_;
  Answer answer = co_await impl->call("/v3/lease/keepalive", etcd_json::encodeLeaseId(lease), true);
  if (!answer) co_return answer.error();
  auto ttl = etcd_json::decodeLeaseKeepAlive(answer.value());
  if (!ttl) co_return Impl::malformed(true);
  co_return *ttl;
}

asio::awaitable<EtcdResult<bool>> EtcdClient::leaseRevoke(int64_t lease) {
  auto impl = impl_;
  Answer answer = co_await impl->call("/v3/lease/revoke", etcd_json::encodeLeaseId(lease), true);
  if (!answer) {
    // Revoking a lease that is already gone leaves the same state as revoking it.
    if (answer.error().message.find("lease not found") != std::string::npos) co_return false;
    co_return answer.error();
  }
  co_return true;
}

std::unique_ptr<EtcdClient::Watch> EtcdClient::watch(std::string key, std::string rangeEnd,
                                                     int64_t startRevision,
                                                     std::function<void(WatchBatch&)> onBatch,
                                                     std::function<void(const EtcdError&)> onEnd) {
  return impl_->watch(std::move(key), std::move(rangeEnd), startRevision, std::move(onBatch),
                      std::move(onEnd));
}

}  // namespace gw::cluster
