#pragma once
// One SIP worker: an io_context run by one thread, its own UDP socket and TCP acceptor on
// the shared port (SO_REUSEPORT: the kernel spreads datagrams and connections over the
// workers), its own Proxy (buffers, counters) and DirectoryCache. Everything here is
// touched only from the worker's thread; other threads post() to io().
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/connection_limiter.hpp"
#include "common/log_throttle.hpp"
#include "common/spare_descriptor.hpp"
#include "sip/connection_registry.hpp"
#include "sip/directory.hpp"
#include "sip/dns_cache.hpp"
#include "sip/proxy.hpp"
#include "sip/routing_table.hpp"
#include "sip/tcp_connection.hpp"

namespace gw::sip {

// What every worker shares; owned by the Server and outliving the workers.
struct WorkerShared {
  const RoutingTable& routes;
  const DirectoryHolder& directory;
  ConnectionRegistry& registry;
  TcpOptions tcp;
};

class Worker final : public TcpConnection::Host {
 public:
  Worker(WorkerShared& shared, ProxyOptions proxyOptions);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  boost::asio::io_context& io() { return io_; }

  // Before start(), on any thread. `reusePort`: SO_REUSEPORT, so every worker binds the port.
  // bufferBytes: SO_RCVBUF and SO_SNDBUF of the UDP socket (0: the kernel's default).
  boost::system::error_code bindUdp(const boost::asio::ip::udp::endpoint& at, bool reusePort,
                                    size_t bufferBytes);
  boost::system::error_code listenTcp(const boost::asio::ip::tcp::endpoint& at, bool reusePort);
  boost::asio::ip::udp::endpoint udpEndpoint() const;

  void start();  // arms the first receive and accept; then run io() on the worker thread
  void run();
  // Any thread: stops receiving and accepting, lets queued TCP writes finish (briefly),
  // then stops the io_context so run() returns.
  void stop();

  const ProxyCounters& counters() const { return proxy_.counters(); }
  // Accepted TCP connections closed by the gateway, by reason; any thread.
  struct TcpRefusals {
    std::atomic<uint64_t> acl{0};           // the source may never connect (Directory::mayConnect)
    std::atomic<uint64_t> sourceFull{0};    // maxInboundPerSource open from that address
    std::atomic<uint64_t> listenerFull{0};  // maxInboundConnections open, none to give way
    std::atomic<uint64_t> evicted{0};       // closed to make room for another address
    std::atomic<uint64_t> messageTimeout{0};
    std::atomic<uint64_t> bufferBudget{0};
    std::atomic<uint64_t> acceptErrors{0};
  };
  const TcpRefusals& tcpRefusals() const { return refusals_; }
  size_t tcpBufferBytes() const { return bufferBytes_.load(std::memory_order_relaxed); }
  size_t tcpConnections() const { return connectionCount_.load(std::memory_order_relaxed); }

  // TcpConnection::Host
  void onStreamMessage(TcpConnection& c, const Message& m) override;
  void onStreamError(TcpConnection& c, const Message& partial, ParseError e) override;
  void onClosed(TcpConnection& c) override;
  bool onBufferResized(TcpConnection& c, long delta) override;

 private:
  struct UdpBatch;

  void setUdpBuffers(size_t bytes);
  void receiveUdp();
  void onUdpReadable(const boost::system::error_code& ec);
  void handleUdpBatch(size_t n);
  void flushUdp();
  void accept();
  void onAccept(const boost::system::error_code& ec, boost::asio::ip::tcp::socket socket);
  void onAcceptError(const boost::system::error_code& ec);
  bool admit(TcpConnection& c);
  void evict(gw::net::ConnectionLimiter::Id id);
  void logRefusal(const Peer& peer, std::string_view why);
  void logSendFailure(const std::string& address, uint16_t port, std::string_view why);
  void shutdown();

  void send(const Outgoing& o, TcpConnection* source);
  void sendUdp(const Peer& to, std::string_view bytes);
  void sendUdpNow(const Peer& to, std::string_view bytes);
  // Where a UDP datagram for `to` goes from this socket (v4-mapped on an IPv6 socket).
  boost::asio::ip::udp::endpoint udpEndpoint(const Peer& to) const;
  void sendTcp(Peer to, std::string_view bytes, uint16_t reconnectPort);
  void resolveThenSend(const Outgoing& o);
  void dropped() { proxy_.counters().dropped.fetch_add(1, std::memory_order_relaxed); }

  boost::asio::io_context io_{1};  // first: destroyed last, with the handlers it holds
  WorkerShared& shared_;
  boost::asio::ip::udp::socket udp_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer acceptRetry_;
  boost::asio::steady_timer stopTimer_;
  Proxy proxy_;
  DirectoryCache directory_;
  std::unique_ptr<UdpBatch> batch_;  // recvmmsg/sendmmsg buffers
  bool inBatch_ = false;             // UDP sends are queued for one sendmmsg
  std::unordered_map<TcpConnection*, std::shared_ptr<TcpConnection>> connections_;
  std::atomic<size_t> connectionCount_{0};
  // The connections this worker opened (to agents, to TCP Vias): capped at
  // TcpOptions::maxOutboundConnections, because peers choose where they go.
  std::unordered_set<TcpConnection*> outbound_;
  bool outboundCapLogged_ = false;
  gw::net::ConnectionLimiter limiter_;  // accepted connections only
  gw::net::SpareDescriptor spare_;
  gw::log::Throttle refusalLog_;
  gw::log::Throttle acceptLog_;
  // Peers choose where responses go and what hosts to resolve: one line a second at most.
  gw::log::Throttle receiveLog_{std::chrono::seconds(1)};
  gw::log::Throttle sendLog_{std::chrono::seconds(1)};
  gw::log::Throttle resolveLog_{std::chrono::seconds(1)};
  TcpRefusals refusals_;
  std::atomic<size_t> bufferBytes_{0};  // receive buffers of this worker's connections
  std::chrono::steady_clock::time_point acceptFailingSince_;
  bool acceptFailing_ = false;
  // Hosts named by peers (Via, Route) and by termination URIs; the defaults bound it.
  DnsCache dns_{io_, DnsCache::Options{}};
  bool udpV6_ = false;  // IPv4 destinations are then written as v4-mapped addresses
  bool stopping_ = false;
};

}  // namespace gw::sip
