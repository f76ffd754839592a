#include "gateway/http/server.hpp"

#include <atomic>
#include <unordered_map>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/log.hpp"
#include "gateway/http/connection.hpp"

namespace gw::http {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

// After an accept error such as EMFILE the pending connection stays in the backlog, so
// accepting again at once would spin; wait a little for descriptors to be released.
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};

}  // namespace

class Server::Impl : public ConnectionHost, public std::enable_shared_from_this<Server::Impl> {
 public:
  Impl(asio::io_context& io, const Router& router, ServerOptions options)
      : io_(io), router_(router), options_(std::move(options)), acceptor_(io), retryTimer_(io) {}

  const Router& router() const override { return router_; }
  const ServerOptions& options() const override { return options_; }
  const Filter& filter() const override { return filter_; }

  void connectionFinished(Connection& connection) override {
    if (connections_.erase(&connection) > 0) count_.fetch_sub(1, std::memory_order_relaxed);
    maybeNotifyStopped();
  }

  void setFilter(Filter filter) { filter_ = std::move(filter); }

  error_code listen(const tcp::endpoint& endpoint) {
    if (acceptor_.is_open()) return asio::error::already_open;
    error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (!ec) local_ = acceptor_.local_endpoint(ec);
    if (ec) {
      error_code ignored;
      acceptor_.close(ignored);
      return ec;
    }
    stopping_ = false;
    accept();
    return {};
  }

  tcp::endpoint localEndpoint() const { return local_; }
  size_t connectionCount() const { return count_.load(std::memory_order_relaxed); }

  void stop(std::function<void()> onStopped) {
    if (onStopped) stopCallbacks_.push_back(std::move(onStopped));
    stopping_ = true;
    closeAcceptor();
    for (const std::shared_ptr<Connection>& c : liveConnections()) c->stop();
    maybeNotifyStopped();
  }

  // The Server is going away: nothing may call back into its owner any more.
  void abandon() {
    stopping_ = true;
    stopCallbacks_.clear();
    closeAcceptor();
    for (const std::shared_ptr<Connection>& c : liveConnections()) c->close();
  }

 private:
  void accept() {
    acceptor_.async_accept(io_,
                           [self = shared_from_this()](const error_code& ec, tcp::socket socket) {
                             self->onAccept(ec, std::move(socket));
                           });
  }

  void onAccept(const error_code& ec, tcp::socket socket) {
    if (stopping_ || !acceptor_.is_open()) return;
    if (ec) {
      if (ec == asio::error::operation_aborted) return;
      if (ec == asio::error::connection_aborted) {  // the client left before we took it
        accept();
        return;
      }
      if (!acceptFailing_) {
        gw::log::warn("http", "accept failed: ", ec.message(), "; retrying every ",
                      kAcceptRetryDelay.count(), " ms");
        acceptFailing_ = true;
      }
      retryTimer_.expires_after(kAcceptRetryDelay);
      retryTimer_.async_wait([self = shared_from_this()](const error_code& waitEc) {
        if (!waitEc && !self->stopping_) self->accept();
      });
      return;
    }
    if (acceptFailing_) {
      gw::log::info("http", "accepting connections again");
      acceptFailing_ = false;
    }
    auto connection = std::make_shared<Connection>(std::move(socket), shared_from_this());
    connections_.emplace(connection.get(), connection);
    count_.fetch_add(1, std::memory_order_relaxed);
    connection->start();
    accept();
  }

  void closeAcceptor() {
    error_code ignored;
    acceptor_.close(ignored);
    retryTimer_.cancel();
  }

  std::vector<std::shared_ptr<Connection>> liveConnections() const {
    std::vector<std::shared_ptr<Connection>> live;
    live.reserve(connections_.size());
    for (const auto& [raw, weak] : connections_) {
      if (auto c = weak.lock()) live.push_back(std::move(c));
    }
    return live;
  }

  void maybeNotifyStopped() {
    if (!stopping_ || !connections_.empty() || stopCallbacks_.empty()) return;
    // Posted, so the callback never runs inside stop() or inside a connection's call stack.
    asio::post(io_, [callbacks = std::move(stopCallbacks_)] {
      for (const auto& f : callbacks) f();
    });
    stopCallbacks_.clear();
  }

  asio::io_context& io_;
  const Router& router_;
  const ServerOptions options_;
  Filter filter_;
  tcp::acceptor acceptor_;
  asio::steady_timer retryTimer_;
  tcp::endpoint local_;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> connections_;
  std::atomic<size_t> count_{0};  // read from other threads (metrics, tests)
  std::vector<std::function<void()>> stopCallbacks_;
  bool stopping_ = false;
  bool acceptFailing_ = false;
};

Server::Server(asio::io_context& io, const Router& router, ServerOptions options)
    : impl_(std::make_shared<Impl>(io, router, std::move(options))) {}

Server::~Server() {
  impl_->abandon();
}

void Server::setFilter(Filter filter) {
  impl_->setFilter(std::move(filter));
}

error_code Server::listen(const tcp::endpoint& endpoint) {
  return impl_->listen(endpoint);
}

tcp::endpoint Server::localEndpoint() const {
  return impl_->localEndpoint();
}

void Server::stop(std::function<void()> onStopped) {
  impl_->stop(std::move(onStopped));
}

size_t Server::connectionCount() const {
  return impl_->connectionCount();
}

}  // namespace gw::http
