#include "twilio/curl_client.hpp"

#include <curl/curl.h>
#include <unistd.h>

#include <cctype>
#include <optional>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/log.hpp"
#include "async/task_group.hpp"

namespace gw::twilio {
namespace asio = boost::asio;

const std::string* HttpResponse::header(std::string_view lowercaseName) const {
  for (const auto& [name, value] : headers) {
    if (name == lowercaseName) return &value;
  }
  return nullptr;
}

namespace {

constexpr std::string_view kComponent = "curl";

void initCurlOnce() {
  // curl_global_init is not thread-safe; a function-local static runs it exactly once.
  static const CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (rc != CURLE_OK) {
    throw std::runtime_error(std::string("curl_global_init: ") + curl_easy_strerror(rc));
  }
}

// Idle easy handles kept for the next transfers: curl_easy_init allocates and sets up a
// large struct, and curl_easy_cleanup tears it down again, for every request otherwise.
constexpr size_t kMaxIdleEasyHandles = 64;
// Header sets seen so far (Twilio calls use two); more are built per transfer.
constexpr size_t kMaxCachedHeaderLists = 16;

// One transfer: the easy handle, what curl wrote, and the event its coroutine waits on.
struct Transfer {
  explicit Transfer(const asio::any_io_executor& ex) : done(ex) {}
  ~Transfer() {
    if (ownedHeaders) curl_slist_free_all(ownedHeaders);
    if (easy) curl_easy_cleanup(easy);
  }
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;

  void fail(CURLcode code, std::string message) {
    response.status = 0;
    response.curlCode = static_cast<int>(code);
    response.networkError = std::move(message);
    response.headers.clear();
    response.body.clear();
  }

  CURL* easy = nullptr;
  curl_slist* ownedHeaders = nullptr;  // freed with the transfer (not in the cache)
  HttpRequest request;
  HttpResponse response;
  size_t maxBodyBytes = 0;
  bool bodyTooLarge = false;
  bool callbackFailed = false;  // an allocation failed inside a curl callback
  char errorBuffer[CURL_ERROR_SIZE] = {0};
  async::Event done;
};

// A socket curl asked us to watch. The descriptor never owns the fd: curl opens and closes
// its sockets. A connection socket stays registered while it idles in curl's cache (curl
// says CURL_POLL_REMOVE after every transfer and asks again for the next one: releasing
// it each time costs an epoll_ctl pair and an ioctl per request) and is released when curl
// asks us to close it (onCloseSocket). Any other socket (the resolver's, which curl closes
// itself) is released on CURL_POLL_REMOVE. Either way the reactor never holds an fd number
// that curl already closed and may reuse.
struct WatchedSocket {
  WatchedSocket(asio::io_context& io, curl_socket_t fd) : descriptor(io, fd) {}
  asio::posix::stream_descriptor descriptor;
  int what = 0;  // CURL_POLL_IN / OUT / INOUT; 0 while idle in curl's connection cache
  bool readArmed = false;
  bool writeArmed = false;
  bool removed = false;
};

}  // namespace

class CurlClient::Impl : public std::enable_shared_from_this<Impl> {
  using Clock = asio::steady_timer::clock_type;

 public:
  Impl(asio::io_context& io, const CurlOptions& options) : io_(io), timer_(io), options_(options) {
    initCurlOnce();
    multi_ = curl_multi_init();
    if (!multi_) throw std::runtime_error("curl_multi_init failed");
    try {
      setOpt(CURLMOPT_SOCKETFUNCTION, &Impl::onSocket);
      setOpt(CURLMOPT_SOCKETDATA, this);
      setOpt(CURLMOPT_TIMERFUNCTION, &Impl::onTimer);
      setOpt(CURLMOPT_TIMERDATA, this);
      setOpt(CURLMOPT_MAX_HOST_CONNECTIONS, options.maxHostConnections);
      setOpt(CURLMOPT_MAX_TOTAL_CONNECTIONS, options.maxTotalConnections);
      setOpt(CURLMOPT_MAXCONNECTS, options.maxTotalConnections);  // size of the idle cache
    } catch (...) {
      curl_multi_cleanup(multi_);  // no destructor runs for a half-built object
      throw;
    }
  }

  ~Impl() {
    abortAll("client destroyed");
    // Closes the cached connections; their sockets come back through onCloseSocket while
    // this object is still whole.
    CURLMcode mc = curl_multi_cleanup(multi_);
    if (mc != CURLM_OK) log::warn(kComponent, "curl_multi_cleanup: ", curl_multi_strerror(mc));
    for (auto& [fd, s] : sockets_) {
      s->removed = true;
      s->descriptor.release();  // curl's fd: never closed by Asio
    }
    for (CURL* easy : idleEasy_) curl_easy_cleanup(easy);
    for (auto& [key, list] : headerLists_) curl_slist_free_all(list);
  }

  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  // A parameter (not `this`) keeps the client alive from the call on, even when the
  // awaitable is only awaited later.
  static asio::awaitable<HttpResponse> run(std::shared_ptr<Impl> self, HttpRequest request) {
    co_return co_await self->send(std::move(request));
  }

  void shutdown(const char* why) {
    stopped_ = true;
    abortAll(why);
  }

  CurlStats stats() const {
    CurlStats s = stats_;
    s.inFlight = transfers_.size();
    return s;
  }

 private:
  asio::awaitable<HttpResponse> send(HttpRequest request) {
    auto t = std::make_shared<Transfer>(io_.get_executor());
    t->request = std::move(request);
    if (stopped_) {
      t->fail(CURLE_ABORTED_BY_CALLBACK, "client shut down");
      co_return std::move(t->response);
    }
    if (!setUp(*t)) co_return std::move(t->response);
    CURLMcode mc = curl_multi_add_handle(multi_, t->easy);
    if (mc != CURLM_OK) {
      t->fail(CURLE_FAILED_INIT, std::string("curl_multi_add_handle: ") + curl_multi_strerror(mc));
      co_return std::move(t->response);
    }
    transfers_.emplace(t->easy, t);
    co_await t->done.wait();
    co_return std::move(t->response);
  }

  template <typename T>
  void setOpt(CURLMoption opt, T value) {
    CURLMcode mc = curl_multi_setopt(multi_, opt, value);
    if (mc != CURLM_OK) {
      throw std::runtime_error(std::string("curl_multi_setopt: ") + curl_multi_strerror(mc));
    }
  }

  // A pooled handle was curl_easy_reset when it came back (no option, credential or
  // header of its previous request survives); connections live in the multi handle.
  CURL* takeEasy() {
    if (idleEasy_.empty()) return curl_easy_init();
    CURL* easy = idleEasy_.back();
    idleEasy_.pop_back();
    return easy;
  }

  void giveBack(Transfer& t) {
    CURL* easy = std::exchange(t.easy, nullptr);
    if (!easy) return;
    if (idleEasy_.size() >= kMaxIdleEasyHandles) {
      curl_easy_cleanup(easy);
      return;
    }
    curl_easy_reset(easy);
    idleEasy_.push_back(easy);
  }

  // The same few header sets come with every Twilio call: their lists are built once.
  curl_slist* headerListFor(Transfer& t, bool& ok) {
    const HttpRequest& r = t.request;
    std::string key;
    size_t size = 8;
    for (const auto& [name, value] : r.headers) size += name.size() + value.size() + 3;
    key.reserve(size);
    for (const auto& [name, value] : r.headers) {
      key.append(name).append(": ").append(value).push_back('\n');
    }
    if (auto it = headerLists_.find(key); it != headerLists_.end()) return it->second;
    curl_slist* list = nullptr;
    auto append = [&](const std::string& line) {
      curl_slist* grown = curl_slist_append(list, line.c_str());
      if (!grown) ok = false;
      list = grown ? grown : list;
    };
    for (const auto& [name, value] : r.headers) append(name + ": " + value);
    // curl adds "Expect: 100-continue" to larger POSTs; Twilio bodies are small.
    append("Expect:");
    if (!ok) {
      curl_slist_free_all(list);
      return nullptr;
    }
    if (headerLists_.size() < kMaxCachedHeaderLists) {
      headerLists_.emplace(std::move(key), list);
    } else {
      t.ownedHeaders = list;
    }
    return list;
  }

  bool setUp(Transfer& t) {
    t.easy = takeEasy();
    if (!t.easy) {
      t.fail(CURLE_FAILED_INIT, "curl_easy_init failed");
      return false;
    }
    t.maxBodyBytes = options_.maxResponseBytes;
    const HttpRequest& r = t.request;
    CURLcode rc = CURLE_OK;
    auto set = [&](CURLoption opt, auto value) {
      if (rc == CURLE_OK) rc = curl_easy_setopt(t.easy, opt, value);
    };
    set(CURLOPT_URL, r.url.c_str());
    set(CURLOPT_PRIVATE, &t);
    set(CURLOPT_NOSIGNAL, 1L);
    set(CURLOPT_ERRORBUFFER, t.errorBuffer);
    set(CURLOPT_WRITEFUNCTION, &Impl::onBody);
    set(CURLOPT_WRITEDATA, &t);
    set(CURLOPT_HEADERFUNCTION, &Impl::onHeader);
    set(CURLOPT_HEADERDATA, &t);
    set(CURLOPT_CLOSESOCKETFUNCTION, &Impl::onCloseSocket);
    set(CURLOPT_CLOSESOCKETDATA, this);
    set(CURLOPT_SOCKOPTFUNCTION, &Impl::onSocketOpened);
    set(CURLOPT_SOCKOPTDATA, this);
    set(CURLOPT_TIMEOUT_MS, static_cast<long>(r.timeout.count()));
    set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connectTimeout.count()));
    set(CURLOPT_TCP_KEEPALIVE, 1L);
    set(CURLOPT_PROTOCOLS_STR, "http,https");
    set(CURLOPT_ACCEPT_ENCODING, "");  // list pages compress well
    if (r.method == "POST") {
      set(CURLOPT_POST, 1L);
      set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
      set(CURLOPT_POSTFIELDS, r.body.c_str());
    } else if (r.method == "GET") {
      set(CURLOPT_HTTPGET, 1L);
    } else {
      set(CURLOPT_CUSTOMREQUEST, r.method.c_str());
    }
    if (!r.basicUser.empty()) {
      set(CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
      set(CURLOPT_USERNAME, r.basicUser.c_str());
      set(CURLOPT_PASSWORD, r.basicPassword.c_str());
    }
    bool headersOk = true;
    curl_slist* headers = headerListFor(t, headersOk);
    if (!headersOk) rc = CURLE_OUT_OF_MEMORY;
    set(CURLOPT_HTTPHEADER, headers);
    if (rc != CURLE_OK) {
      t.fail(rc, std::string("curl_easy_setopt: ") + curl_easy_strerror(rc));
      return false;
    }
    return true;
  }

  // --- curl callbacks: no exceptions may cross back into C ---

  static size_t onBody(char* data, size_t size, size_t n, void* userp) noexcept {
    auto* t = static_cast<Transfer*>(userp);
    const size_t bytes = size * n;
    if (t->response.body.size() + bytes > t->maxBodyBytes) {
      t->bodyTooLarge = true;
      return 0;  // CURLE_WRITE_ERROR
    }
    try {
      t->response.body.append(data, bytes);
    } catch (...) {
      t->callbackFailed = true;
      return 0;
    }
    return bytes;
  }

  static size_t onHeader(char* data, size_t size, size_t n, void* userp) noexcept {
    auto* t = static_cast<Transfer*>(userp);
    const size_t bytes = size * n;
    try {
      std::string_view line(data, bytes);
      if (line.rfind("HTTP/", 0) == 0) {
        t->response.headers.clear();  // a new response (after 100 Continue, for example)
        return bytes;
      }
      auto colon = line.find(':');
      if (colon == std::string_view::npos) return bytes;
      std::string name(line.substr(0, colon));
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
        value.remove_prefix(1);
      }
      while (!value.empty() &&
             (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
        value.remove_suffix(1);
      }
      if (name == "content-length") reserveBody(*t, value);
      t->response.headers.emplace_back(std::move(name), std::string(value));
    } catch (...) {
      t->callbackFailed = true;
      return 0;
    }
    return bytes;
  }

  // One allocation for the body instead of a doubling series (a list page is ~1.3 MB).
  static void reserveBody(Transfer& t, std::string_view length) {
    size_t n = 0;
    for (char c : length) {
      if (c < '0' || c > '9' || n > t.maxBodyBytes) return;
      n = n * 10 + static_cast<size_t>(c - '0');
    }
    if (n <= t.maxBodyBytes) t.response.body.reserve(n);
  }

  static int onSocket(CURL*, curl_socket_t fd, int what, void* userp, void*) noexcept {
    try {
      static_cast<Impl*>(userp)->watch(fd, what);
      return 0;
    } catch (const std::exception& e) {
      log::error(kComponent, "cannot watch socket ", fd, ": ", e.what());
      return -1;  // curl fails the transfers using this socket
    } catch (...) {
      return -1;
    }
  }

  static int onCloseSocket(void* clientp, curl_socket_t fd) noexcept {
    auto* self = static_cast<Impl*>(clientp);
    self->forget(fd);
    self->connectionSockets_.erase(fd);
    return ::close(fd);
  }

  // Called for every socket curl opens for a connection (closed through onCloseSocket).
  static int onSocketOpened(void* clientp, curl_socket_t fd, curlsocktype purpose) noexcept {
    if (purpose != CURLSOCKTYPE_IPCXN) return CURL_SOCKOPT_OK;
    try {
      static_cast<Impl*>(clientp)->connectionSockets_.insert(fd);
      return CURL_SOCKOPT_OK;
    } catch (...) {
      return CURL_SOCKOPT_ERROR;
    }
  }

  // curl moves its deadline with almost every transfer (each one adds a 0 ms kick and
  // its own timeout). Re-arming the Asio timer each time costs a timerfd_settime and a
  // cancelled handler, so the timer is only moved when curl's deadline comes earlier than
  // the armed one; an early expiry re-arms for the deadline curl still wants.
  static int onTimer(CURLM*, long timeoutMs, void* userp) noexcept {
    auto* self = static_cast<Impl*>(userp);
    try {
      self->setDeadline(timeoutMs);
      return 0;
    } catch (...) {
      return -1;
    }
  }

  void setDeadline(long timeoutMs) {
    if (timeoutMs < 0) {
      // No transfer left: a pending wait would keep the io_context busy (run() would not
      // return) until it fired. Only an idle client gets here, so this is rare under load.
      curlDeadline_.reset();
      if (timerArmed_) {
        timerArmed_ = false;
        ++timerGeneration_;
        timer_.cancel();
      }
      return;
    }
    if (timeoutMs == 0) {
      // Never drive curl from inside its own callback: "now" is posted to the event loop,
      // so curl_multi_socket_action only runs from there.
      curlDeadline_.reset();
      if (!kickPosted_) {
        kickPosted_ = true;
        asio::post(io_, [weak = weak_from_this()] {
          if (auto s = weak.lock()) {
            s->kickPosted_ = false;
            s->action(CURL_SOCKET_TIMEOUT, 0);
          }
        });
      }
      return;
    }
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeoutMs);
    curlDeadline_ = deadline;
    if (timerArmed_ && armedAt_ <= deadline) return;
    armTimer(deadline);
  }

  void armTimer(Clock::time_point at) {
    timerArmed_ = true;
    armedAt_ = at;
    const uint64_t generation = ++timerGeneration_;
    timer_.expires_at(at);
    timer_.async_wait([weak = weak_from_this(), generation](const boost::system::error_code& ec) {
      if (ec) return;
      auto s = weak.lock();
      if (!s || generation != s->timerGeneration_) return;
      s->onTimerExpired();
    });
  }

  void onTimerExpired() {
    timerArmed_ = false;
    if (!curlDeadline_) return;
    if (Clock::now() < *curlDeadline_) {
      armTimer(*curlDeadline_);
      return;
    }
    curlDeadline_.reset();  // curl names its next deadline from inside the action
    action(CURL_SOCKET_TIMEOUT, 0);
  }

  // --- curl -> Asio ---

  void watch(curl_socket_t fd, int what) {
    if (what == CURL_POLL_REMOVE) {
      auto it = sockets_.find(fd);
      if (it != sockets_.end() && connectionSockets_.count(fd)) {
        it->second->what = 0;  // idle: a wait still pending finds nothing to do
      } else {
        forget(fd);
      }
      return;
    }
    auto it = sockets_.find(fd);
    if (it == sockets_.end()) {
      it = sockets_.emplace(fd, std::make_shared<WatchedSocket>(io_, fd)).first;
    }
    it->second->what = what;
    arm(it->second, fd);
  }

  void forget(curl_socket_t fd) noexcept {
    auto it = sockets_.find(fd);
    if (it == sockets_.end()) return;
    it->second->removed = true;
    it->second->descriptor.release();  // deregisters and aborts pending waits; fd stays open
    sockets_.erase(it);
  }

  void arm(const std::shared_ptr<WatchedSocket>& s, curl_socket_t fd) {
    if ((s->what & CURL_POLL_IN) && !s->readArmed) {
      s->readArmed = true;
      s->descriptor.async_wait(
          asio::posix::stream_descriptor::wait_read,
          [weak = weak_from_this(), s, fd](const boost::system::error_code& ec) {
            s->readArmed = false;
            onReady(weak, s, fd, CURL_CSELECT_IN, ec);
          });
    }
    if ((s->what & CURL_POLL_OUT) && !s->writeArmed) {
      s->writeArmed = true;
      s->descriptor.async_wait(
          asio::posix::stream_descriptor::wait_write,
          [weak = weak_from_this(), s, fd](const boost::system::error_code& ec) {
            s->writeArmed = false;
            onReady(weak, s, fd, CURL_CSELECT_OUT, ec);
          });
    }
  }

  static void onReady(const std::weak_ptr<Impl>& weak, const std::shared_ptr<WatchedSocket>& s,
                      curl_socket_t fd, int flags, const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (!self || s->removed || ec == asio::error::operation_aborted) return;
    if (s->what == 0) return;  // idle connection (a peer close is curl's to find on reuse)
    // Any other error (the reactor could not watch the fd) is curl's to report.
    self->action(fd, ec ? CURL_CSELECT_ERR : flags);
    if (!s->removed && !ec) self->arm(s, fd);
  }

  void action(curl_socket_t fd, int flags) {
    int running = 0;
    CURLMcode mc = curl_multi_socket_action(multi_, fd, flags, &running);
    if (mc != CURLM_OK)
      log::warn(kComponent, "curl_multi_socket_action: ", curl_multi_strerror(mc));
    collectDone();
  }

  void collectDone() {
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      CURL* easy = msg->easy_handle;
      const CURLcode result = msg->data.result;  // msg dies with the remove below
      auto it = transfers_.find(easy);
      if (it == transfers_.end()) continue;
      std::shared_ptr<Transfer> t = std::move(it->second);
      transfers_.erase(it);
      finish(*t, result);
      CURLMcode mc = curl_multi_remove_handle(multi_, easy);
      if (mc != CURLM_OK) {
        log::warn(kComponent, "curl_multi_remove_handle: ", curl_multi_strerror(mc));
      } else {
        giveBack(*t);
      }
      t->done.set();
    }
  }

  void finish(Transfer& t, CURLcode result) {
    ++stats_.transfers;
    long connects = 0;
    if (curl_easy_getinfo(t.easy, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK) {
      stats_.connectionsOpened += static_cast<uint64_t>(connects);
    }
    if (result == CURLE_OK) {
      long status = 0;
      CURLcode rc = curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
      if (rc == CURLE_OK && status > 0) {
        t.response.status = static_cast<int>(status);
        return;
      }
      result = rc != CURLE_OK ? rc : CURLE_WEIRD_SERVER_REPLY;
    }
    ++stats_.networkErrors;
    if (t.bodyTooLarge) {
      t.fail(result, "response body larger than " + std::to_string(t.maxBodyBytes) + " bytes");
    } else if (t.callbackFailed) {
      t.fail(CURLE_OUT_OF_MEMORY, "out of memory while receiving the response");
    } else {
      // The error buffer names host and port at most; credentials are never in the URL.
      t.fail(result, t.errorBuffer[0] ? std::string(t.errorBuffer) : curl_easy_strerror(result));
    }
  }

  void abortAll(const char* why) {
    auto transfers = std::move(transfers_);
    transfers_.clear();
    for (auto& [easy, t] : transfers) {
      CURLMcode mc = curl_multi_remove_handle(multi_, easy);
      if (mc != CURLM_OK) {
        log::warn(kComponent, "curl_multi_remove_handle: ", curl_multi_strerror(mc));
      }
      ++stats_.transfers;
      ++stats_.networkErrors;
      t->fail(CURLE_ABORTED_BY_CALLBACK, why);
      t->done.set();  // the waiting coroutine resumes from the event loop, not from here
    }
  }

  asio::io_context& io_;
  asio::steady_timer timer_;
  bool timerArmed_ = false;
  Clock::time_point armedAt_;
  uint64_t timerGeneration_ = 0;
  std::optional<Clock::time_point> curlDeadline_;  // what curl asked for last
  bool kickPosted_ = false;
  CurlOptions options_;
  CURLM* multi_ = nullptr;
  bool stopped_ = false;
  CurlStats stats_;
  std::vector<CURL*> idleEasy_;
  std::unordered_map<std::string, curl_slist*> headerLists_;
  std::unordered_map<CURL*, std::shared_ptr<Transfer>> transfers_;
  std::unordered_map<curl_socket_t, std::shared_ptr<WatchedSocket>> sockets_;
  std::unordered_set<curl_socket_t> connectionSockets_;  // opened for connections
};

CurlClient::CurlClient(asio::io_context& io, CurlOptions options)
    : impl_(std::make_shared<Impl>(io, options)) {}

CurlClient::~CurlClient() {
  // Transfers in flight complete with an error; the Impl lives on until their coroutines
  // have taken their responses.
  impl_->shutdown("client destroyed");
}

asio::awaitable<HttpResponse> CurlClient::send(HttpRequest request) {
  return Impl::run(impl_, std::move(request));
}

void CurlClient::shutdown() {
  impl_->shutdown("client shut down");
}

CurlStats CurlClient::stats() const {
  return impl_->stats();
}

}  // namespace gw::twilio
