// One address holding 22,000 connections (11,000 each to SIP TCP and the admin API, idle or
// half-sent; more than gatewayd's 20,000 descriptors) must not stop another address from
// being served within 2 s, and gatewayd's RSS stays under 300 MB: the real gatewayd on
// loopback, 127.0.0.1 as the flooder (not trusted for SIP), 127.0.0.2 as the trusted SIP
// peer and admin client.
//
// Root causes covered: no connection cap below the descriptor limit (accept failed with
// EMFILE and /healthz, SIP and Twilio calls with it); SIP TCP applied its ACL only to whole
// messages, so untrusted peers could pin a 64 KiB buffer per connection; the admin idle
// timer was reset by bytes between requests.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <csignal>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "harness/gateway_fixture.hpp"

namespace gw::integration {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr int kFloodPerListener = 11'000;
constexpr auto kAnswerWithin = 2000ms;

sockaddr_in loopback(const char* address, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  ::inet_pton(AF_INET, address, &a.sin_addr);
  return a;
}

// Opens `count` connections from 127.0.0.1 to `port`, non-blocking, in batches that the
// listen backlog can take, and sends `payload` on every `every`-th (what fits without
// waiting). Returns how many connected. Runs in a forked child: system calls only, into
// memory allocated before the fork (`batch`, kBatch entries).
constexpr int kBatch = 256;
int floodLoop(uint16_t port, int count, const std::string& payload, int every, pollfd* batch) {
  const sockaddr_in to = loopback("127.0.0.1", port);
  int connected = 0;
  for (int start = 0; start < count; start += kBatch) {
    int n = 0;
    for (int i = start; i < std::min(count, start + kBatch); ++i) {
      const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      if (fd < 0) return connected;
      if (::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) == 0 ||
          errno == EINPROGRESS) {
        batch[n++] = {fd, POLLOUT, 0};
      }
    }
    // Bounded: a listener that stopped accepting leaves these pending, not the test hanging.
    const auto deadline = Clock::now() + 1s;
    int done = 0;
    while (done < n && Clock::now() < deadline) {
      if (::poll(batch, static_cast<nfds_t>(n), 100) <= 0) continue;
      for (int i = 0; i < n; ++i) {
        pollfd& p = batch[i];
        if (p.fd < 0 || p.revents == 0) continue;
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(p.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err == 0 && ++connected % every == 0) {
          ::send(p.fd, payload.data(), payload.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        }
        p.fd = -p.fd - 1;  // done with it (poll skips negative descriptors)
        ++done;
      }
    }
  }
  return connected;
}

// A child process holding a flood of connections until stopped: the test process itself
// cannot raise its descriptor limit above the machine's 20,000, so each listener's flood
// lives in a child of its own.
class Flood {
 public:
  Flood(uint16_t port, int count, std::string payload, int every)
      : payload_(std::move(payload)), batch_(kBatch) {
    int result[2];
    int hold[2];
    if (::pipe2(result, O_CLOEXEC) != 0 || ::pipe2(hold, O_CLOEXEC) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      ::close(result[0]);
      ::close(hold[1]);
      const int connected = floodLoop(port, count, payload_, every, batch_.data());
      (void)!::write(result[1], &connected, sizeof connected);
      char c;
      (void)!::read(hold[0], &c, 1);  // until the parent closes its end
      ::_exit(0);
    }
    ::close(result[1]);
    ::close(hold[0]);
    holdFd_ = hold[1];
    pollfd p{result[0], POLLIN, 0};
    if (pid_ > 0 && ::poll(&p, 1, 120'000) == 1) {
      (void)!::read(result[0], &connected_, sizeof connected_);
    }
    ::close(result[0]);
  }
  ~Flood() {
    if (holdFd_ >= 0) ::close(holdFd_);
    if (pid_ > 0) ::waitpid(pid_, nullptr, 0);
  }
  Flood(const Flood&) = delete;
  Flood& operator=(const Flood&) = delete;

  int connected() const { return connected_; }

 private:
  std::string payload_;
  std::vector<pollfd> batch_;
  pid_t pid_ = -1;
  int holdFd_ = -1;
  int connected_ = 0;
};

// Reads from `fd` until `needle` arrives, the peer closes, or the deadline passes.
std::string readUntil(int fd, const std::string& needle, Clock::time_point deadline) {
  std::string got;
  while (got.find(needle) == std::string::npos) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) != 1) break;
    char buf[4096];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

// One request from 127.0.0.2 over a new TCP connection; the answer read within the deadline.
std::string exchangeFromOther(uint16_t port, const std::string& request, const std::string& until,
                              Clock::time_point deadline) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const sockaddr_in from = loopback("127.0.0.2", 0);
  const sockaddr_in to = loopback("127.0.0.1", port);
  std::string got;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&from), sizeof from) == 0 &&
      ::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) == 0 &&
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(request.size())) {
    got = readUntil(fd, until, deadline);
  }
  ::close(fd);
  return got;
}

std::string sipOptions(const char* transport, uint16_t localPort) {
  return std::string("OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/") + transport +
         " 127.0.0.2:" + std::to_string(localPort) +
         ";branch=z9hG4bKflood\r\nMax-Forwards: 70\r\nFrom: <sip:probe@127.0.0.2>;tag=1\r\n"
         "To: <sip:127.0.0.1>\r\nCall-ID: flood-probe\r\nCSeq: 1 OPTIONS\r\n"
         "Content-Length: 0\r\n\r\n";
}

std::string optionsOverUdpFromOther(uint16_t port, Clock::time_point deadline) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in from = loopback("127.0.0.2", 0);
  ::bind(fd, reinterpret_cast<const sockaddr*>(&from), sizeof from);
  socklen_t len = sizeof from;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&from), &len);
  const std::string request = sipOptions("UDP", ntohs(from.sin_port));
  const sockaddr_in to = loopback("127.0.0.1", port);
  ::sendto(fd, request.data(), request.size(), 0, reinterpret_cast<const sockaddr*>(&to),
           sizeof to);
  std::string got;
  pollfd p{fd, POLLIN, 0};
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (left.count() > 0 && ::poll(&p, 1, static_cast<int>(left.count())) == 1) {
    char buf[4096];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) got.assign(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return got;
}

// VmRSS of `pid` in KiB, 0 when unreadable.
uint64_t rssKiB(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6));
  }
  return 0;
}

class ExhaustionTest : public GatewayTest {};

TEST_F(ExhaustionTest, OneAddressHolding22000ConnectionsDoesNotStopAnother) {
  GatewayOptions o;
  o.twilioUrl = "http://127.0.0.1:9";  // never called here
  o.extraArgs = {"--sip-trusted-cidr", "127.0.0.2/32", "--sip-workers", "2"};
  GatewayProcess& gw = startGateway(o);
  const uint16_t adminPort =
      static_cast<uint16_t>(std::stoi(gw.baseUrl().substr(gw.baseUrl().rfind(':') + 1)));
  const uint16_t sipPort = gw.sipAddress().port;

  // A third of the SIP flood holds an INVITE head announcing 64 KiB and all but one byte.
  const std::string halfInvite =
      "INVITE sip:+14155550100@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5099;"
      "branch=z9hG4bKhold\r\nMax-Forwards: 70\r\nFrom: <sip:a@127.0.0.1>;tag=1\r\n"
      "To: <sip:b@127.0.0.1>\r\nCall-ID: hold\r\nCSeq: 1 INVITE\r\n"
      "Content-Length: 65536\r\n\r\n" +
      std::string(65535, 'v');
  Flood sip(sipPort, kFloodPerListener, halfInvite, 3);
  const std::string halfRequest = "GET /healthz HTTP/1.1\r\nHost: flood\r\n";  // never ends
  Flood admin(adminPort, kFloodPerListener, halfRequest, 2);
  std::cout << "flood: " << admin.connected() << " admin and " << sip.connected()
            << " SIP TCP connections from 127.0.0.1" << std::endl;
  EXPECT_GT(admin.connected() + sip.connected(), kFloodPerListener);

  // Another address is served at once, every way it can ask.
  auto deadline = Clock::now() + kAnswerWithin;
  const std::string health = exchangeFromOther(
      adminPort, "GET /healthz HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n", "\r\n\r\n",
      deadline);
  EXPECT_EQ(health.rfind("HTTP/1.1 200", 0), 0u) << "/healthz from 127.0.0.2: '" << health << "'";
  deadline = Clock::now() + kAnswerWithin;
  const std::string udp = optionsOverUdpFromOther(sipPort, deadline);
  EXPECT_EQ(udp.rfind("SIP/2.0 200", 0), 0u) << "OPTIONS over UDP: '" << udp << "'";
  deadline = Clock::now() + kAnswerWithin;
  const std::string tcp = exchangeFromOther(sipPort, sipOptions("TCP", 5099), "\r\n\r\n", deadline);
  EXPECT_EQ(tcp.rfind("SIP/2.0 200", 0), 0u) << "OPTIONS over TCP: '" << tcp << "'";

  // The flood is refused, counted and holds no memory worth the name.
  const std::string statsRequest =
      "GET /api/v1/sip/stats HTTP/1.1\r\nHost: probe\r\n"
      "Authorization: Bearer " +
      adminToken() + "\r\nConnection: close\r\n\r\n";
  // tcpRefused.acl; connections that completed after the flood's own deadline count too.
  auto aclRefusals = [](const std::string& stats) -> uint64_t {
    const size_t at = stats.find("\"acl\":");
    return at == std::string::npos ? 0 : std::stoull(stats.substr(at + 6));
  };
  std::string stats;
  const auto settle = Clock::now() + 30s;
  do {
    stats = exchangeFromOther(adminPort, statsRequest, "}}", Clock::now() + kAnswerWithin);
  } while (aclRefusals(stats) < static_cast<uint64_t>(sip.connected()) && Clock::now() < settle);
  EXPECT_GE(aclRefusals(stats), static_cast<uint64_t>(sip.connected()))
      << "every SIP connection from the untrusted address refused at accept: " << stats;
  const uint64_t rss = rssKiB(gw.pid());
  std::cout << "gatewayd VmRSS: " << rss / 1024 << " MiB" << std::endl;
  EXPECT_GT(rss, 0u);
  EXPECT_LT(rss, 300u * 1024) << "gatewayd's RSS with the flood held";
  EXPECT_TRUE(gw.running());
}

}  // namespace
}  // namespace gw::integration
