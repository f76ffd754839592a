#pragma once
// One accepted HTTP/1.1 connection. It lives on the io_context it was accepted on, so its
// state needs no lock. One coroutine, run(), serves it from accept to close: it waits for
// the next request, answers it, writes the answer and decides whether the connection stays
// open; its frame holds the connection, which is destroyed when the coroutine ends.
//
// Requests are answered one at a time, in order. While a handler runs, the socket keeps
// being read and parsed (pipelined requests queue up to maxPipelined, and a client's
// half-close is seen), so each answer knows whether another request follows.
#include <array>
#include <chrono>
#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>

#include "gateway/http/message.hpp"
#include "gateway/http/router.hpp"
#include "gateway/http/server.hpp"

namespace gw::http {

class Connection;

// What a connection needs from the server that accepted it. Connections hold it through a
// shared_ptr, so it outlives all of them.
class ConnectionHost {
 public:
  virtual ~ConnectionHost() = default;
  virtual const Router& router() const = 0;
  virtual const ServerOptions& options() const = 0;
  virtual const Filter& filter() const = 0;
  virtual const Observer& observer() const = 0;
  // Called once, on the io_context, when the connection has closed its socket and none of
  // its handlers is still running.
  virtual void connectionFinished(Connection& connection) = 0;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(boost::asio::ip::tcp::socket socket, std::shared_ptr<ConnectionHost> host);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void start();
  // Server shutdown: read nothing more, drop requests that have not started, let the one in
  // progress finish and answer it with "Connection: close". An idle connection closes now.
  void stop();
  // Closes the socket at once. A running handler still completes; its response is dropped.
  void close();

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry;
  struct Input;
  enum class ReadStatus { kData, kEnd, kTimeout, kStopped, kFailed };
  struct ReadResult {
    ReadStatus status;
    size_t bytes = 0;
  };

  boost::asio::awaitable<void> run(std::shared_ptr<Connection> self);
  boost::asio::awaitable<std::optional<Entry>> nextRequest(Input& in, Clock::time_point idleSince);
  boost::asio::awaitable<Response> answer(Entry& entry, Input& in);
  boost::asio::awaitable<Response> callHandler(const Handler& handler, Request& req);
  boost::asio::awaitable<void> readAhead(Input& in, const bool& handlerDone);
  boost::asio::awaitable<bool> writeAll(std::string_view bytes);
  boost::asio::awaitable<void> lingeringClose(bool peerClosed);
  boost::asio::awaitable<ReadResult> readSome(std::optional<Clock::time_point> deadline,
                                              bool stoppable);

  void take(Input& in, ReadResult read);
  void parse(Input& in);
  void queueError(Input& in, int status, const std::string& detail) const;
  std::optional<Response> route(Request& req, const Handler*& handler) const;
  std::string finish(const Entry& entry, Response response, bool last) const;
  void logAccess(const Entry& entry, const Response& response) const;
  void armWatchdog(std::optional<Clock::time_point> deadline);
  bool nothingUnread();

  boost::asio::ip::tcp::socket socket_;
  // Cancels the socket's operation when its deadline passes; one operation at a time has one.
  boost::asio::steady_timer watchdog_;
  std::shared_ptr<ConnectionHost> host_;
  std::string remoteAddress_;
  std::array<char, 8192> readBuffer_{};
  // Set by stop(). stop() interrupts a read only while `readStoppable_`: never a write, so a
  // response being sent is finished first.
  bool stopping_ = false;
  bool readStoppable_ = false;
};

}  // namespace gw::http
