#include "gateway/http/server.hpp"

#include <atomic>
#include <cerrno>
#include <unordered_map>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/connection_limiter.hpp"
#include "common/log.hpp"
#include "common/log_throttle.hpp"
#include "common/spare_descriptor.hpp"
#include "gateway/http/connection.hpp"

namespace gw::http {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

// After an accept error such as EMFILE the pending connection stays in the backlog, so
// accepting again at once would spin; wait a little for descriptors to be released.
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};
// Out of descriptors for this long: pending clients are closed rather than left waiting in
// the backlog (a brief shortage only delays them).
constexpr std::chrono::milliseconds kShedAfter{1000};

using Verdict = gw::net::ConnectionLimiter::Verdict;

uint64_t load(const std::atomic<uint64_t>& a) {
  return a.load(std::memory_order_relaxed);
}
void bump(std::atomic<uint64_t>& a) {
  a.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

class Server::Impl : public ConnectionHost, public std::enable_shared_from_this<Server::Impl> {
 public:
  Impl(asio::io_context& io, const Router& router, ServerOptions options)
      : io_(io),
        router_(router),
        options_(std::move(options)),
        acceptor_(io),
        retryTimer_(io),
        limiter_({options_.maxConnections, options_.maxConnectionsPerSource}) {}

  const Router& router() const override { return router_; }
  const ServerOptions& options() const override { return options_; }
  const Filter& filter() const override { return filter_; }
  const Observer& observer() const override { return observer_; }

  void connectionFinished(Connection& connection) override {
    limiter_.release(&connection);
    if (connections_.erase(&connection) > 0) count_.fetch_sub(1, std::memory_order_relaxed);
    maybeNotifyStopped();
  }

  void setFilter(Filter filter) { filter_ = std::move(filter); }
  void setObserver(Observer observer) { observer_ = std::move(observer); }

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
  ConnectionRefusals refusals() const {
    return {load(sourceFull_), load(listenerFull_), load(evicted_), load(acceptErrors_)};
  }

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
      onAcceptError(ec);
      return;
    }
    if (acceptFailing_) {
      gw::log::info("http", "accepting connections again");
      acceptFailing_ = false;
    }
    error_code epEc;
    const tcp::endpoint remote = socket.remote_endpoint(epEc);
    auto connection = std::make_shared<Connection>(std::move(socket), shared_from_this());
    if (!epEc && admit(*connection, remote)) {
      connections_.emplace(connection.get(), connection);
      count_.fetch_add(1, std::memory_order_relaxed);
      connection->start();
    } else {
      connection->close();  // the peer has gone, or it is refused
    }
    accept();
  }

  // Refusals and evictions are counted and logged at most every few seconds: a flood
  // must not turn into a flood of log lines.
  bool admit(Connection& connection, const tcp::endpoint& remote) {
    const gw::net::ConnectionLimiter::Admission a = limiter_.admit(remote.address(), &connection);
    if (a.verdict == Verdict::kAdmitted) {
      if (a.evict != nullptr) evict(a.evict, remote);
      return true;
    }
    const bool sourceFull = a.verdict == Verdict::kSourceFull;
    bump(sourceFull ? sourceFull_ : listenerFull_);
    uint64_t skipped = 0;
    if (refusalLog_.allow(skipped)) {
      gw::log::warn("http", "refusing a connection from ", remote.address().to_string(), ": ",
                    sourceFull ? "that address has " : "the admin listener has ",
                    sourceFull ? options_.maxConnectionsPerSource : options_.maxConnections,
                    " connections open, its cap (", skipped, " more refused since the last line)");
    }
    return false;
  }

  void evict(gw::net::ConnectionLimiter::Id id, const tcp::endpoint& newcomer) {
    bump(evicted_);
    auto it = connections_.find(static_cast<Connection*>(const_cast<void*>(id)));
    if (it == connections_.end()) return;
    uint64_t skipped = 0;
    if (refusalLog_.allow(skipped)) {
      gw::log::warn("http", "the admin listener is full (", options_.maxConnections,
                    "): closing the oldest connection of the address with the most, for ",
                    newcomer.address().to_string(), " (", skipped,
                    " more refusals since the last line)");
    }
    if (auto c = it->second.lock()) c->close();
  }

  // EMFILE/ENFILE leave the connection in the backlog. Retry a little later; once the
  // shortage has lasted kShedAfter, shed pending connections with the spare descriptor (the
  // client sees a close instead of waiting) until the backlog is empty.
  void onAcceptError(const error_code& ec) {
    if (ec == asio::error::operation_aborted) return;
    if (ec == asio::error::connection_aborted) {  // the client left before we took it
      accept();
      return;
    }
    bump(acceptErrors_);
    if (!acceptFailing_) failingSince_ = std::chrono::steady_clock::now();
    acceptFailing_ = true;
    uint64_t skipped = 0;
    if (acceptLog_.allow(skipped)) {
      gw::log::warn("http", "accept failed: ", ec.message(), " (", skipped,
                    " more since the last line); pending connections are closed until "
                    "descriptors are free");
    }
    const bool outOfDescriptors = ec.value() == EMFILE || ec.value() == ENFILE;
    const bool lasting = std::chrono::steady_clock::now() - failingSince_ >= kShedAfter;
    if (outOfDescriptors && lasting && spare_.shed(acceptor_.native_handle())) {
      accept();
      return;
    }
    retryTimer_.expires_after(kAcceptRetryDelay);
    retryTimer_.async_wait([self = shared_from_this()](const error_code& waitEc) {
      if (!waitEc && !self->stopping_) self->accept();
    });
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
  Observer observer_;
  tcp::acceptor acceptor_;
  asio::steady_timer retryTimer_;
  tcp::endpoint local_;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> connections_;
  std::atomic<size_t> count_{0};  // read from other threads (metrics, tests)
  std::vector<std::function<void()>> stopCallbacks_;
  gw::net::ConnectionLimiter limiter_;
  gw::net::SpareDescriptor spare_;
  gw::log::Throttle refusalLog_;
  gw::log::Throttle acceptLog_;
  std::atomic<uint64_t> sourceFull_{0};  // the counters are read from other threads
  std::atomic<uint64_t> listenerFull_{0};
  std::atomic<uint64_t> evicted_{0};
  std::atomic<uint64_t> acceptErrors_{0};
  bool stopping_ = false;
  bool acceptFailing_ = false;
  std::chrono::steady_clock::time_point failingSince_;
};

Server::Server(asio::io_context& io, const Router& router, ServerOptions options)
    : impl_(std::make_shared<Impl>(io, router, std::move(options))) {}

Server::~Server() {
  impl_->abandon();
}

void Server::setFilter(Filter filter) {
  impl_->setFilter(std::move(filter));
}

void Server::setObserver(Observer observer) {
  impl_->setObserver(std::move(observer));
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

ConnectionRefusals Server::refusals() const {
  return impl_->refusals();
}

}  // namespace gw::http
