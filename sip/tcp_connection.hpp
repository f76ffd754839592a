#pragma once
// One SIP-over-TCP connection (RFC 3261 18.3), accepted or opened by the gateway. It lives
// on the io_context of the worker that owns it and is only touched from that thread
// (others post() to it); handlers hold `shared_from_this()`, so it dies when nothing is
// pending. Messages are framed by sip::StreamFramer and handed to the Host.
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "sip/message.hpp"
#include "sip/proxy.hpp"
#include "sip/stream_framer.hpp"

namespace gw::sip {

struct TcpOptions {
  std::chrono::milliseconds idleTimeout{120'000};  // no byte received or sent: close
  std::chrono::milliseconds connectTimeout{5'000};
  size_t maxMessageBytes = kMaxHeaderBytes + kMaxBodyBytes;
  size_t maxPendingWriteBytes = 4 * 1024 * 1024;  // a peer that does not read is closed
  // Connections a worker opens itself (to agents, to the Via of a TCP caller whose
  // connection closed), per worker: what peers write decides where they go, so without a cap
  // a flood of such requests could exhaust the file descriptors. Beyond it the message is
  // dropped and counted (ProxyCounters::outboundTcpRefused).
  size_t maxOutboundConnections = 1024;
  // Accepted connections, per worker (the Server divides its own figures among them):
  // open at once and open per source address (common/connection_limiter.hpp); 0: no cap.
  size_t maxInboundConnections = 0;
  size_t maxInboundPerSource = 0;
  // A message that has started must be complete this soon: a peer dripping bytes cannot
  // pin a connection and its buffer for the whole idle timeout.
  std::chrono::milliseconds messageTimeout{10'000};
  // Receive buffers of all connections of a worker together. A buffer may always grow to
  // kFreeBufferBytes (an ordinary message fits); beyond that only within this budget, else
  // the connection is closed.
  size_t bufferBudgetBytes = size_t{64} << 20;
};

// What any connection may buffer regardless of the budget (see TcpOptions).
inline constexpr size_t kFreeBufferBytes = 16 * 1024;

// Why a connection was closed, when the gateway closed it for its resources.
enum class CloseReason : uint8_t { kOther, kMessageTimeout, kBufferBudget };

class TcpConnection : public std::enable_shared_from_this<TcpConnection> {
 public:
  class Host {
   public:
    virtual void onStreamMessage(TcpConnection& c, const Message& m) = 0;
    virtual void onStreamError(TcpConnection& c, const Message& partial, ParseError e) = 0;
    // Called once, when the connection is closed for whatever reason.
    virtual void onClosed(TcpConnection& c) = 0;
    // The receive buffer now holds `delta` more bytes of memory (negative: fewer). False:
    // over the budget; the connection closes (CloseReason::kBufferBudget).
    virtual bool onBufferResized(TcpConnection& c, long delta) = 0;

   protected:
    ~Host() = default;
  };

  // An accepted connection: call start().
  TcpConnection(boost::asio::ip::tcp::socket socket, Host& host, const TcpOptions& options,
                Peer remote);
  // An outgoing connection to `remote`: call connect(); send() queues until connected.
  TcpConnection(boost::asio::io_context& io, Host& host, const TcpOptions& options, Peer remote);
  TcpConnection(const TcpConnection&) = delete;
  TcpConnection& operator=(const TcpConnection&) = delete;

  void start();
  void connect();
  // Copies `bytes` into the write queue.
  void send(std::string_view bytes);
  // Stops reading; closes once the queued bytes are written.
  void closeAfterWrites();
  void close();

  const Peer& remote() const { return remote_; }
  bool closed() const { return closed_; }
  CloseReason closeReason() const { return closeReason_; }
  size_t bufferBytes() const { return framer_.capacity(); }

 private:
  void read();
  void onReadable(const boost::system::error_code& ec);
  bool deliver();
  bool accountBuffer();
  std::chrono::steady_clock::time_point deadline() const;
  void flush();
  void armTimer(std::chrono::steady_clock::time_point deadline);
  void onTimer();
  void touch() { lastActivity_ = std::chrono::steady_clock::now(); }

  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timer_;
  Host& host_;
  const TcpOptions& options_;
  Peer remote_;
  StreamFramer framer_;
  std::string pending_;  // queued, not yet handed to the socket
  std::string writing_;  // being written
  std::chrono::steady_clock::time_point lastActivity_;
  std::optional<std::chrono::steady_clock::time_point> messageStarted_;
  size_t charged_ = 0;  // buffer bytes reported through onBufferResized
  CloseReason closeReason_ = CloseReason::kOther;
  bool connecting_ = false;
  bool writeInFlight_ = false;
  bool closing_ = false;  // close once writes are done
  bool closed_ = false;
};

}  // namespace gw::sip
