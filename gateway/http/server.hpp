#pragma once
// HTTP/1.1 server on Asio + llhttp: keep-alive, pipelining (responses in request order),
// header/body size limits, header and idle timeouts, graceful stop.
// Every connection lives on the one io_context it was accepted on, so nothing is locked.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include "gateway/http/message.hpp"
#include "gateway/http/router.hpp"

namespace gw::http {

struct ServerOptions {
  size_t maxHeaderBytes = 16 * 1024;                // request line + headers; 431 beyond
  size_t maxBodyBytes = 1024 * 1024;                // 413 beyond
  std::chrono::milliseconds headerTimeout{10'000};  // to receive a full header block
  std::chrono::milliseconds idleTimeout{60'000};    // keep-alive connection with no request
  size_t maxPipelined = 64;                         // parsed requests waiting for their turn
  // The requests (by method and decoded path) allowed a body of up to largeBodyBytes.
  std::function<bool(std::string_view method, std::string_view path)> largeBody;
  size_t largeBodyBytes = 0;
  // Open connections (0: no cap) and open connections per client address (0: no cap). At
  // the cap a lighter address takes the slot of the heaviest one's oldest connection
  // (common/connection_limiter.hpp), so one address cannot keep others out.
  size_t maxConnections = 0;
  size_t maxConnectionsPerSource = 0;
  std::string serverName = "gatewayd";
  // One "access" log line per answered request (request id, caller, method, route template,
  // status, duration, bytes). Every response carries X-Request-Id either way.
  bool accessLog = false;
  // Who a request acts for, as the access log names it: the field's name, and its value
  // for a request ("" when unset). Only the filter's owner knows what its filter attached
  // (the gateway logs "org").
  std::string callerField = "caller";
  std::function<std::string_view(const Request&)> callerOf;
};

// Connections closed at accept, by reason, since the server started.
struct ConnectionRefusals {
  uint64_t sourceFull = 0;    // the client address had maxConnectionsPerSource open
  uint64_t listenerFull = 0;  // maxConnections open, none of a heavier address to close
  uint64_t evicted = 0;       // closed to make room for a connection of another address
  uint64_t acceptErrors = 0;  // accept() failed (EMFILE, ENFILE, ENOBUFS...)
};

// Runs before routing. Returning a response answers the request without routing it (auth).
using Filter = std::function<std::optional<Response>(Request&)>;

// Called once per answered request, on the io_context, as its response is queued: the
// request (its method as sent), the pattern of the route its path matched (empty: none, or
// the request could not be parsed), the status, and the time since it was received whole.
using Observer = std::function<void(const Request&, std::string_view route, int status,
                                    std::chrono::steady_clock::duration took)>;

class Server {
 public:
  // The router must outlive the server and must not change once listen() was called.
  Server(boost::asio::io_context& io, const Router& router, ServerOptions options = {});
  // Closes the listener and every connection without waiting. Destroy the server on the
  // io_context's thread, or once that no longer runs; stop() first for a graceful end.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  void setFilter(Filter filter);
  void setObserver(Observer observer);  // before listen()

  // Binds and starts accepting. Port 0 picks a free port; see localEndpoint().
  boost::system::error_code listen(const boost::asio::ip::tcp::endpoint& endpoint);
  boost::asio::ip::tcp::endpoint localEndpoint() const;

  // Stops accepting, closes idle connections, lets in-flight requests finish and be
  // answered (with Connection: close), then calls onStopped. Must run on the io_context.
  void stop(std::function<void()> onStopped = {});

  // Open connections; safe to read from any thread.
  size_t connectionCount() const;
  ConnectionRefusals refusals() const;  // any thread

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace gw::http
