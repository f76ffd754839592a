#pragma once
// A loopback HTTP/1.1 server for client tests: raw Asio on 127.0.0.1, port 0, on its own
// thread. Every request is recorded (method, target, headers, body, connection number) and
// answered from a queue of canned responses, or by a handler once the queue is empty, with
// an optional delay. Connections are kept alive unless a response asks to close, so tests
// can count accepted connections to see reuse.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace gw::twilio::testing {

struct RecordedRequest {
  std::string method;
  std::string target;                                        // path and query as sent
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercased
  std::string body;
  size_t connection = 0;                           // 1 for the first accepted connection, and so on
  std::chrono::steady_clock::time_point received;  // when the whole request had arrived

  const std::string* header(std::string_view lowercaseName) const;
};

struct ScriptedResponse {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // Content-Length is added
  std::string contentType = "application/json";
  std::chrono::milliseconds delay{0};  // before the response is written
  bool close = false;                  // close the connection after this response
  // When set, the response (after `delay`) waits until this returns true, checked every
  // millisecond on the server's thread, or until holdLimit has passed. Lets a test see what
  // a client does while an answer is outstanding, without a fixed sleep.
  std::function<bool()> holdUntil;
  std::chrono::milliseconds holdLimit{10'000};

  static ScriptedResponse json(int status, std::string body);
  // A Twilio error body: {"code":..,"message":..,"more_info":..,"status":..}.
  static ScriptedResponse twilioError(int status, int code, std::string_view message);
};

class ScriptedHttpServer {
 public:
  using Handler = std::function<ScriptedResponse(const RecordedRequest&)>;

  ScriptedHttpServer();  // listening once constructed
  ~ScriptedHttpServer();
  ScriptedHttpServer(const ScriptedHttpServer&) = delete;
  ScriptedHttpServer& operator=(const ScriptedHttpServer&) = delete;

  uint16_t port() const { return port_; }
  std::string url(std::string_view path = "") const;

  // Answers the next requests in order; thread-safe.
  void enqueue(ScriptedResponse response);
  // Answers every request once the queue is empty (default: 404 with a Twilio body).
  void setHandler(Handler handler);

  std::vector<RecordedRequest> requests() const;
  size_t requestCount() const;
  size_t connectionCount() const { return connections_.load(); }
  size_t inFlight() const { return inFlight_.load(); }
  size_t maxInFlight() const { return maxInFlight_.load(); }

  // Polls (no fixed sleep) until at least n requests arrived or the deadline passed.
  bool waitForRequests(size_t n, std::chrono::milliseconds deadline) const;

 private:
  class Connection;
  void accept();
  ScriptedResponse respond(RecordedRequest request);

  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::thread thread_;

  mutable std::mutex mutex_;
  mutable std::condition_variable arrived_;
  std::deque<ScriptedResponse> queue_;     // guarded by mutex_
  Handler handler_;                        // guarded by mutex_
  std::vector<RecordedRequest> requests_;  // guarded by mutex_

  std::atomic<size_t> connections_{0};
  std::atomic<size_t> inFlight_{0};
  std::atomic<size_t> maxInFlight_{0};
};

// A port on 127.0.0.1 where nothing listens (bound, then closed again).
uint16_t closedLoopbackPort();

}  // namespace gw::twilio::testing
