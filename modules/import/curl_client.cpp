#include "modules/import/curl_client.hpp"

#include <curl/curl.h>
#include <unistd.h>

#include <cctype>
#include <stdexcept>
#include <unordered_map>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/log.hpp"
#include "modules/import/task_group.hpp"

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

// One transfer: the easy handle, what curl wrote, and the event its coroutine waits on.
struct Transfer {
  explicit Transfer(const asio::any_io_executor& ex) : done(ex) {}
  ~Transfer() {
    if (headers) curl_slist_free_all(headers);
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
  curl_slist* headers = nullptr;
  HttpRequest request;
  HttpResponse response;
  size_t maxBodyBytes = 0;
  bool bodyTooLarge = false;
  bool callbackFailed = false;  // an allocation failed inside a curl callback
  char errorBuffer[CURL_ERROR_SIZE] = {0};
  import::Event done;
};

// A socket curl asked us to watch. The descriptor never owns the fd: curl opens and closes
// its sockets. It is released (deregistered, fd left open) when curl says CURL_POLL_REMOVE
// or when curl asks us to close the socket (onCloseSocket), whichever comes first, so the
// reactor never holds an fd number that curl already closed and may reuse.
struct WatchedSocket {
  WatchedSocket(asio::io_context& io, curl_socket_t fd) : descriptor(io, fd) {}
  asio::posix::stream_descriptor descriptor;
  int what = 0;  // CURL_POLL_IN / OUT / INOUT
  bool readArmed = false;
  bool writeArmed = false;
  bool removed = false;
};

}  // namespace

class CurlClient::Impl : public std::enable_shared_from_this<Impl> {
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

  bool setUp(Transfer& t) {
    t.easy = curl_easy_init();
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
    for (const auto& [name, value] : r.headers) {
      if (!appendHeader(t, name + ": " + value)) rc = CURLE_OUT_OF_MEMORY;
    }
    // curl adds "Expect: 100-continue" to larger POSTs; Twilio bodies are small.
    if (!appendHeader(t, "Expect:")) rc = CURLE_OUT_OF_MEMORY;
    set(CURLOPT_HTTPHEADER, t.headers);
    if (rc != CURLE_OK) {
      t.fail(rc, std::string("curl_easy_setopt: ") + curl_easy_strerror(rc));
      return false;
    }
    return true;
  }

  static bool appendHeader(Transfer& t, const std::string& line) {
    curl_slist* grown = curl_slist_append(t.headers, line.c_str());
    if (!grown) return false;
    t.headers = grown;
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
      t->response.headers.emplace_back(std::move(name), std::string(value));
    } catch (...) {
      t->callbackFailed = true;
      return 0;
    }
    return bytes;
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
    static_cast<Impl*>(clientp)->forget(fd);
    return ::close(fd);
  }

  static int onTimer(CURLM*, long timeoutMs, void* userp) noexcept {
    auto* self = static_cast<Impl*>(userp);
    try {
      if (timeoutMs < 0) {
        self->timer_.cancel();
        return 0;
      }
      // Never drive curl from inside its own callback: even a 0 ms timeout goes through the
      // timer, so curl_multi_socket_action only runs from the event loop.
      self->timer_.expires_after(std::chrono::milliseconds(timeoutMs));
      self->timer_.async_wait([weak = self->weak_from_this()](const boost::system::error_code& ec) {
        if (ec) return;
        if (auto s = weak.lock()) s->action(CURL_SOCKET_TIMEOUT, 0);
      });
      return 0;
    } catch (...) {
      return -1;
    }
  }

  // --- curl -> Asio ---

  void watch(curl_socket_t fd, int what) {
    if (what == CURL_POLL_REMOVE) {
      forget(fd);
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
  CurlOptions options_;
  CURLM* multi_ = nullptr;
  bool stopped_ = false;
  CurlStats stats_;
  std::unordered_map<CURL*, std::shared_ptr<Transfer>> transfers_;
  std::unordered_map<curl_socket_t, std::shared_ptr<WatchedSocket>> sockets_;
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
