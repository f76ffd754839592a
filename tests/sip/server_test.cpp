// The SIP server on real sockets (127.0.0.1, port 0): UDP and TCP answers, a call proxied
// to a UDP or TCP socket acting as the agent, TCP framing across segments, garbage.
// Peers are plain POSIX sockets waited on with poll() and a deadline.
#include "sip/server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <random>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "sip/uri.hpp"
#include "tests/sip/proxy_test_world.hpp"

namespace gw::sip {
namespace {

using test::Parsed;
using test::Request;
using Clock = std::chrono::steady_clock;

constexpr std::chrono::seconds kWait{5};

sockaddr_in loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

bool waitReadable(int fd, Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (left.count() <= 0) return false;
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(left.count())) == 1;
}

// A UDP socket on 127.0.0.1 (a caller or an agent).
class UdpPeer {
 public:
  UdpPeer() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a = loopback(0);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~UdpPeer() { ::close(fd_); }
  UdpPeer(const UdpPeer&) = delete;
  UdpPeer& operator=(const UdpPeer&) = delete;

  uint16_t port() const { return port_; }
  void sendTo(uint16_t port, std::string_view bytes) {
    sockaddr_in to = loopback(port);
    ::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  }
  // The next datagram and the port it came from; nullopt after the deadline.
  std::optional<std::pair<std::string, uint16_t>> receive(std::chrono::milliseconds wait = kWait) {
    if (!waitReadable(fd_, Clock::now() + wait)) return std::nullopt;
    char buf[65536];
    sockaddr_in from{};
    socklen_t len = sizeof from;
    ssize_t n = ::recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n < 0) return std::nullopt;
    return std::make_pair(std::string(buf, static_cast<size_t>(n)), ntohs(from.sin_port));
  }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

// One SIP message from a stream: headers, then Content-Length bytes.
class TcpPeer {
 public:
  explicit TcpPeer(int fd) : fd_(fd) {
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  static std::unique_ptr<TcpPeer> connectTo(uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a = loopback(port);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd);
      return nullptr;
    }
    return std::make_unique<TcpPeer>(fd);
  }
  ~TcpPeer() { ::close(fd_); }
  TcpPeer(const TcpPeer&) = delete;
  TcpPeer& operator=(const TcpPeer&) = delete;

  uint16_t localPort() const {
    sockaddr_in a{};
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    return ntohs(a.sin_port);
  }
  bool send(std::string_view bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  std::optional<std::string> receiveMessage(std::chrono::milliseconds wait = kWait) {
    auto deadline = Clock::now() + wait;
    while (true) {
      if (auto m = takeMessage()) return m;
      if (!waitReadable(fd_, deadline)) return std::nullopt;
      char buf[8192];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return std::nullopt;
      buffer_.append(buf, static_cast<size_t>(n));
    }
  }
  // True when the gateway closed the connection before the deadline.
  bool waitClosed(std::chrono::milliseconds wait = kWait) {
    auto deadline = Clock::now() + wait;
    while (waitReadable(fd_, deadline)) {
      char buf[4096];
      if (::recv(fd_, buf, sizeof buf, 0) <= 0) return true;
    }
    return false;
  }

 private:
  std::optional<std::string> takeMessage() {
    while (buffer_.starts_with("\r\n")) buffer_.erase(0, 2);
    size_t end = buffer_.find("\r\n\r\n");
    if (end == std::string::npos) return std::nullopt;
    size_t length = 0;
    Parsed head(buffer_.substr(0, end + 4));
    if (head.message.contentLength) length = *head.message.contentLength;
    if (buffer_.size() < end + 4 + length) return std::nullopt;
    std::string m = buffer_.substr(0, end + 4 + length);
    buffer_.erase(0, end + 4 + length);
    return m;
  }

  int fd_;
  std::string buffer_;
};

class TcpListener {
 public:
  TcpListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a = loopback(0);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd_, 8), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~TcpListener() { ::close(fd_); }
  uint16_t port() const { return port_; }
  std::unique_ptr<TcpPeer> accept() {
    if (!waitReadable(fd_, Clock::now() + kWait)) return nullptr;
    int c = ::accept(fd_, nullptr, nullptr);
    return c < 0 ? nullptr : std::make_unique<TcpPeer>(c);
  }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

// What an agent (UAS) answers: the request's Vias, From, To with a tag, Call-ID, CSeq.
std::string answer(const Parsed& request, int status, std::string_view reason,
                   std::string_view extra = {}) {
  std::string out = "SIP/2.0 " + std::to_string(status) + " " + std::string(reason) + "\r\n";
  for (const auto& v : request.all(HeaderId::kVia)) out += "Via: " + v + "\r\n";
  out += "From: " + request.value(HeaderId::kFrom) + "\r\n";
  out += "To: " + request.value(HeaderId::kTo) + ";tag=agent\r\n";
  out += "Call-ID: " + request.value(HeaderId::kCallId) + "\r\n";
  out += "CSeq: " + request.value(HeaderId::kCSeq) + "\r\n";
  out += extra;
  out += "Content-Length: 0\r\n\r\n";
  return out;
}

class ServerTest : public ::testing::Test {
 protected:
  ServerTest() : world_("127.0.0.1", agent_.port(), "127.0.0.0/8") {
    world_.setTcpAgent("127.0.0.1", tcpAgent_.port());
    holder_.publish(std::make_shared<const Directory>(world_.directory));
    ServerOptions o;
    o.listenPort = 0;
    o.workers = 2;
    server_ = std::make_unique<Server>(world_.routes, holder_, o);
    auto ec = server_->start();
    EXPECT_FALSE(ec) << ec.message();
  }

  Request callerRequest(const char* method, const UdpPeer& caller) {
    Request r;
    r.method = method;
    r.uri = std::string("sip:") + test::kProxied + "@127.0.0.1";
    r.vias = {"SIP/2.0/UDP 127.0.0.1:" + std::to_string(caller.port()) + ";branch=z9hG4bK" +
              method + std::to_string(caller.port()) + ";rport"};
    return r;
  }

  UdpPeer agent_;
  TcpListener tcpAgent_;
  test::World world_;
  DirectoryHolder holder_;
  std::unique_ptr<Server> server_;
};

TEST_F(ServerTest, BindsUdpAndTcpOnTheSamePort) {
  ASSERT_NE(server_->port(), 0);
  EXPECT_EQ(server_->proxyOptions().port, server_->port());
  EXPECT_EQ(server_->proxyOptions().host, "127.0.0.1");
  EXPECT_NE(TcpPeer::connectTo(server_->port()), nullptr);
}

TEST_F(ServerTest, AnswersOptionsOverUdp) {
  UdpPeer caller;
  Request r = callerRequest("OPTIONS", caller);
  caller.sendTo(server_->port(), r.text());
  auto got = caller.receive();
  ASSERT_TRUE(got);
  Parsed p(got->first);
  EXPECT_EQ(p.message.statusCode, 200);
  EXPECT_EQ(got->second, server_->port());
  auto stats = server_->stats();
  EXPECT_EQ(stats.requestsByMethod["OPTIONS"], 1u);
  EXPECT_EQ(stats.responsesSentByStatus[200], 1u);
  EXPECT_EQ(stats.workers, 2u);
}

TEST_F(ServerTest, AnswersOptionsOverTcp) {
  auto c = TcpPeer::connectTo(server_->port());
  ASSERT_NE(c, nullptr);
  Request r;
  r.method = "OPTIONS";
  r.vias = {"SIP/2.0/TCP 127.0.0.1:5099;branch=z9hG4bKtcpopt"};
  ASSERT_TRUE(c->send(r.text()));
  auto m = c->receiveMessage();
  ASSERT_TRUE(m);
  EXPECT_EQ(Parsed(*m).message.statusCode, 200);
  // The connection stays open for the next request.
  r.callId = "second";
  ASSERT_TRUE(c->send(r.text()));
  m = c->receiveMessage();
  ASSERT_TRUE(m);
  EXPECT_EQ(Parsed(*m).value(HeaderId::kCallId), "second");
}

TEST_F(ServerTest, TcpMessageSplitAcrossSegmentsIsReassembled) {
  auto c = TcpPeer::connectTo(server_->port());
  ASSERT_NE(c, nullptr);
  Request r;
  r.method = "OPTIONS";
  r.vias = {"SIP/2.0/TCP 127.0.0.1:5099;branch=z9hG4bKsplit"};
  r.body = "hello";
  std::string text = "\r\n\r\n" + r.text();  // a keep-alive ping first
  for (char ch : text) ASSERT_TRUE(c->send(std::string_view(&ch, 1)));
  auto m = c->receiveMessage();
  ASSERT_TRUE(m);
  EXPECT_EQ(Parsed(*m).message.statusCode, 200);
}

// Root cause: a proxy agent whose URI named the gateway's own TCP listener (with the called
// number as its user part) made the INVITE come back and be forwarded again, 59 times until
// the header limit, with no final answer for the caller. Now the caller gets 482 at once.
TEST_F(ServerTest, TcpAgentPointingAtTheGatewayGets482) {
  world_.tcpAgent.sipUri = std::string("sip:") + test::kProxiedTcp +
                           "@127.0.0.1:" + std::to_string(server_->port()) + ";transport=tcp";
  world_.tcpAgent.port = server_->port();
  world_.rebuild();
  holder_.publish(std::make_shared<const Directory>(world_.directory));
  UdpPeer caller;
  Request invite = callerRequest("INVITE", caller);
  invite.uri = std::string("sip:") + test::kProxiedTcp + "@127.0.0.1";
  caller.sendTo(server_->port(), invite.text());

  std::optional<int> final;
  auto deadline = Clock::now() + std::chrono::seconds(2);
  while (!final && Clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    auto got = caller.receive(left);
    if (!got) break;
    Parsed p(got->first);
    if (!p.message.isRequest && p.message.statusCode >= 200) final = p.message.statusCode;
  }
  ASSERT_TRUE(final) << "no final answer within 2 s";
  EXPECT_EQ(*final, 482);
  EXPECT_EQ(server_->stats().loopsDetected, 1u);
}

TEST_F(ServerTest, ProxiedCallOverUdpReachesTheAgentAndBack) {
  UdpPeer caller;
  Request invite = callerRequest("INVITE", caller);
  invite.extra = "Contact: <sip:caller@127.0.0.1:" + std::to_string(caller.port()) + ">\r\n";
  caller.sendTo(server_->port(), invite.text());

  auto atAgent = agent_.receive();
  ASSERT_TRUE(atAgent);
  EXPECT_EQ(atAgent->second, server_->port());  // sent from the listening port
  Parsed forwarded(atAgent->first);
  ASSERT_TRUE(forwarded.message.isRequest);
  EXPECT_EQ(forwarded.message.requestUri, world_.agent.sipUri);
  ASSERT_EQ(forwarded.all(HeaderId::kVia).size(), 2u);
  ASSERT_TRUE(forwarded.named("X-Gateway-Phone-Number-Id"));
  auto recordRoute = forwarded.value(HeaderId::kRecordRoute);
  EXPECT_EQ(recordRoute.rfind("<sip:127.0.0.1:" + std::to_string(server_->port()) + ";lr;", 0), 0u)
      << recordRoute;

  std::string contact = "Contact: <sip:support@127.0.0.1:" + std::to_string(agent_.port()) +
                        ">\r\nRecord-Route: " + recordRoute + "\r\n";
  agent_.sendTo(server_->port(), answer(forwarded, 180, "Ringing"));
  agent_.sendTo(server_->port(), answer(forwarded, 200, "OK", contact));
  auto ringing = caller.receive();
  ASSERT_TRUE(ringing);
  EXPECT_EQ(Parsed(ringing->first).message.statusCode, 180);
  auto ok = caller.receive();
  ASSERT_TRUE(ok);
  Parsed okParsed(ok->first);
  EXPECT_EQ(okParsed.message.statusCode, 200);
  EXPECT_EQ(okParsed.all(HeaderId::kVia).size(), 1u);

  // ACK and BYE follow the Record-Route through the gateway.
  Request ack = callerRequest("ACK", caller);
  ack.uri = "sip:support@127.0.0.1:" + std::to_string(agent_.port());
  ack.to += ";tag=agent";
  ack.extra = "Route: " + recordRoute + "\r\n";
  caller.sendTo(server_->port(), ack.text());
  auto ackAtAgent = agent_.receive();
  ASSERT_TRUE(ackAtAgent);
  EXPECT_EQ(Parsed(ackAtAgent->first).message.method, Method::kAck);

  Request bye;
  bye.method = "BYE";
  bye.uri = "sip:caller@127.0.0.1:" + std::to_string(caller.port());
  bye.vias = {"SIP/2.0/UDP 127.0.0.1:" + std::to_string(agent_.port()) + ";branch=z9hG4bKbye"};
  bye.from = invite.to + ";tag=agent";
  bye.to = invite.from;
  bye.cseq = 7;
  bye.extra = "Route: " + recordRoute + "\r\n";
  agent_.sendTo(server_->port(), bye.text());
  auto byeAtCaller = caller.receive();
  ASSERT_TRUE(byeAtCaller);
  Parsed byeParsed(byeAtCaller->first);
  EXPECT_EQ(byeParsed.message.method, Method::kBye);
  caller.sendTo(server_->port(), answer(byeParsed, 200, "OK"));
  auto byeOk = agent_.receive();
  ASSERT_TRUE(byeOk);
  EXPECT_EQ(Parsed(byeOk->first).message.statusCode, 200);

  auto stats = server_->stats();
  EXPECT_EQ(stats.forwardedRequests, 3u);   // INVITE, ACK, BYE
  EXPECT_EQ(stats.forwardedResponses, 3u);  // 180, 200, 200 (BYE)
}

TEST_F(ServerTest, TcpCallerGetsTheAgentsAnswerOnItsConnection) {
  auto caller = TcpPeer::connectTo(server_->port());
  ASSERT_NE(caller, nullptr);
  Request invite;
  invite.uri = std::string("sip:") + test::kProxied + "@127.0.0.1";
  invite.vias = {"SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bKtcpcall"};
  ASSERT_TRUE(caller->send(invite.text()));

  auto atAgent = agent_.receive();
  ASSERT_TRUE(atAgent);
  Parsed forwarded(atAgent->first);
  // Whichever worker gets the agent's datagrams, the answer goes through the connection.
  for (int i = 0; i < 4; ++i) {
    agent_.sendTo(server_->port(), answer(forwarded, 180 + i % 2, "Progress"));
  }
  for (int i = 0; i < 4; ++i) {
    auto m = caller->receiveMessage();
    ASSERT_TRUE(m) << i;
    Parsed p(*m);
    EXPECT_EQ(p.message.statusCode, 180 + i % 2);
    EXPECT_EQ(p.all(HeaderId::kVia), invite.vias);
  }
}

TEST_F(ServerTest, UdpCallerReachesATcpAgent) {
  UdpPeer caller;
  Request invite = callerRequest("INVITE", caller);
  invite.uri = std::string("sip:") + test::kProxiedTcp + "@127.0.0.1";
  caller.sendTo(server_->port(), invite.text());
  auto agentConnection = tcpAgent_.accept();
  ASSERT_NE(agentConnection, nullptr);
  auto m = agentConnection->receiveMessage();
  ASSERT_TRUE(m);
  Parsed forwarded(*m);
  EXPECT_EQ(forwarded.message.requestUri, world_.tcpAgent.sipUri);
  EXPECT_EQ(parseVia(forwarded.message.topVia)->transport, "TCP");
  ASSERT_TRUE(agentConnection->send(answer(forwarded, 200, "OK")));
  auto ok = caller.receive();
  ASSERT_TRUE(ok);
  EXPECT_EQ(Parsed(ok->first).message.statusCode, 200);

  // A second request to that agent reuses the connection.
  Request cancel = invite;
  cancel.method = "CANCEL";
  caller.sendTo(server_->port(), cancel.text());
  m = agentConnection->receiveMessage();
  ASSERT_TRUE(m);
  EXPECT_EQ(Parsed(*m).message.method, Method::kCancel);
}

// More datagrams than one recvmmsg reads (32), sent before the server can answer any:
// each is answered once, as when they come one at a time.
TEST_F(ServerTest, EveryDatagramOfABurstIsAnswered) {
  UdpPeer caller;
  constexpr int kBurst = 50;  // with the keep-alives, 100 datagrams: within any receive buffer
  for (int i = 0; i < kBurst; ++i) {
    Request options = callerRequest("OPTIONS", caller);
    options.callId = "burst-" + std::to_string(i);
    caller.sendTo(server_->port(), "\r\n\r\n");  // keep-alives in between: no answer
    caller.sendTo(server_->port(), options.text());
  }
  std::set<std::string> callIds;
  for (int i = 0; i < kBurst; ++i) {
    auto got = caller.receive();
    ASSERT_TRUE(got) << "after " << i << " answers";
    Parsed p(got->first);
    EXPECT_EQ(p.message.statusCode, 200);
    callIds.insert(std::string(p.message.callId));
  }
  EXPECT_EQ(callIds.size(), static_cast<size_t>(kBurst));
  EXPECT_EQ(server_->stats().responsesSentByStatus[200], static_cast<uint64_t>(kBurst));
  EXPECT_EQ(server_->stats().parseErrors, 0u);
}

// Where a worker opens TCP connections is chosen by what peers send: at the cap the message
// is dropped and counted, and no connection is attempted.
TEST_F(ServerTest, OutboundTcpConnectionsAreCapped) {
  ServerOptions o;
  o.listenPort = 0;
  o.workers = 1;
  o.tcp.maxOutboundConnections = 0;
  Server capped(world_.routes, holder_, o);
  ASSERT_FALSE(capped.start());
  UdpPeer caller;
  Request invite = callerRequest("INVITE", caller);
  invite.uri = std::string("sip:") + test::kProxiedTcp + "@127.0.0.1";
  caller.sendTo(capped.port(), invite.text());
  auto deadline = Clock::now() + kWait;
  while (capped.stats().outboundTcpRefused == 0 && Clock::now() < deadline) {
    std::this_thread::yield();
  }
  ServerStats s = capped.stats();
  EXPECT_EQ(s.outboundTcpRefused, 1u);
  EXPECT_EQ(s.dropped, 1u);
  EXPECT_EQ(s.forwardedRequests, 1u);  // written, then not sent
  EXPECT_EQ(s.tcpConnections, 0u);
}

TEST_F(ServerTest, UntrustedSourcesAreRefused) {
  test::World strict("127.0.0.1", agent_.port(), nullptr);  // trusts nobody
  DirectoryHolder holder;
  holder.publish(std::make_shared<const Directory>(strict.directory));
  ServerOptions o;
  o.listenPort = 0;
  Server server(strict.routes, holder, o);
  ASSERT_FALSE(server.start());
  UdpPeer caller;
  caller.sendTo(server.port(), callerRequest("INVITE", caller).text());
  auto got = caller.receive();
  ASSERT_TRUE(got);
  EXPECT_EQ(Parsed(got->first).message.statusCode, 403);
  EXPECT_EQ(server.stats().aclDenials, 1u);
}

TEST_F(ServerTest, GarbageNeverCrashesTheServer) {
  std::mt19937 rng(42);
  UdpPeer junk;
  for (int i = 0; i < 200; ++i) {
    std::string d(rng() % 1500, '\0');
    for (char& ch : d) ch = static_cast<char>(rng());
    if (i % 3 == 0) d = "INVITE sip:x SIP/2.0\r\nVia: " + d;
    junk.sendTo(server_->port(), d);
  }
  for (int i = 0; i < 5; ++i) {
    auto c = TcpPeer::connectTo(server_->port());
    ASSERT_NE(c, nullptr);
    std::string d(4096, '\0');
    for (char& ch : d) ch = static_cast<char>(rng());
    c->send("OPTIONS sip:x SIP/2.0\r\nContent-Length: zz\r\n\r\n" + d);
    EXPECT_TRUE(c->waitClosed()) << "framing lost: the gateway closes";
  }
  // Still serving.
  UdpPeer caller;
  caller.sendTo(server_->port(), callerRequest("OPTIONS", caller).text());
  auto got = caller.receive();
  ASSERT_TRUE(got);
  EXPECT_EQ(Parsed(got->first).message.statusCode, 200);
  EXPECT_GT(server_->stats().parseErrors, 0u);
}

TEST_F(ServerTest, OversizedTcpMessageClosesTheConnection) {
  auto c = TcpPeer::connectTo(server_->port());
  ASSERT_NE(c, nullptr);
  std::string huge = "OPTIONS sip:x SIP/2.0\r\nX-Big: " + std::string(200 * 1024, 'a');
  c->send(huge);
  EXPECT_TRUE(c->waitClosed());
}

TEST_F(ServerTest, IdleTcpConnectionsAreClosed) {
  test::World world("127.0.0.1", agent_.port(), "127.0.0.0/8");
  DirectoryHolder holder;
  holder.publish(std::make_shared<const Directory>(world.directory));
  ServerOptions o;
  o.listenPort = 0;
  o.tcp.idleTimeout = std::chrono::milliseconds(200);
  Server server(world.routes, holder, o);
  ASSERT_FALSE(server.start());
  auto c = TcpPeer::connectTo(server.port());
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(c->waitClosed());
}

TEST_F(ServerTest, APortInUseIsAnError) {
  UdpPeer taken;
  ServerOptions o;
  o.listenPort = taken.port();
  o.workers = 2;
  Server server(world_.routes, holder_, o);
  auto ec = server.start();
  EXPECT_TRUE(ec);
  server.stop();  // harmless when nothing runs
}

TEST_F(ServerTest, StopIsIdempotentAndClosesTheSockets) {
  uint16_t port = server_->port();
  server_->stop();
  server_->stop();
  UdpPeer caller;
  caller.sendTo(port, callerRequest("OPTIONS", caller).text());
  EXPECT_FALSE(caller.receive(std::chrono::milliseconds(200)));
  EXPECT_EQ(TcpPeer::connectTo(port), nullptr);
}

}  // namespace
}  // namespace gw::sip
