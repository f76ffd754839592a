#include "tests/gateway/http/server_fixture.hpp"

#include <poll.h>

#include <cctype>
#include <future>

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include "common/text.hpp"

namespace gw::http::test {

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {}  // namespace

bool waitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!condition()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(1ms);  // polling interval, not a wait for the condition
  }
  return true;
}

std::optional<std::string> ClientResponse::header(std::string_view name) const {
  for (const Header& h : headers) {
    if (equalsIgnoreCase(h.name, name)) return h.value;
  }
  return std::nullopt;
}

TestClient::TestClient(const tcp::endpoint& server) : socket_(io_) {
  socket_.connect(server);
  socket_.set_option(tcp::no_delay(true));  // keep byte-wise writes in separate segments
}

void TestClient::send(std::string_view bytes) {
  boost::system::error_code ec;
  asio::write(socket_, asio::buffer(bytes.data(), bytes.size()), ec);
}

void TestClient::sendBytewise(std::string_view bytes) {
  for (char c : bytes) send(std::string_view(&c, 1));
}

TestClient::ReadResult TestClient::readSome(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (left.count() <= 0) return ReadResult::kTimeout;
  pollfd pfd{socket_.native_handle(), POLLIN, 0};
  int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
  if (ready == 0) return ReadResult::kTimeout;
  if (ready < 0) return ReadResult::kClosed;
  char chunk[4096];
  boost::system::error_code ec;
  size_t n = socket_.read_some(asio::buffer(chunk), ec);
  if (ec) return ReadResult::kClosed;  // EOF or reset
  buffer_.append(chunk, n);
  return ReadResult::kData;
}

std::optional<ClientResponse> TestClient::readResponse(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  size_t headEnd;
  while ((headEnd = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (readSome(deadline) != ReadResult::kData) return std::nullopt;
  }
  std::string_view head(buffer_.data(), headEnd);
  ClientResponse r;
  size_t lineEnd = head.find("\r\n");
  std::string_view statusLine = head.substr(0, lineEnd);
  if (statusLine.size() < 12 || statusLine.substr(0, 9) != "HTTP/1.1 ") return std::nullopt;
  r.status = std::stoi(std::string(statusLine.substr(9, 3)));
  while (lineEnd != std::string_view::npos) {
    head.remove_prefix(lineEnd + 2);
    lineEnd = head.find("\r\n");
    std::string_view line = head.substr(0, lineEnd);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    r.headers.push_back({std::string(line.substr(0, colon)), std::string(value)});
  }
  size_t length = 0;
  if (auto cl = r.header("Content-Length")) length = std::stoul(*cl);
  const size_t bodyStart = headEnd + 4;
  while (buffer_.size() < bodyStart + length) {
    if (readSome(deadline) != ReadResult::kData) return std::nullopt;
  }
  r.body = buffer_.substr(bodyStart, length);
  buffer_.erase(0, bodyStart + length);
  return r;
}

bool TestClient::waitForClose(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (buffer_.empty()) {
    switch (readSome(deadline)) {
      case ReadResult::kClosed:
        return true;
      case ReadResult::kTimeout:
        return false;
      case ReadResult::kData:
        break;
    }
  }
  return false;
}

void TestClient::shutdownSend() {
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_send, ignored);
}

void TestClient::close() {
  boost::system::error_code ignored;
  socket_.close(ignored);
}

HttpServerTest::~HttpServerTest() {
  if (server_ && thread_.joinable() && !stopped_) stopServer();
  work_.reset();
  io_.stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

void HttpServerTest::startServer(ServerOptions options) {
  server_ = std::make_unique<Server>(io_, router_, std::move(options));
  auto ec = server_->listen(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  ASSERT_FALSE(ec) << ec.message();
  endpoint_ = server_->localEndpoint();
  ASSERT_NE(endpoint_.port(), 0);
  work_.emplace(io_.get_executor());
  thread_ = std::thread([this] { io_.run(); });
}

bool HttpServerTest::stopServer() {
  asio::post(io_, [this] { server_->stop([this] { stopped_ = true; }); });
  return waitFor([this] { return stopped_.load(); });
}

void HttpServerTest::runOnIo(const std::function<void()>& f) {
  std::promise<void> done;
  asio::post(io_, [&] {
    f();
    done.set_value();
  });
  done.get_future().wait();
}

Handler HttpServerTest::text(std::string body) {
  return [body = std::move(body)](Request&) -> asio::awaitable<Response> {
    Response r;
    r.body = body;
    r.set("Content-Type", "text/plain");
    co_return r;
  };
}

std::string get(std::string_view target, std::string_view extraHeaders) {
  std::string out = "GET ";
  out.append(target);
  out.append(" HTTP/1.1\r\nHost: test\r\n");
  out.append(extraHeaders);
  out.append("\r\n");
  return out;
}

}  // namespace gw::http::test
