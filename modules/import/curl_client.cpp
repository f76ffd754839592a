#include "modules/import/curl_client.hpp"

#include <curl/curl.h>

#include <mutex>
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

// One transfer: the easy handle, what curl wrote, and the event its coroutine waits on.
struct Transfer {
  explicit Transfer(const asio::any_io_executor& ex) : done(ex) {}
  ~Transfer() {
    if (headers) curl_slist_free_all(headers);
    if (easy) curl_easy_cleanup(easy);
  }
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  HttpRequest request;
  HttpResponse response;
  char errorBuffer[CURL_ERROR_SIZE] = {0};
  import::Event done;
};

// A socket curl asked us to watch. The descriptor never owns the fd: curl opens and closes
// its sockets, so the descriptor is released (not closed) when curl says CURL_POLL_REMOVE.
struct WatchedSocket {
  WatchedSocket(asio::io_context& io, curl_socket_t fd) : descriptor(io, fd) {}
  asio::posix::stream_descriptor descriptor;
  int what = 0;  // CURL_POLL_IN / OUT / INOUT
  bool readArmed = false;
  bool writeArmed = false;
  bool removed = false;
};

class CurlClient::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, const CurlOptions& options) : io_(io), timer_(io), options_(options) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    multi_ = curl_multi_init();
    if (!multi_) throw std::runtime_error("curl_multi_init failed");
    setOpt(CURLMOPT_SOCKETFUNCTION, &Impl::onSocket);
    setOpt(CURLMOPT_SOCKETDATA, this);
    setOpt(CURLMOPT_TIMERFUNCTION, &Impl::onTimer);
    setOpt(CURLMOPT_TIMERDATA, this);
    setOpt(CURLMOPT_MAX_HOST_CONNECTIONS, options.maxHostConnections);
    setOpt(CURLMOPT_MAX_TOTAL_CONNECTIONS, options.maxTotalConnections);
    setOpt(CURLMOPT_MAXCONNECTS, options.maxTotalConnections);
  }

  ~Impl() {
    abortAll("client destroyed");
    curl_multi_cleanup(multi_);
    // curl closes its own sockets; a descriptor must never close one.
    for (auto& [fd, s] : sockets_) s->descriptor.release();
  }

  asio::awaitable<HttpResponse> send(HttpRequest request) {
    if (stopped_) {
      HttpResponse r;
      r.networkError = "client shut down";
      co_return r;
    }
    auto self = shared_from_this();
    auto t = std::make_shared<Transfer>(io_.get_executor());
    t->request = std::move(request);
    if (!setUp(*t)) co_return std::move(t->response);
    CURLMcode mc = curl_multi_add_handle(multi_, t->easy);
    if (mc != CURLM_OK) {
      t->response.networkError = std::string("curl_multi_add_handle: ") + curl_multi_strerror(mc);
      co_return std::move(t->response);
    }
    transfers_.emplace(t->easy, t);
    co_await t->done.wait();
    co_return std::move(t->response);
  }

  void shutdown() {
    stopped_ = true;
    abortAll("client shut down");
  }

 private:
  template <typename T>
  void setOpt(CURLMoption opt, T value) {
    CURLMcode mc = curl_multi_setopt(multi_, opt, value);
    if (mc != CURLM_OK) {
      throw std::runtime_error(std::string("curl_multi_setopt: ") + curl_multi_strerror(mc));
    }
  }

  static size_t onBody(char* data, size_t size, size_t n, void* userp) {
    static_cast<Transfer*>(userp)->response.body.append(data, size * n);
    return size * n;
  }

  static size_t onHeader(char* data, size_t size, size_t n, void* userp) {
    auto* t = static_cast<Transfer*>(userp);
    std::string_view line(data, size * n);
    if (line.rfind("HTTP/", 0) == 0) {
      t->response.headers.clear();  // a new response (after 100 Continue or a redirect)
      return size * n;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return size * n;
    std::string name(line.substr(0, colon));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
      value.remove_suffix(1);
    }
    t->response.headers.emplace_back(std::move(name), std::string(value));
    return size * n;
  }

  bool setUp(Transfer& t) {
    t.easy = curl_easy_init();
    if (!t.easy) {
      t.response.networkError = "curl_easy_init failed";
      return false;
    }
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
    set(CURLOPT_TIMEOUT_MS, static_cast<long>(r.timeout.count()));
    set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connectTimeout.count()));
    set(CURLOPT_TCP_KEEPALIVE, 1L);
    set(CURLOPT_PROTOCOLS_STR, "http,https");
    if (r.method == "POST") {
      set(CURLOPT_POST, 1L);
      set(CURLOPT_POSTFIELDSIZE, static_cast<long>(r.body.size()));
      set(CURLOPT_POSTFIELDS, r.body.c_str());
    } else if (r.method != "GET") {
      set(CURLOPT_CUSTOMREQUEST, r.method.c_str());
    }
    if (!r.basicUser.empty()) {
      set(CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
      set(CURLOPT_USERNAME, r.basicUser.c_str());
      set(CURLOPT_PASSWORD, r.basicPassword.c_str());
    }
    for (const auto& [name, value] : r.headers) {
      t.headers = curl_slist_append(t.headers, (name + ": " + value).c_str());
    }
    // curl adds "Expect: 100-continue" to larger POSTs; Twilio bodies are small.
    t.headers = curl_slist_append(t.headers, "Expect:");
    set(CURLOPT_HTTPHEADER, t.headers);
    if (rc != CURLE_OK) {
      t.response.networkError = std::string("curl_easy_setopt: ") + curl_easy_strerror(rc);
      return false;
    }
    return true;
  }

  // --- curl -> Asio ---

  static int onSocket(CURL*, curl_socket_t fd, int what, void* userp, void*) {
    static_cast<Impl*>(userp)->watch(fd, what);
    return 0;
  }

  static int onTimer(CURLM*, long timeoutMs, void* userp) {
    auto* self = static_cast<Impl*>(userp);
    if (timeoutMs < 0) {
      self->timer_.cancel();
      return 0;
    }
    // Never drive curl from inside its own callback: even a 0 ms timeout goes through the
    // timer, so socket_action runs from the event loop.
    self->timer_.expires_after(std::chrono::milliseconds(timeoutMs));
    self->timer_.async_wait([weak = self->weak_from_this()](const boost::system::error_code& ec) {
      if (ec) return;
      if (auto s = weak.lock()) s->action(CURL_SOCKET_TIMEOUT, 0);
    });
    return 0;
  }

  void watch(curl_socket_t fd, int what) {
    if (what == CURL_POLL_REMOVE) {
      auto it = sockets_.find(fd);
      if (it == sockets_.end()) return;
      auto& s = it->second;
      s->removed = true;
      boost::system::error_code ec;
      s->descriptor.cancel(ec);
      s->descriptor.release();
      sockets_.erase(it);
      return;
    }
    auto it = sockets_.find(fd);
    if (it == sockets_.end()) {
      it = sockets_.emplace(fd, std::make_shared<WatchedSocket>(io_, fd)).first;
    }
    it->second->what = what;
    arm(it->second, fd);
  }

  void arm(const std::shared_ptr<WatchedSocket>& s, curl_socket_t fd) {
    auto weak = weak_from_this();
    if ((s->what & CURL_POLL_IN) && !s->readArmed) {
      s->readArmed = true;
      s->descriptor.async_wait(asio::posix::stream_descriptor::wait_read,
                               [weak, s, fd](const boost::system::error_code& ec) {
                                 s->readArmed = false;
                                 auto self = weak.lock();
                                 if (!self || s->removed || ec) return;
                                 self->action(fd, CURL_CSELECT_IN);
                                 if (!s->removed) self->arm(s, fd);
                               });
    }
    if ((s->what & CURL_POLL_OUT) && !s->writeArmed) {
      s->writeArmed = true;
      s->descriptor.async_wait(asio::posix::stream_descriptor::wait_write,
                               [weak, s, fd](const boost::system::error_code& ec) {
                                 s->writeArmed = false;
                                 auto self = weak.lock();
                                 if (!self || s->removed || ec) return;
                                 self->action(fd, CURL_CSELECT_OUT);
                                 if (!s->removed) self->arm(s, fd);
                               });
    }
  }

  void action(curl_socket_t fd, int flags) {
    int running = 0;
    CURLMcode mc = curl_multi_socket_action(multi_, fd, flags, &running);
    if (mc != CURLM_OK) log::error("curl", "curl_multi_socket_action: ", curl_multi_strerror(mc));
    collectDone();
  }

  void collectDone() {
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      CURL* easy = msg->easy_handle;
      CURLcode result = msg->data.result;
      auto it = transfers_.find(easy);
      if (it == transfers_.end()) continue;
      auto t = it->second;
      transfers_.erase(it);
      if (result == CURLE_OK) {
        long status = 0;
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
        t->response.status = static_cast<int>(status);
      } else {
        t->response.status = 0;
        t->response.networkError =
            t->errorBuffer[0] ? std::string(t->errorBuffer) : curl_easy_strerror(result);
      }
      curl_multi_remove_handle(multi_, easy);
      t->done.set();
    }
  }

  void abortAll(const char* why) {
    auto transfers = std::move(transfers_);
    transfers_.clear();
    for (auto& [easy, t] : transfers) {
      curl_multi_remove_handle(multi_, easy);
      t->response.status = 0;
      t->response.networkError = why;
      t->done.set();
    }
    timer_.cancel();
  }

  asio::io_context& io_;
  asio::steady_timer timer_;
  CurlOptions options_;
  CURLM* multi_ = nullptr;
  bool stopped_ = false;
  std::unordered_map<CURL*, std::shared_ptr<Transfer>> transfers_;
  std::unordered_map<curl_socket_t, std::shared_ptr<WatchedSocket>> sockets_;
};

CurlClient::CurlClient(asio::io_context& io, CurlOptions options)
    : impl_(std::make_shared<Impl>(io, options)) {}
CurlClient::~CurlClient() = default;

asio::awaitable<HttpResponse> CurlClient::send(HttpRequest request) {
  auto impl = impl_;  // keeps the client alive for the transfer's duration
  co_return co_await impl->send(std::move(request));
}

void CurlClient::shutdown() { impl_->shutdown(); }

}  // namespace gw::twilio
