#include "sip/worker.hpp"

#include <algorithm>
#include <atomic>

#include <boost/asio/post.hpp>

#include "common/log.hpp"
#include "sip/proxy_text.hpp"

namespace gw::sip {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;
using boost::system::error_code;

namespace {

using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

constexpr size_t kDatagramBytes = 65536;
// After an accept error such as EMFILE the pending connection stays in the backlog, so
// accepting again at once would spin.
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};
// How long stop() lets queued TCP writes drain.
constexpr std::chrono::milliseconds kStopGrace{500};
constexpr std::chrono::seconds kResolveTtl{60};
constexpr size_t kMaxResolving = 64;
// Host names come from what peers send (Via, Record-Route): bound the cache.
constexpr size_t kMaxResolved = 4096;

bool isKeepAlive(std::span<const char> d) {
  for (char c : d) {
    if (c != '\r' && c != '\n' && c != ' ' && c != '\t' && c != '\0') return false;
  }
  return true;
}

}  // namespace

Worker::Worker(WorkerShared& shared, ProxyOptions proxyOptions)
    : shared_(shared),
      udp_(io_),
      acceptor_(io_),
      resolver_(io_),
      acceptRetry_(io_),
      stopTimer_(io_),
      proxy_(shared.routes, std::move(proxyOptions)),
      directory_(shared.directory),
      datagram_(kDatagramBytes) {}

Worker::~Worker() {
  // Connections hold a reference to this Host: close them (without callbacks into a
  // half-destroyed object) before the members go.
  std::vector<std::shared_ptr<TcpConnection>> live;
  for (auto& [raw, c] : connections_) live.push_back(c);
  stopping_ = true;
  for (auto& c : live) c->close();
  connections_.clear();
}

error_code Worker::bindUdp(const udp::endpoint& at, bool reusePort, size_t bufferBytes) {
  error_code ec;
  udp_.open(at.protocol(), ec);
  if (!ec && reusePort) udp_.set_option(ReusePort(true), ec);
  if (!ec && bufferBytes > 0) setUdpBuffers(bufferBytes);
  if (!ec) udp_.bind(at, ec);
  if (!ec) udp_.non_blocking(true, ec);  // sends never wait: a full buffer drops (UDP)
  udpV6_ = at.address().is_v6();
  if (ec) {
    error_code ignored;
    udp_.close(ignored);
  }
  return ec;
}

// Carriers send in bursts; with the kernel's default (~208 KB, 100 - 150 datagrams) a
// burst that arrives while this thread is not running is dropped before it is read. The
// kernel caps the size at net.core.rmem_max / wmem_max: say so once when it did.
void Worker::setUdpBuffers(size_t bytes) {
  const int wanted = static_cast<int>(std::min<size_t>(bytes, 1u << 30));
  error_code ignored;
  udp_.set_option(asio::socket_base::receive_buffer_size(wanted), ignored);
  udp_.set_option(asio::socket_base::send_buffer_size(wanted), ignored);
  asio::socket_base::receive_buffer_size granted;
  udp_.get_option(granted, ignored);
  static std::atomic<bool> warned{false};
  // Linux reports twice the size it was asked for (its bookkeeping share included).
  if (granted.value() < wanted && !warned.exchange(true)) {
    gw::log::warn("sip", "UDP receive buffer is ", granted.value() / 2, " bytes, not the ", wanted,
                  " asked for: raise net.core.rmem_max (and wmem_max) so bursts of "
                  "datagrams are not dropped");
  }
}

error_code Worker::listenTcp(const tcp::endpoint& at, bool reusePort) {
  error_code ec;
  acceptor_.open(at.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec && reusePort) acceptor_.set_option(ReusePort(true), ec);
  if (!ec) acceptor_.bind(at, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error_code ignored;
    acceptor_.close(ignored);
  }
  return ec;
}

udp::endpoint Worker::udpEndpoint() const {
  error_code ec;
  return udp_.local_endpoint(ec);
}

void Worker::start() {
  if (udp_.is_open()) receiveUdp();
  if (acceptor_.is_open()) accept();
}

void Worker::run() {
  io_.run();
}

void Worker::stop() {
  asio::post(io_, [this] { shutdown(); });
}

void Worker::shutdown() {
  if (stopping_) return;
  stopping_ = true;
  error_code ignored;
  udp_.close(ignored);
  acceptor_.close(ignored);
  acceptRetry_.cancel();
  resolver_.cancel();
  std::vector<std::shared_ptr<TcpConnection>> live;
  for (auto& [raw, c] : connections_) live.push_back(c);
  for (auto& c : live) c->closeAfterWrites();
  if (connections_.empty()) {
    io_.stop();
    return;
  }
  stopTimer_.expires_after(kStopGrace);
  stopTimer_.async_wait([this](const error_code&) { io_.stop(); });
}

void Worker::receiveUdp() {
  udp_.async_receive_from(asio::buffer(datagram_), sender_,
                          [this](const error_code& ec, size_t n) { onUdp(ec, n); });
}

void Worker::onUdp(const error_code& ec, size_t n) {
  if (stopping_ || ec == asio::error::operation_aborted) return;
  // Other errors (ICMP port unreachable reported on the socket...) concern one peer only.
  if (!ec && n > 0) {
    std::span<char> d(datagram_.data(), n);
    if (!isKeepAlive(d)) {
      Peer from{text::unmapped(sender_.address()), sender_.port(), Transport::kUdp};
      if (auto out = proxy_.onDatagram(d, from, directory_.get())) send(*out, nullptr);
    }
  }
  receiveUdp();
}

void Worker::accept() {
  acceptor_.async_accept(
      io_, [this](const error_code& ec, tcp::socket socket) { onAccept(ec, std::move(socket)); });
}

void Worker::onAccept(const error_code& ec, tcp::socket socket) {
  if (stopping_ || ec == asio::error::operation_aborted) return;
  if (ec) {
    if (ec == asio::error::connection_aborted) {
      accept();
      return;
    }
    log::warn("sip", "accept failed: ", ec.message());
    acceptRetry_.expires_after(kAcceptRetryDelay);
    acceptRetry_.async_wait([this](const error_code& waitEc) {
      if (!waitEc && !stopping_) accept();
    });
    return;
  }
  error_code epEc;
  tcp::endpoint remote = socket.remote_endpoint(epEc);
  if (epEc) {
    accept();
    return;
  }
  Peer peer{text::unmapped(remote.address()), remote.port(), Transport::kTcp};
  auto c = std::make_shared<TcpConnection>(std::move(socket), *this, shared_.tcp, peer);
  connections_.emplace(c.get(), c);
  connectionCount_.fetch_add(1, std::memory_order_relaxed);
  shared_.registry.add(peer.address, peer.port, ConnectionRef{&io_, c});
  c->start();
  accept();
}

void Worker::onStreamMessage(TcpConnection& c, const Message& m) {
  if (auto out = proxy_.onMessage(m, c.remote(), directory_.get())) send(*out, &c);
}

void Worker::onStreamError(TcpConnection& c, const Message& partial, ParseError e) {
  if (auto out = proxy_.onParseError(partial, e, c.remote())) c.send(out->bytes);
}

void Worker::onClosed(TcpConnection& c) {
  shared_.registry.remove(c.remote().address, c.remote().port, c.weak_from_this());
  auto it = connections_.find(&c);
  if (it == connections_.end()) return;
  // Released later: `c` may be running one of its own member functions right now.
  asio::post(io_, [keep = std::move(it->second)] {});
  connections_.erase(it);
  connectionCount_.fetch_sub(1, std::memory_order_relaxed);
  if (stopping_ && connections_.empty()) io_.stop();
}

void Worker::send(const Outgoing& o, TcpConnection* source) {
  if (!o.resolveHost.empty()) {
    resolveThenSend(o);
    return;
  }
  if (o.onSourceConnection && source && !source->closed()) {
    source->send(o.bytes);
    return;
  }
  if (o.to.transport == Transport::kUdp) {
    sendUdp(o.to, o.bytes);
  } else {
    sendTcp(o.to, o.bytes, o.reconnectPort);
  }
}

void Worker::sendUdp(const Peer& to, std::string_view bytes) {
  asio::ip::address address = to.address;
  if (udpV6_ && address.is_v4()) {
    address = asio::ip::make_address_v6(asio::ip::v4_mapped, address.to_v4());
  }
  error_code ec;
  udp_.send_to(asio::buffer(bytes.data(), bytes.size()), udp::endpoint(address, to.port), 0, ec);
  if (ec) {
    dropped();
    log::debug("sip", "udp send to ", address.to_string(), ":", to.port, " failed: ", ec.message());
  }
}

void Worker::sendTcp(Peer to, std::string_view bytes, uint16_t reconnectPort) {
  auto ref = shared_.registry.find(to.address, to.port);
  if (!ref && reconnectPort != 0) {
    // The connection the request came on is gone: RFC 3261 18.2.2, connect to the
    // sent-by port instead.
    to.port = reconnectPort;
    ref = shared_.registry.find(to.address, to.port);
  }
  if (ref) {
    if (ref->io != &io_) {
      // Locked on its own thread only: the last reference must drop there.
      asio::post(*ref->io, [weak = ref->connection, copy = std::string(bytes)] {
        if (auto c = weak.lock()) c->send(copy);
      });
      return;
    }
    if (auto c = ref->connection.lock(); c && !c->closed()) {
      c->send(bytes);
      return;
    }
  }
  if (stopping_) {
    dropped();
    return;
  }
  auto c = std::make_shared<TcpConnection>(io_, *this, shared_.tcp, to);
  connections_.emplace(c.get(), c);
  connectionCount_.fetch_add(1, std::memory_order_relaxed);
  shared_.registry.add(to.address, to.port, ConnectionRef{&io_, c});
  c->connect();
  c->send(bytes);
}

void Worker::resolveThenSend(const Outgoing& o) {
  std::string host(o.resolveHost);
  auto now = std::chrono::steady_clock::now();
  if (auto it = resolved_.find(host); it != resolved_.end() && it->second.expires > now) {
    Outgoing copy = o;
    copy.resolveHost = {};
    copy.to.address = it->second.address;
    send(copy, nullptr);
    return;
  }
  if (resolving_ >= kMaxResolving || stopping_) {
    dropped();
    return;
  }
  ++resolving_;
  // Plain A/AAAA resolution of the host (no NAPTR/SRV, RFC 3263 is not implemented).
  resolver_.async_resolve(
      host, std::to_string(o.to.port),
      [this, host, to = o.to, bytes = std::string(o.bytes), reconnect = o.reconnectPort](
          const error_code& ec, const udp::resolver::results_type& results) {
        --resolving_;
        if (stopping_) return;
        if (ec || results.empty()) {
          log::warn("sip", "cannot resolve ", host, ": ",
                    ec ? ec.message() : std::string("no address"));
          dropped();
          return;
        }
        asio::ip::address address = results.begin()->endpoint().address();
        for (const auto& r : results) {
          if (r.endpoint().address().is_v4()) {
            address = r.endpoint().address();
            break;
          }
        }
        const auto now = std::chrono::steady_clock::now();
        if (resolved_.size() >= kMaxResolved) {
          std::erase_if(resolved_, [now](const auto& e) { return e.second.expires <= now; });
          if (resolved_.size() >= kMaxResolved) resolved_.clear();
        }
        resolved_[host] = Resolved{address, now + kResolveTtl};
        Outgoing resolved;
        resolved.bytes = bytes;
        resolved.to = to;
        resolved.to.address = address;
        resolved.reconnectPort = reconnect;
        send(resolved, nullptr);
      });
}

}  // namespace gw::sip
