#include "sip/worker.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>

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

// A net.core sysctl, or nullopt when /proc/sys cannot be read (systemd's ProcSubset=pid).
std::optional<long> readSysctl(const char* path) {
  long v = 0;
  std::ifstream in(path);
  if (!(in >> v)) return std::nullopt;
  return v;
}

// Linux reports twice the size it granted (its bookkeeping share included); other kernels
// (gVisor) report the size itself. Either way a full grant reads as `wanted` or >= 2x it.
bool grantedLess(int granted, int wanted) {
  return granted != wanted && static_cast<long>(granted) < 2L * wanted;
}

// What an operator reads when the buffers are smaller than asked: the caps, and the exact
// commands that either lift them or stop asking for more.
std::string udpBufferWarning(int wanted, std::optional<long> rmemMax, std::optional<long> wmemMax,
                             int grantedReceive) {
  const std::string w = std::to_string(wanted);
  std::string caps = rmemMax && wmemMax
                         ? "net.core.rmem_max is " + std::to_string(*rmemMax) +
                               " and net.core.wmem_max is " + std::to_string(*wmemMax)
                         : "the kernel granted " + std::to_string(grantedReceive) +
                               " (getsockopt; net.core.rmem_max / wmem_max cap it)";
  return "UDP buffers smaller than asked: " + caps + " bytes, not the " + w +
         " bytes asked for by --sip-udp-buffer-bytes, so a burst of SIP datagrams larger than "
         "the buffer is dropped before it is read. Lift the cap with `sysctl -w "
         "net.core.rmem_max=" +
         w + " net.core.wmem_max=" + w +
         "` (keep it in /etc/sysctl.d/), or ask for less with --sip-udp-buffer-bytes (0: the "
         "kernel's default) to silence this";
}

constexpr size_t kDatagramBytes = 65536;
// Datagrams read per recvmmsg, and batches handled per wake-up before the socket goes back
// to the reactor (so TCP connections and timers on this thread are not starved).
constexpr size_t kBatch = 32;
constexpr int kBatchesPerWake = 8;
// Slots kDatagramBytes apart would all start in the same cache sets (a 64 KiB stride):
// stagger them by a few lines, since the headers of a whole batch are read together.
constexpr size_t kSlotBytes = kDatagramBytes + 256;
// After an accept error such as EMFILE the pending connection stays in the backlog, so
// accepting again at once would spin.
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};
// Out of descriptors for this long: pending connections are closed (spare descriptor)
// rather than left waiting in the backlog.
constexpr std::chrono::milliseconds kShedAfter{1000};
// How long stop() lets queued TCP writes drain.
constexpr std::chrono::milliseconds kStopGrace{500};

asio::ip::address addressOf(const sockaddr_storage& sa) {
  if (sa.ss_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(sa);
    asio::ip::address_v6::bytes_type b;
    std::memcpy(b.data(), &in6.sin6_addr, b.size());
    return text::unmapped(asio::ip::address_v6(b, in6.sin6_scope_id));
  }
  const auto& in = reinterpret_cast<const sockaddr_in&>(sa);
  return asio::ip::address_v4(ntohl(in.sin_addr.s_addr));
}

uint16_t portOf(const sockaddr_storage& sa) {
  if (sa.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(sa).sin6_port);
  return ntohs(reinterpret_cast<const sockaddr_in&>(sa).sin_port);
}

}  // namespace

// What one recvmmsg fills and one sendmmsg sends. Datagrams are parsed in place, all of a
// batch before any is decided on, so the routing table's lines for every INVITE in the
// batch can be prefetched and their cache misses overlap.
struct Worker::UdpBatch {
  std::vector<char> in = std::vector<char>(kBatch * kSlotBytes);
  std::array<mmsghdr, kBatch> inMsgs{};
  std::array<iovec, kBatch> inIov{};
  std::array<sockaddr_storage, kBatch> from{};
  std::array<ParseOutcome, kBatch> parsed;
  std::array<bool, kBatch> skip{};

  // Queued answers: their bytes back to back in `out` (Outgoing::bytes only lives until
  // the proxy's next call), where each goes in `to`.
  struct Queued {
    size_t offset, size;
    sockaddr_storage to;
    socklen_t toLen;
  };
  std::string out;
  std::vector<Queued> queued;
  std::array<mmsghdr, kBatch> outMsgs{};
  std::array<iovec, kBatch> outIov{};

  UdpBatch() {
    for (size_t i = 0; i < kBatch; ++i) {
      inIov[i] = {in.data() + i * kSlotBytes, kDatagramBytes};
    }
    out.reserve(kBatch * 2048);
    queued.reserve(kBatch);
  }
  void armReceive() {
    for (size_t i = 0; i < kBatch; ++i) {
      msghdr& h = inMsgs[i].msg_hdr;
      h = {};
      h.msg_name = &from[i];
      h.msg_namelen = sizeof from[i];
      h.msg_iov = &inIov[i];
      h.msg_iovlen = 1;
      inMsgs[i].msg_len = 0;
    }
  }
};

Worker::Worker(WorkerShared& shared, ProxyOptions proxyOptions)
    : shared_(shared),
      udp_(io_),
      acceptor_(io_),
      acceptRetry_(io_),
      stopTimer_(io_),
      proxy_(shared.routes, std::move(proxyOptions)),
      directory_(shared.directory),
      batch_(std::make_unique<UdpBatch>()),
      limiter_({shared.tcp.maxInboundConnections, shared.tcp.maxInboundPerSource}) {}

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
// kernel caps the size at net.core.rmem_max / wmem_max: say so once when it did, with what
// to do, and say nothing when the buffers are what was asked for.
void Worker::setUdpBuffers(size_t bytes) {
  const int wanted = static_cast<int>(std::min<size_t>(bytes, 1u << 30));
  error_code ignored;
  udp_.set_option(asio::socket_base::receive_buffer_size(wanted), ignored);
  udp_.set_option(asio::socket_base::send_buffer_size(wanted), ignored);
  asio::socket_base::receive_buffer_size receive;
  asio::socket_base::send_buffer_size send;
  udp_.get_option(receive, ignored);
  udp_.get_option(send, ignored);
  const auto rmemMax = readSysctl("/proc/sys/net/core/rmem_max");
  const auto wmemMax = readSysctl("/proc/sys/net/core/wmem_max");
  const bool less = rmemMax && wmemMax
                        ? *rmemMax < wanted || *wmemMax < wanted
                        : grantedLess(receive.value(), wanted) || grantedLess(send.value(), wanted);
  static std::atomic<bool> warned{false};
  if (less && !warned.exchange(true)) {
    gw::log::warn("sip", udpBufferWarning(wanted, rmemMax, wmemMax, receive.value()));
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
  dns_.cancel();
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
  // Readiness only: the datagrams are read with recvmmsg. Asio re-arms the descriptor when
  // this wait is queued (EPOLL_CTL_MOD), so a datagram that arrived since the last read
  // completes it at once.
  udp_.async_wait(udp::socket::wait_read, [this](const error_code& ec) { onUdpReadable(ec); });
}

void Worker::onUdpReadable(const error_code& ec) {
  if (stopping_ || ec == asio::error::operation_aborted) return;
  const int fd = udp_.native_handle();
  for (int round = 0; round < kBatchesPerWake && !stopping_; ++round) {
    batch_->armReceive();
    const int n = ::recvmmsg(fd, batch_->inMsgs.data(), kBatch, MSG_DONTWAIT, nullptr);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      // ICMP port unreachable reported on the socket and the like concern one peer only;
      // reading it cleared it.
      uint64_t skipped = 0;
      if (log::enabled(log::Level::kDebug) && receiveLog_.allow(skipped)) {
        log::debug("sip", "udp receive failed: ", std::strerror(errno), " (", skipped,
                   " more since the last line)");
      }
      continue;
    }
    handleUdpBatch(static_cast<size_t>(n));
    // Read again even after a short batch: what arrived meanwhile is then read without a
    // round trip through epoll (re-arming and waiting cost more than one empty read).
  }
  if (!stopping_) receiveUdp();
}

void Worker::handleUdpBatch(size_t n) {
  UdpBatch& b = *batch_;
  // Parse all, prefetch every INVITE's route, then decide on each in arrival order with
  // the same calls, counters and answers as one datagram at a time.
  for (size_t i = 0; i < n; ++i) {
    std::span<char> d(static_cast<char*>(b.inIov[i].iov_base), b.inMsgs[i].msg_len);
    b.skip[i] = d.empty() || isKeepAlive(std::string_view(d.data(), d.size()));
    if (b.skip[i]) continue;
    b.parsed[i] = parseDatagram(d);
    if (!b.parsed[i].error) {
      if (auto key = Proxy::routeKeyHint(b.parsed[i].message)) shared_.routes.prefetch(*key);
    }
  }
  inBatch_ = true;
  for (size_t i = 0; i < n; ++i) {
    if (b.skip[i]) continue;
    Peer from{addressOf(b.from[i]), portOf(b.from[i]), Transport::kUdp};
    if (auto out = proxy_.onParsed(b.parsed[i], from, directory_.get())) send(*out, nullptr);
  }
  inBatch_ = false;
  flushUdp();
}

// One sendmmsg for the batch's answers. sendmmsg stops at the first datagram the kernel
// refuses (it reports the ones before it, or -1 with that datagram's error when it is the
// first): an error of that destination drops and counts that datagram, as a single
// send_to of it would have, and the rest are sent with the next call. A full send buffer
// (EAGAIN: the socket is non-blocking) drops and counts the rest of the batch at once. A
// datagram lost so is lost as on any UDP path: the endpoints' retransmissions (RFC 3261
// 17.1.1.2, 13.3.1.4) recover it, and no state of the gateway depends on it having left.
void Worker::flushUdp() {
  UdpBatch& b = *batch_;
  const size_t count = b.queued.size();
  for (size_t i = 0; i < count; ++i) {
    UdpBatch::Queued& q = b.queued[i];
    b.outIov[i] = {b.out.data() + q.offset, q.size};
    msghdr& h = b.outMsgs[i].msg_hdr;
    h = {};
    h.msg_name = &q.to;
    h.msg_namelen = q.toLen;
    h.msg_iov = &b.outIov[i];
    h.msg_iovlen = 1;
  }
  const int fd = udp_.native_handle();
  size_t sent = 0;
  while (sent < count) {
    const int r =
        ::sendmmsg(fd, b.outMsgs.data() + sent, static_cast<unsigned>(count - sent), MSG_DONTWAIT);
    if (r > 0) {
      sent += static_cast<size_t>(r);
      continue;
    }
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
      // The send buffer is full: the rest would fail the same way, one system call each.
      for (; sent < count; ++sent) dropped();
      break;
    }
    dropped();  // this destination only (unreachable, refused...): the rest still go
    if (log::enabled(log::Level::kDebug)) {
      logSendFailure(addressOf(b.queued[sent].to).to_string(), portOf(b.queued[sent].to),
                     std::strerror(errno));
    }
    ++sent;
  }
  b.queued.clear();
  b.out.clear();
}

void Worker::accept() {
  acceptor_.async_accept(
      io_, [this](const error_code& ec, tcp::socket socket) { onAccept(ec, std::move(socket)); });
}

void Worker::onAccept(const error_code& ec, tcp::socket socket) {
  if (stopping_ || ec == asio::error::operation_aborted) return;
  if (ec) {
    onAcceptError(ec);
    return;
  }
  if (acceptFailing_) {
    log::info("sip", "accepting TCP connections again");
    acceptFailing_ = false;
  }
  error_code epEc;
  tcp::endpoint remote = socket.remote_endpoint(epEc);
  if (epEc) {
    accept();
    return;
  }
  Peer peer{text::unmapped(remote.address()), remote.port(), Transport::kTcp};
  // The ACL at accept: a source nothing could ever be accepted from gets no buffer, no
  // slot and no timer. Whether a message is allowed is still decided per message.
  if (!directory_.get().mayConnect(peer.address)) {
    refusals_.acl.fetch_add(1, std::memory_order_relaxed);
    logRefusal(peer,
               "not in --sip-trusted-cidr, any provider's allowedAddresses or an agent's address");
    accept();
    return;  // `socket` closes here
  }
  auto c = std::make_shared<TcpConnection>(std::move(socket), *this, shared_.tcp, peer);
  if (!admit(*c)) {
    c->close();
    accept();
    return;
  }
  connections_.emplace(c.get(), c);
  connectionCount_.fetch_add(1, std::memory_order_relaxed);
  shared_.registry.add(peer.address, peer.port, ConnectionRef{&io_, c});
  c->start();
  accept();
}

bool Worker::admit(TcpConnection& c) {
  using Verdict = gw::net::ConnectionLimiter::Verdict;
  const auto a = limiter_.admit(c.remote().address, &c);
  if (a.verdict == Verdict::kAdmitted) {
    if (a.evict != nullptr) evict(a.evict);
    return true;
  }
  if (a.verdict == Verdict::kSourceFull) {
    refusals_.sourceFull.fetch_add(1, std::memory_order_relaxed);
    logRefusal(c.remote(), "that address has its cap of connections open on this worker");
  } else {
    refusals_.listenerFull.fetch_add(1, std::memory_order_relaxed);
    logRefusal(c.remote(), "this worker has its cap of TCP connections open");
  }
  return false;
}

// The listener is full: the oldest connection of the address with the most gives way.
void Worker::evict(gw::net::ConnectionLimiter::Id id) {
  refusals_.evicted.fetch_add(1, std::memory_order_relaxed);
  auto it = connections_.find(static_cast<TcpConnection*>(const_cast<void*>(id)));
  if (it == connections_.end()) return;
  logRefusal(it->second->remote(), "closed: the listener is full and that address has the most");
  std::shared_ptr<TcpConnection> victim = it->second;
  victim->close();
}

// At most one line every few seconds: a flood of connections must not flood the log.
void Worker::logRefusal(const Peer& peer, std::string_view why) {
  uint64_t skipped = 0;
  if (!refusalLog_.allow(skipped)) return;
  log::warn("sip", "TCP connection from ", peer.address.to_string(), ":", peer.port,
            " refused: ", why, " (", skipped,
            " more refusals since the last line; see tcpRefused in /api/v1/sip/stats)");
}

void Worker::logSendFailure(const std::string& address, uint16_t port, std::string_view why) {
  uint64_t skipped = 0;
  if (!sendLog_.allow(skipped)) return;
  log::debug("sip", "udp send to ", address, ":", port, " failed: ", why, " (", skipped,
             " more failed sends since the last line; see dropped in /api/v1/sip/stats)");
}

// EMFILE/ENFILE leave the connection in the backlog. Retry a little later; once the
// shortage has lasted kShedAfter, shed pending connections with the spare descriptor.
void Worker::onAcceptError(const error_code& ec) {
  if (ec == asio::error::connection_aborted) {
    accept();
    return;
  }
  refusals_.acceptErrors.fetch_add(1, std::memory_order_relaxed);
  const auto now = std::chrono::steady_clock::now();
  if (!acceptFailing_) acceptFailingSince_ = now;
  acceptFailing_ = true;
  uint64_t skipped = 0;
  if (acceptLog_.allow(skipped)) {
    log::warn("sip", "accept failed: ", ec.message(), " (", skipped,
              " more since the last line); pending connections are closed until "
              "descriptors are free");
  }
  const bool outOfDescriptors = ec.value() == EMFILE || ec.value() == ENFILE;
  if (outOfDescriptors && now - acceptFailingSince_ >= kShedAfter &&
      spare_.shed(acceptor_.native_handle())) {
    accept();
    return;
  }
  acceptRetry_.expires_after(kAcceptRetryDelay);
  acceptRetry_.async_wait([this](const error_code& waitEc) {
    if (!waitEc && !stopping_) accept();
  });
}

bool Worker::onBufferResized(TcpConnection& c, long delta) {
  const size_t before = bufferBytes_.load(std::memory_order_relaxed);
  const size_t after = delta < 0 ? before - std::min(before, static_cast<size_t>(-delta))
                                 : before + static_cast<size_t>(delta);
  bufferBytes_.store(after, std::memory_order_relaxed);
  return delta <= 0 || c.bufferBytes() <= kFreeBufferBytes ||
         after <= shared_.tcp.bufferBudgetBytes;
}

void Worker::onStreamMessage(TcpConnection& c, const Message& m) {
  if (auto out = proxy_.onMessage(m, c.remote(), directory_.get())) send(*out, &c);
}

void Worker::onStreamError(TcpConnection& c, const Message& partial, ParseError e) {
  if (auto out = proxy_.onParseError(partial, e, c.remote())) c.send(out->bytes);
}

void Worker::onClosed(TcpConnection& c) {
  limiter_.release(&c);
  if (c.closeReason() == CloseReason::kMessageTimeout) {
    refusals_.messageTimeout.fetch_add(1, std::memory_order_relaxed);
    logRefusal(c.remote(), "closed: a message was not complete within the message timeout");
  } else if (c.closeReason() == CloseReason::kBufferBudget) {
    refusals_.bufferBudget.fetch_add(1, std::memory_order_relaxed);
    logRefusal(c.remote(), "closed: the TCP receive buffers are over their budget");
  }
  shared_.registry.remove(c.remote().address, c.remote().port, c.weak_from_this());
  // Below the cap again: reaching it is worth another warning.
  if (outbound_.erase(&c) != 0) outboundCapLogged_ = false;
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
  UdpBatch& b = *batch_;
  if (!inBatch_) {
    sendUdpNow(to, bytes);
    return;
  }
  if (b.queued.size() == kBatch) flushUdp();
  const udp::endpoint ep = udpEndpoint(to);
  UdpBatch::Queued q{b.out.size(), bytes.size(), {}, static_cast<socklen_t>(ep.size())};
  std::memcpy(&q.to, ep.data(), ep.size());
  b.out += bytes;
  b.queued.push_back(q);
}

udp::endpoint Worker::udpEndpoint(const Peer& to) const {
  if (udpV6_ && to.address.is_v4()) {
    return {asio::ip::make_address_v6(asio::ip::v4_mapped, to.address.to_v4()), to.port};
  }
  return {to.address, to.port};
}

void Worker::sendUdpNow(const Peer& to, std::string_view bytes) {
  error_code ec;
  udp_.send_to(asio::buffer(bytes.data(), bytes.size()), udpEndpoint(to), 0, ec);
  if (ec) {
    dropped();
    if (log::enabled(log::Level::kDebug)) {
      logSendFailure(to.address.to_string(), to.port, ec.message());
    }
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
  if (outbound_.size() >= shared_.tcp.maxOutboundConnections) {
    proxy_.counters().outboundTcpRefused.fetch_add(1, std::memory_order_relaxed);
    dropped();
    if (!outboundCapLogged_) {
      outboundCapLogged_ = true;  // again once the count has gone below the cap
      log::warn("sip", "this worker has ", outbound_.size(),
                " outgoing TCP connections open, its cap: not connecting to ",
                to.address.to_string(), ":", to.port,
                "; messages that need a new connection are dropped (outboundTcpRefused)");
    }
    return;
  }
  auto c = std::make_shared<TcpConnection>(io_, *this, shared_.tcp, to);
  outbound_.insert(c.get());
  connections_.emplace(c.get(), c);
  connectionCount_.fetch_add(1, std::memory_order_relaxed);
  shared_.registry.add(to.address, to.port, ConnectionRef{&io_, c});
  c->connect();
  c->send(bytes);
}

void Worker::resolveThenSend(const Outgoing& o) {
  if (const auto* hit = dns_.find(o.resolveHost, std::chrono::steady_clock::now())) {
    if (hit->addresses.empty()) {  // known not to resolve: asking again now would not help
      dropped();
      return;
    }
    Outgoing copy = o;
    copy.resolveHost = {};
    copy.to.address = hit->addresses.front();  // IPv4 first, as the UDP socket prefers
    send(copy, nullptr);
    return;
  }
  if (dns_.busy() || stopping_) {
    dropped();
    return;
  }
  dns_.resolve(
      std::string(o.resolveHost),
      [this, host = std::string(o.resolveHost), to = o.to, bytes = std::string(o.bytes),
       reconnect = o.reconnectPort](const error_code& ec, const DnsCache::Addresses& addresses) {
        if (stopping_) return;
        if (addresses.empty()) {
          uint64_t skipped = 0;
          if (resolveLog_.allow(skipped)) {
            log::warn("sip", "cannot resolve ", host, ": ", ec.message(), " (", skipped,
                      " more failures since the last line)");
          }
          dropped();
          return;
        }
        Outgoing resolved;
        resolved.bytes = bytes;
        resolved.to = to;
        resolved.to.address = addresses.front();
        resolved.reconnectPort = reconnect;
        send(resolved, nullptr);
      });
}

}  // namespace gw::sip
