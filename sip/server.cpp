#include "sip/server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>

#include "common/log.hpp"
#include "sip/worker.hpp"

namespace gw::sip {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;
using boost::system::error_code;

namespace {

// Port 0: the UDP port the kernel picked may be taken for TCP; try a few others.
constexpr int kFreePortAttempts = 8;

// The kernel spreads connections over the workers' acceptors (SO_REUSEPORT), so each gets
// an equal share of the caps and the budget (rounded up; a set cap stays at least 1).
TcpOptions perWorker(TcpOptions o, size_t workers) {
  auto share = [workers](size_t v) { return v == 0 ? 0 : (v + workers - 1) / workers; };
  o.maxInboundConnections = share(o.maxInboundConnections);
  o.maxInboundPerSource = share(o.maxInboundPerSource);
  o.bufferBudgetBytes = share(o.bufferBudgetBytes);
  return o;
}

}  // namespace

Server::Server(const RoutingTable& routes, const DirectoryHolder& directory, ServerOptions options)
    : routes_(routes), directory_(directory), options_(std::move(options)) {
  if (options_.workers == 0) options_.workers = 1;
}

Server::~Server() {
  stop();
}

error_code Server::start() {
  if (!workers_.empty()) return asio::error::already_started;
  error_code ec;
  for (int attempt = 0; attempt < kFreePortAttempts; ++attempt) {
    // Probes bound without SO_REUSEPORT: a socket already on the port (say another
    // gatewayd of the same user) would otherwise silently share the traffic.
    asio::io_context probeIo;
    udp::socket udpProbe(probeIo);
    tcp::acceptor tcpProbe(probeIo);
    udpProbe.open(udp::endpoint(options_.listenAddress, 0).protocol(), ec);
    if (!ec) udpProbe.bind(udp::endpoint(options_.listenAddress, options_.listenPort), ec);
    if (ec) return ec;
    uint16_t port = udpProbe.local_endpoint(ec).port();
    if (ec) return ec;
    tcpProbe.open(tcp::endpoint(options_.listenAddress, 0).protocol(), ec);
    if (!ec) tcpProbe.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) tcpProbe.bind(tcp::endpoint(options_.listenAddress, port), ec);
    error_code ignored;
    tcpProbe.close(ignored);
    udpProbe.close(ignored);
    if (!ec) ec = bindAll(port);
    if (!ec) {
      port_ = port;
      break;
    }
    releaseWorkers();
    if (options_.listenPort != 0 || ec != asio::error::address_in_use) return ec;
  }
  if (ec) return ec;

  for (auto& w : workers_) w->start();
  threads_.reserve(workers_.size());
  for (auto& w : workers_) {
    Worker* worker = w.get();
    threads_.emplace_back([worker] { worker->run(); });
  }
  return {};
}

error_code Server::bindAll(uint16_t port) {
  proxyOptions_ = ProxyOptions{};
  proxyOptions_.host = options_.advertisedHost.empty() ? options_.listenAddress.to_string()
                                                       : options_.advertisedHost;
  proxyOptions_.port = options_.advertisedPort != 0 ? options_.advertisedPort : port;
  proxyOptions_.outboundProxy = options_.outboundProxy;
  proxyOptions_.listenAddress = options_.listenAddress;
  proxyOptions_.listenPort = port;
  proxyOptions_.routeKey = options_.routeKey;
  if (options_.advertisedHost.empty() && options_.listenAddress.is_unspecified()) {
    log::warn("sip", "listening on ", options_.listenAddress.to_string(),
              " without --public-sip-uri: Via and Record-Route will carry an address peers "
              "cannot reach");
  }
  shared_ = std::make_unique<WorkerShared>(
      WorkerShared{routes_, directory_, registry_, perWorker(options_.tcp, options_.workers)});
  bool reusePort = options_.workers > 1;
  for (size_t i = 0; i < options_.workers; ++i) {
    workers_.push_back(std::make_unique<Worker>(*shared_, proxyOptions_));
    if (auto ec = workers_.back()->bindUdp(udp::endpoint(options_.listenAddress, port), reusePort,
                                           options_.udpBufferBytes)) {
      return ec;
    }
  }
  for (auto& w : workers_) {
    if (auto ec = w->listenTcp(tcp::endpoint(options_.listenAddress, port), reusePort)) {
      return ec;
    }
  }
  return {};
}

void Server::stop() {
  for (auto& w : workers_) w->stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
  releaseWorkers();
}

void Server::releaseWorkers() {
  workers_.clear();  // every thread has been joined: nothing runs their io_contexts
  shared_.reset();
}

ServerStats Server::stats() const {
  ServerStats s;
  s.workers = workers_.size();
  for (const auto& w : workers_) addWorker(s, *w);
  return s;
}

std::vector<ServerStats> Server::workerStats() const {
  std::vector<ServerStats> out(workers_.size());
  for (size_t i = 0; i < workers_.size(); ++i) {
    out[i].workers = 1;
    addWorker(out[i], *workers_[i]);
  }
  return out;
}

void Server::addWorker(ServerStats& s, const Worker& w) {
  const ProxyCounters& c = w.counters();
  auto get = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  for (size_t i = 0; i < ProxyCounters::kMethods; ++i) {
    const uint64_t n = get(c.requestsByMethod[i]);
    if (n == 0) continue;
    std::string_view name = methodName(static_cast<Method>(i));
    s.requestsByMethod[name.empty() ? std::string("other") : std::string(name)] += n;
  }
  for (size_t i = 0; i < c.responsesSentByStatus.size(); ++i) {
    const uint64_t n = get(c.responsesSentByStatus[i]);
    if (n != 0) s.responsesSentByStatus[static_cast<int>(i) + 100] += n;
  }
  s.responsesReceived += get(c.responsesReceived);
  s.aclDenials += get(c.aclDenials);
  s.parseErrors += get(c.parseErrors);
  s.forwardedRequests += get(c.forwardedRequests);
  s.forwardedResponses += get(c.forwardedResponses);
  s.absorbedAcks += get(c.absorbedAcks);
  s.dropped += get(c.dropped);
  s.outboundTcpRefused += get(c.outboundTcpRefused);
  s.routeDenials += get(c.routeDenials);
  s.loopsDetected += get(c.loopsDetected);
  s.unknownNumberInvites += get(c.unknownNumberInvites);
  s.tcpConnections += w.tcpConnections();
  const Worker::TcpRefusals& r = w.tcpRefusals();
  s.tcpRefused["acl"] += get(r.acl);
  s.tcpRefused["sourceFull"] += get(r.sourceFull);
  s.tcpRefused["listenerFull"] += get(r.listenerFull);
  s.tcpRefused["evicted"] += get(r.evicted);
  s.tcpRefused["messageTimeout"] += get(r.messageTimeout);
  s.tcpRefused["bufferBudget"] += get(r.bufferBudget);
  s.tcpRefused["acceptErrors"] += get(r.acceptErrors);
  s.tcpBufferBytes += w.tcpBufferBytes();
}

}  // namespace gw::sip
