// SIP over TCP against peers that hold resources: a source that could never be allowed is
// closed at accept, a message dripped a byte at a time is cut off at the message timeout,
// the receive buffers of all connections stay within their budget, and one address cannot
// take every connection slot.
//
// Root causes covered: the ACL was applied only once a whole message had arrived, so any
// address could hold a connection and a 64 KiB buffer; every received byte reset the idle
// timer, so a drip held them forever; nothing bounded buffers or connections in total.
#include "sip/server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/sip/proxy_test_world.hpp"

namespace gw::sip {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// A TCP connection to the gateway from a chosen loopback address.
class Client {
 public:
  // Port 0: bound, not connected yet (connectTo()).
  Client(const char* source, uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in from{};
    from.sin_family = AF_INET;
    ::inet_pton(AF_INET, source, &from.sin_addr);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from), 0);
    if (port != 0) connectTo(port);
  }
  void connectTo(uint16_t port) {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to), 0);
  }
  ~Client() { ::close(fd_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void send(std::string_view bytes) { ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL); }
  // True when the gateway closes the connection within `wait` (answers are skipped).
  bool closed(std::chrono::milliseconds wait = 5000ms) {
    const auto deadline = Clock::now() + wait;
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) != 1) return false;
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return true;
      received_.append(buf, static_cast<size_t>(n));
    }
  }
  // True when an answer with `status` arrives within `wait`.
  bool answered(int status, std::chrono::milliseconds wait = 5000ms) {
    const std::string line = "SIP/2.0 " + std::to_string(status) + " ";
    const auto deadline = Clock::now() + wait;
    while (received_.find(line) == std::string::npos) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) != 1) return false;
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return false;
      received_.append(buf, static_cast<size_t>(n));
    }
    return true;
  }

 private:
  int fd_;
  std::string received_;
};

std::string options(const char* callId) {
  test::Request r;
  r.method = "OPTIONS";
  r.callId = callId;
  r.vias = {"SIP/2.0/TCP 127.0.0.2:5099;branch=z9hG4bK" + std::string(callId)};
  return r.text();
}

// An INVITE head announcing `bodyBytes` of body, without the body.
std::string inviteHead(size_t bodyBytes) {
  return "INVITE sip:+14155550100@127.0.0.1 SIP/2.0\r\n"
         "Via: SIP/2.0/TCP 127.0.0.2:5099;branch=z9hG4bKbig\r\n"
         "From: <sip:a@127.0.0.2>;tag=1\r\nTo: <sip:b@127.0.0.1>\r\n"
         "Call-ID: big\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
         "Content-Type: application/sdp\r\nContent-Length: " +
         std::to_string(bodyBytes) + "\r\n\r\n";
}

class SipExhaustionTest : public ::testing::Test {
 protected:
  // 127.0.0.2 and 127.0.0.3 are trusted; 127.0.0.1 is nothing to the gateway.
  SipExhaustionTest() : world_("10.0.0.5", 5070, "127.0.0.2/31") {
    holder_.publish(std::make_shared<const Directory>(world_.directory));
  }
  void start(TcpOptions tcp) {
    ServerOptions o;
    o.listenPort = 0;
    o.workers = 1;
    o.tcp = tcp;
    server_ = std::make_unique<Server>(world_.routes, holder_, o);
    ASSERT_FALSE(server_->start());
  }
  uint64_t refused(const char* reason) { return server_->stats().tcpRefused[reason]; }
  bool waitFor(const std::function<bool()>& f) {
    const auto deadline = Clock::now() + 5s;
    while (!f()) {
      if (Clock::now() > deadline) return false;
      std::this_thread::sleep_for(5ms);
    }
    return true;
  }

  test::World world_;
  DirectoryHolder holder_;
  std::unique_ptr<Server> server_;
};

TEST_F(SipExhaustionTest, SourceThatCanNeverBeAllowedIsClosedAtAccept) {
  start({});
  Client stranger("127.0.0.1", server_->port());
  EXPECT_TRUE(stranger.closed(2000ms)) << "an untrusted source kept an idle connection";
  EXPECT_EQ(refused("acl"), 1u);
  Client trusted("127.0.0.2", server_->port());
  trusted.send(options("t1"));
  EXPECT_TRUE(trusted.answered(200));
}

TEST_F(SipExhaustionTest, DrippedMessageIsClosedAtTheMessageTimeout) {
  TcpOptions tcp;
  tcp.messageTimeout = 300ms;
  start(tcp);
  Client dripper("127.0.0.2", server_->port());
  const std::string head = inviteHead(100);
  bool closed = false;
  for (size_t i = 0; i < head.size() && !closed; ++i) {
    dripper.send(head.substr(i, 1));
    closed = dripper.closed(50ms);  // a byte every 50 ms: far inside the idle timeout
  }
  EXPECT_TRUE(closed || dripper.closed(2000ms));
  // Counted once the worker has finished closing it, which the peer may see first.
  EXPECT_TRUE(waitFor([this] { return refused("messageTimeout") == 1; }));
}

TEST_F(SipExhaustionTest, ReceiveBuffersStayWithinTheirBudget) {
  TcpOptions tcp;
  tcp.bufferBudgetBytes = 96 * 1024;
  start(tcp);
  // Each holds a head announcing 60 KB and 50 KB of that body: a 64 KiB+ buffer each.
  std::vector<std::unique_ptr<Client>> hogs;
  for (int i = 0; i < 4; ++i) {
    hogs.push_back(std::make_unique<Client>("127.0.0.2", server_->port()));
    hogs.back()->send(inviteHead(60'000) + std::string(50'000, 'v'));
  }
  ASSERT_TRUE(waitFor([this] { return refused("bufferBudget") >= 2; }));
  EXPECT_LE(server_->stats().tcpBufferBytes, 96u * 1024 + 2 * 128 * 1024);
  // An ordinary message still fits.
  Client other("127.0.0.3", server_->port());
  other.send(options("o1"));
  EXPECT_TRUE(other.answered(200));
}

TEST_F(SipExhaustionTest, OneAddressCannotTakeEveryConnection) {
  TcpOptions tcp;
  tcp.maxInboundConnections = 4;
  tcp.maxInboundPerSource = 2;
  start(tcp);
  Client a("127.0.0.2", server_->port());
  Client b("127.0.0.2", server_->port());
  ASSERT_TRUE(waitFor([this] { return server_->stats().tcpConnections == 2; }));
  Client c("127.0.0.2", server_->port());
  EXPECT_TRUE(c.closed(2000ms));
  EXPECT_EQ(refused("sourceFull"), 1u);
  Client other("127.0.0.3", server_->port());
  other.send(options("o2"));
  EXPECT_TRUE(other.answered(200));
}

TEST_F(SipExhaustionTest, IdleConnectionHoldsNoReceiveBuffer) {
  start({});
  Client peer("127.0.0.2", server_->port());
  peer.send(options("i1"));
  ASSERT_TRUE(peer.answered(200));
  EXPECT_TRUE(waitFor([this] { return server_->stats().tcpBufferBytes == 0; }));
}

TEST_F(SipExhaustionTest, OutOfDescriptorsClosesPendingConnectionsInsteadOfLeavingThemWaiting) {
  start({});
  Client pending("127.0.0.2", 0);  // its descriptor exists before there are none left
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit low = saved;
  low.rlim_cur = std::min<rlim_t>(saved.rlim_cur, 4096);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
  std::vector<int> hog;
  for (int fd; (fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;) hog.push_back(fd);
  pending.connectTo(server_->port());  // the kernel takes it; the worker cannot
  // Past the worker's grace for a brief shortage (1 s), it is closed, not left waiting.
  const bool closed = pending.closed(4000ms);
  for (int fd : hog) ::close(fd);
  ::setrlimit(RLIMIT_NOFILE, &saved);
  EXPECT_TRUE(closed) << "the connection waits in the backlog";
  EXPECT_GE(refused("acceptErrors"), 1u);
  Client later("127.0.0.2", server_->port());  // descriptors are back: served again
  later.send(options("l1"));
  EXPECT_TRUE(later.answered(200));
}

}  // namespace
}  // namespace gw::sip
