#include "sip/tcp_connection.hpp"

#include <algorithm>

#include <boost/asio/write.hpp>

namespace gw::sip {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace {
constexpr size_t kReadChunk = 8192;
}  // namespace

TcpConnection::TcpConnection(tcp::socket socket, Host& host, const TcpOptions& options, Peer remote)
    : socket_(std::move(socket)),
      timer_(socket_.get_executor()),
      host_(host),
      options_(options),
      remote_(std::move(remote)),
      framer_(options.maxMessageBytes) {}

TcpConnection::TcpConnection(asio::io_context& io, Host& host, const TcpOptions& options,
                             Peer remote)
    : socket_(io),
      timer_(io),
      host_(host),
      options_(options),
      remote_(std::move(remote)),
      framer_(options.maxMessageBytes) {}

void TcpConnection::start() {
  error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  socket_.non_blocking(true, ignored);  // reads after readiness must never wait
  touch();
  armTimer(lastActivity_ + options_.idleTimeout);
  read();
}

void TcpConnection::connect() {
  connecting_ = true;
  touch();
  armTimer(lastActivity_ + options_.connectTimeout);
  tcp::endpoint to(remote_.address, remote_.port);
  socket_.async_connect(to, [self = shared_from_this()](const error_code& ec) {
    if (self->closed_) return;
    if (ec) {
      self->close();
      return;
    }
    self->connecting_ = false;
    error_code ignored;
    self->socket_.set_option(tcp::no_delay(true), ignored);
    self->socket_.non_blocking(true, ignored);
    self->touch();
    self->armTimer(self->lastActivity_ + self->options_.idleTimeout);
    self->read();
    self->flush();
  });
}

void TcpConnection::send(std::string_view bytes) {
  if (closed_ || closing_) return;
  if (pending_.size() + writing_.size() + bytes.size() > options_.maxPendingWriteBytes) {
    close();  // the peer does not read: better lose it than the gateway's memory
    return;
  }
  pending_ += bytes;
  flush();
}

void TcpConnection::flush() {
  if (writeInFlight_ || connecting_ || closed_) return;
  if (pending_.empty()) {
    if (closing_) close();
    return;
  }
  writing_.swap(pending_);
  pending_.clear();
  writeInFlight_ = true;
  asio::async_write(socket_, asio::buffer(writing_),
                    [self = shared_from_this()](const error_code& ec, size_t) {
                      self->writeInFlight_ = false;
                      self->writing_.clear();
                      if (self->closed_) return;
                      if (ec) {
                        self->close();
                        return;
                      }
                      self->touch();
                      self->flush();
                    });
}

void TcpConnection::closeAfterWrites() {
  if (closed_) return;
  closing_ = true;
  error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_receive, ignored);
  flush();
}

void TcpConnection::close() {
  if (closed_) return;
  closed_ = true;
  error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  timer_.cancel();
  if (charged_ != 0) host_.onBufferResized(*this, -static_cast<long>(charged_));
  charged_ = 0;
  host_.onClosed(*this);
}

// Waits for bytes before taking a buffer: an idle connection holds no receive memory.
void TcpConnection::read() {
  socket_.async_wait(tcp::socket::wait_read,
                     [self = shared_from_this()](const error_code& ec) { self->onReadable(ec); });
}

void TcpConnection::onReadable(const error_code& ec) {
  if (closed_ || closing_) return;
  if (ec) {
    close();
    return;
  }
  std::span<char> buf = framer_.prepare(kReadChunk);
  error_code readEc;
  const size_t n = socket_.read_some(asio::buffer(buf.data(), buf.size()), readEc);
  if (readEc == asio::error::would_block || readEc == asio::error::try_again) {
    framer_.shrink();
    if (accountBuffer()) read();
    return;
  }
  if (readEc) {
    close();  // EOF or reset: anything half-received is lost, as it would be anyway
    return;
  }
  framer_.commit(n);
  touch();
  if (!deliver()) return;
  if (framer_.buffered() == 0) {
    framer_.shrink();
    messageStarted_.reset();
  } else if (!messageStarted_) {
    messageStarted_ = lastActivity_;
    armTimer(deadline());
  }
  if (accountBuffer()) read();
}

// Hands every complete message to the host. False when the connection is closing.
bool TcpConnection::deliver() {
  // `this` may be closed by the host while handling a message (e.g. stop()).
  while (!closed_ && !closing_) {
    switch (framer_.next()) {
      case StreamFramer::Status::kNeedMore:
        return true;
      case StreamFramer::Status::kMessage:
        messageStarted_.reset();  // the next one, if started, counts from now
        host_.onStreamMessage(*this, framer_.message());
        break;
      case StreamFramer::Status::kPing:
        send("\r\n");  // RFC 5626 3.5.1 pong
        break;
      case StreamFramer::Status::kError:
        // The framing is lost: nothing after this point can be trusted.
        host_.onStreamError(*this, framer_.message(), framer_.error());
        closeAfterWrites();
        return false;
    }
  }
  return false;
}

// Reports the buffer's growth to the host; false (and closed) when over the budget.
bool TcpConnection::accountBuffer() {
  const size_t now = framer_.capacity();
  const long delta = static_cast<long>(now) - static_cast<long>(charged_);
  if (delta == 0) return true;
  charged_ = now;
  if (host_.onBufferResized(*this, delta)) return true;
  closeReason_ = CloseReason::kBufferBudget;
  close();
  return false;
}

std::chrono::steady_clock::time_point TcpConnection::deadline() const {
  auto at = lastActivity_ + options_.idleTimeout;
  if (messageStarted_) at = std::min(at, *messageStarted_ + options_.messageTimeout);
  return at;
}

void TcpConnection::armTimer(std::chrono::steady_clock::time_point deadline) {
  timer_.expires_at(deadline);
  timer_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (ec || self->closed_) return;
    self->onTimer();
  });
}

void TcpConnection::onTimer() {
  auto now = std::chrono::steady_clock::now();
  if (connecting_) {
    close();  // connect timeout
    return;
  }
  if (messageStarted_ && now >= *messageStarted_ + options_.messageTimeout) {
    closeReason_ = CloseReason::kMessageTimeout;
    close();
    return;
  }
  const auto at = deadline();
  if (now >= at) {
    close();
    return;
  }
  armTimer(at);  // activity since the timer was armed: wait for the rest
}

}  // namespace gw::sip
