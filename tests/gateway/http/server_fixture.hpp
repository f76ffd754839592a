#pragma once
// A real gw::http::Server on 127.0.0.1 (port 0) with its io_context on a thread, and a
// blocking raw-socket client that sends exact bytes and reads responses with a deadline.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "gateway/http/message.hpp"
#include "gateway/http/router.hpp"
#include "gateway/http/server.hpp"

namespace gw::http::test {

using namespace std::chrono_literals;

constexpr std::chrono::milliseconds kWait{5000};  // upper bound, never a fixed delay

// Polls `condition` until it holds or `timeout` passes.
bool waitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout = kWait);

struct ClientResponse {
  int status = 0;
  std::vector<Header> headers;
  std::string body;
  std::optional<std::string> header(std::string_view name) const;
};

class TestClient {
 public:
  explicit TestClient(const boost::asio::ip::tcp::endpoint& server);

  void send(std::string_view bytes);
  // Sends one byte per write.
  void sendBytewise(std::string_view bytes);
  // One response (a "100 Continue" counts as one); nullopt on timeout, close or garbage.
  std::optional<ClientResponse> readResponse(std::chrono::milliseconds timeout = kWait);
  // True when the server closes the connection within `timeout` without sending anything.
  bool waitForClose(std::chrono::milliseconds timeout = kWait);
  // Half-close: the server sees the end of the request stream but can still answer.
  void shutdownSend();
  // Everything received so far and not yet returned as a response.
  const std::string& unread() const { return buffer_; }
  void close();

 private:
  enum class ReadResult { kData, kClosed, kTimeout };
  ReadResult readSome(std::chrono::steady_clock::time_point deadline);

  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  std::string buffer_;
};

class HttpServerTest : public ::testing::Test {
 protected:
  ~HttpServerTest() override;

  // Listens on 127.0.0.1:0 and runs the io_context on a thread. Add routes before.
  void startServer(ServerOptions options = {});
  // Posts stop() and waits for onStopped.
  bool stopServer();
  // Runs f on the io_context thread and waits for it.
  void runOnIo(const std::function<void()>& f);

  boost::asio::ip::tcp::endpoint endpoint() const { return endpoint_; }
  TestClient connect() const { return TestClient(endpoint_); }

  // A handler answering 200 text/plain with a fixed body.
  static Handler text(std::string body);

  boost::asio::io_context io_;
  Router router_;
  std::unique_ptr<Server> server_;
  std::atomic<bool> stopped_{false};

 private:
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::thread thread_;
  boost::asio::ip::tcp::endpoint endpoint_;
};

// "GET <target> HTTP/1.1" with a Host header and the extra header lines given.
std::string get(std::string_view target, std::string_view extraHeaders = {});

}  // namespace gw::http::test
