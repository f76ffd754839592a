#pragma once
// One accepted HTTP/1.1 connection. It lives on the io_context it was accepted on, so its
// state needs no lock; every pending operation holds it through shared_from_this(), and it
// is destroyed when none is left.
//
// Requests are parsed as bytes arrive and queued; handlers run one at a time, in order, and
// each response is written before the next handler starts, so responses leave in request
// order. Reading stops while the queue is full or after the last request of the connection.
#include <utility>  // before Asio's coroutine headers (Boost 1.74 + GCC 12)

#include <array>
#include <chrono>
#include <cstddef>
#include <deque>
#include <exception>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>

#include "gateway/http/message.hpp"
#include "gateway/http/request_parser.hpp"
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

  struct Entry {
    Request request;
    bool keepAlive = true;
    std::optional<Response> response;  // set when answered without routing (errors)
    Clock::time_point received = Clock::now();  // parsed; latency and the access log count from here
  };
  struct Output {
    std::string bytes;
    bool isResponse = false;  // false for "100 Continue"
    bool closeAfter = false;
  };
  enum class TimerAction { kClose, kRequestTimeout };
  struct Deadline {
    Clock::time_point at;
    TimerAction action;
  };

  // Makes every step that the current state allows: parse, dispatch, read, arm the timer.
  void advance();
  void parsePending();
  void queueError(int status, const std::string& detail);
  void processQueue();
  void dispatch(Entry& entry);
  void onHandlerDone(const std::exception_ptr& error, Response response);
  void respond(Response response);
  void logAccess(const Entry& entry, const Response& response) const;
  void maybeSendContinue();
  void maybeRead();
  void onRead(const boost::system::error_code& ec, size_t bytes);
  void onPeerClosed();
  void writeNext();
  void onWrite(const boost::system::error_code& ec);
  void beginLingeringClose();
  bool nothingUnread();
  std::optional<Deadline> deadline() const;
  void updateTimer();
  void onTimer(const boost::system::error_code& ec);
  void maybeFinish();

  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timer_;
  std::shared_ptr<ConnectionHost> host_;
  RequestParser parser_;
  std::string remoteAddress_;

  std::array<char, 8192> readBuffer_{};
  std::string pending_;             // received but not parsed yet
  std::deque<Entry> queue_;         // parsed, waiting for their turn
  std::unique_ptr<Entry> current_;  // being answered; a running handler refers into it
  std::deque<Output> output_;       // front() is being written

  Clock::time_point lastActivity_;  // last byte received or response written
  // Start of the current wait for a request: bytes between requests (bare CRLFs, which
  // the parser skips) do not move it, or a client could hold an idle connection forever.
  Clock::time_point idleSince_;
  Clock::time_point requestStarted_;
  Clock::time_point writeStarted_;
  Clock::time_point lingerUntil_;
  std::optional<Clock::time_point> timerArmedFor_;

  bool reading_ = false;
  bool writing_ = false;
  bool handling_ = false;        // an entry is being answered (handler or write)
  bool handlerRunning_ = false;  // its handler coroutine has not completed
  bool requestInProgress_ = false;
  bool inputClosed_ = false;  // parse nothing more
  bool peerClosed_ = false;
  bool lingering_ = false;
  bool stopping_ = false;
  bool closed_ = false;
  bool finished_ = false;
};

}  // namespace gw::http
