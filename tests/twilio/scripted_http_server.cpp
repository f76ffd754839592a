#include "tests/twilio/scripted_http_server.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

namespace gw::twilio::testing {
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

const char* reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 404:
      return "Not Found";
    case 409:
      return "Conflict";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

std::string serialize(const ScriptedResponse& r) {
  std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " + reason(r.status) + "\r\n";
  const bool bodyless = r.status == 204 || r.status == 304;
  if (!bodyless) {
    if (!r.body.empty()) out += "Content-Type: " + r.contentType + "\r\n";
    out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  }
  for (const auto& [name, value] : r.headers) out += name + ": " + value + "\r\n";
  if (r.close) out += "Connection: close\r\n";
  out += "\r\n";
  if (!bodyless) out += r.body;
  return out;
}

// Parses the request line and headers (everything before the blank line).
bool parseHead(std::string_view head, RecordedRequest& req, size_t& contentLength) {
  auto lineEnd = head.find("\r\n");
  std::string_view line = head.substr(0, lineEnd);
  auto sp1 = line.find(' ');
  auto sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1) return false;
  req.method = std::string(line.substr(0, sp1));
  req.target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
  contentLength = 0;
  head.remove_prefix(lineEnd == std::string_view::npos ? head.size() : lineEnd + 2);
  while (!head.empty()) {
    lineEnd = head.find("\r\n");
    line = head.substr(0, lineEnd);
    head.remove_prefix(lineEnd == std::string_view::npos ? head.size() : lineEnd + 2);
    if (line.empty()) break;
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return false;
    std::string name = lower(trim(line.substr(0, colon)));
    std::string value(trim(line.substr(colon + 1)));
    if (name == "content-length") {
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), contentLength);
      if (ec != std::errc() || end != value.data() + value.size()) return false;
    }
    req.headers.emplace_back(std::move(name), std::move(value));
  }
  return true;
}

}  // namespace

const std::string* RecordedRequest::header(std::string_view lowercaseName) const {
  for (const auto& [name, value] : headers) {
    if (name == lowercaseName) return &value;
  }
  return nullptr;
}

ScriptedResponse ScriptedResponse::json(int status, std::string body) {
  ScriptedResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

ScriptedResponse ScriptedResponse::twilioError(int status, int code, std::string_view message) {
  return json(status, "{\"code\":" + std::to_string(code) + ",\"message\":\"" +
                          std::string(message) +
                          "\",\"more_info\":\"https://www.twilio.com/docs/errors/" +
                          std::to_string(code) + "\",\"status\":" + std::to_string(status) + "}");
}

// One accepted connection: read a request, answer it, repeat until either side closes.
class ScriptedHttpServer::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(ScriptedHttpServer& server, tcp::socket socket, size_t index)
      : server_(server),
        socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        index_(index) {}

  void start() { readHead(); }

 private:
  void readHead() {
    asio::async_read_until(socket_, asio::dynamic_buffer(buffer_), "\r\n\r\n",
                           [self = shared_from_this()](boost::system::error_code ec, size_t n) {
                             if (!ec) self->onHead(n);
                           });
  }

  void onHead(size_t headBytes) {
    RecordedRequest req;
    size_t length = 0;
    if (!parseHead(std::string_view(buffer_).substr(0, headBytes), req, length)) return;
    req.connection = index_;
    const size_t needed = headBytes + length;
    if (buffer_.size() >= needed) {
      onRequest(std::move(req), headBytes, length);
      return;
    }
    asio::async_read(socket_, asio::dynamic_buffer(buffer_),
                     asio::transfer_exactly(needed - buffer_.size()),
                     [self = shared_from_this(), req = std::move(req), headBytes, length](
                         boost::system::error_code ec, size_t) mutable {
                       if (!ec) self->onRequest(std::move(req), headBytes, length);
                     });
  }

  void onRequest(RecordedRequest req, size_t headBytes, size_t length) {
    req.body = buffer_.substr(headBytes, length);
    req.received = std::chrono::steady_clock::now();
    buffer_.erase(0, headBytes + length);
    const size_t now = ++server_.inFlight_;
    size_t seen = server_.maxInFlight_.load();
    while (now > seen && !server_.maxInFlight_.compare_exchange_weak(seen, now)) {
    }
    response_ = server_.respond(std::move(req));
    if (response_.delay.count() > 0) {
      timer_.expires_after(response_.delay);
      timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (!ec) self->hold(std::chrono::steady_clock::now() + self->response_.holdLimit);
      });
    } else {
      hold(std::chrono::steady_clock::now() + response_.holdLimit);
    }
  }

  void hold(std::chrono::steady_clock::time_point limit) {
    if (!response_.holdUntil || response_.holdUntil() ||
        std::chrono::steady_clock::now() >= limit) {
      write();
      return;
    }
    timer_.expires_after(std::chrono::milliseconds(1));
    timer_.async_wait([self = shared_from_this(), limit](boost::system::error_code ec) {
      if (!ec) self->hold(limit);
    });
  }

  void write() {
    // Counted as answered before the bytes leave, so no client can see the response while
    // the request still counts as in flight.
    --server_.inFlight_;
    out_ = serialize(response_);
    asio::async_write(socket_, asio::buffer(out_),
                      [self = shared_from_this()](boost::system::error_code ec, size_t) {
                        if (ec) return;
                        if (self->response_.close) {
                          boost::system::error_code ignored;
                          self->socket_.shutdown(tcp::socket::shutdown_both, ignored);
                          return;
                        }
                        self->readHead();
                      });
  }

  ScriptedHttpServer& server_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  size_t index_;
  std::string buffer_;
  std::string out_;
  ScriptedResponse response_;
};

ScriptedHttpServer::ScriptedHttpServer() : acceptor_(io_) {
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen();
  port_ = acceptor_.local_endpoint().port();
  accept();
  thread_ = std::thread([this] { io_.run(); });
}

ScriptedHttpServer::~ScriptedHttpServer() {
  io_.stop();
  thread_.join();
}

std::string ScriptedHttpServer::url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

void ScriptedHttpServer::accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (ec) return;
    const size_t index = ++connections_;
    std::make_shared<Connection>(*this, std::move(socket), index)->start();
    accept();
  });
}

ScriptedResponse ScriptedHttpServer::respond(RecordedRequest request) {
  Handler handler;
  {
    std::lock_guard lock(mutex_);
    requests_.push_back(request);
    arrived_.notify_all();
    if (!queue_.empty()) {
      ScriptedResponse r = std::move(queue_.front());
      queue_.pop_front();
      return r;
    }
    handler = handler_;
  }
  if (handler) return handler(request);  // outside the lock: it may look at the server
  return ScriptedResponse::twilioError(404, 20404, "No scripted response for " + request.target);
}

void ScriptedHttpServer::enqueue(ScriptedResponse response) {
  std::lock_guard lock(mutex_);
  queue_.push_back(std::move(response));
}

void ScriptedHttpServer::setHandler(Handler handler) {
  std::lock_guard lock(mutex_);
  handler_ = std::move(handler);
}

std::vector<RecordedRequest> ScriptedHttpServer::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

size_t ScriptedHttpServer::requestCount() const {
  std::lock_guard lock(mutex_);
  return requests_.size();
}

bool ScriptedHttpServer::waitForRequests(size_t n, std::chrono::milliseconds deadline) const {
  std::unique_lock lock(mutex_);
  return arrived_.wait_for(lock, deadline, [&] { return requests_.size() >= n; });
}

uint16_t closedLoopbackPort() {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  uint16_t port = acceptor.local_endpoint().port();
  acceptor.close();
  return port;
}

}  // namespace gw::twilio::testing
