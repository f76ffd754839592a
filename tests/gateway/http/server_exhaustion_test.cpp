// Resource exhaustion of gw::http::Server: a client cannot keep an idle connection open with
// bytes between requests, one address cannot take every connection slot, and running out of
// descriptors neither spins nor leaves clients hanging in the listen backlog.
//
// Root causes covered: the idle timer counted from the last byte received, so a bare CRLF
// every few seconds (which the parser skips) kept a connection forever; connections were
// not capped, so one address could use up the process's descriptors; after EMFILE the
// pending connection stayed in the backlog and its client waited for minutes.
#include "tests/gateway/http/server_fixture.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <fcntl.h>

#include <vector>

#include <boost/asio/write.hpp>

namespace gw::http::test {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// A connection from a chosen loopback source address (127.0.0.2 is as local as 127.0.0.1).
class SourcedClient {
 public:
  SourcedClient(const tcp::endpoint& server, const char* source) : socket_(io_) {
    socket_.open(tcp::v4());
    socket_.bind(tcp::endpoint(asio::ip::make_address(source), 0));
    socket_.connect(server);
  }
  void send(std::string_view bytes) {
    boost::system::error_code ignored;
    asio::write(socket_, asio::buffer(bytes.data(), bytes.size()), ignored);
  }
  // The status of the first response, or 0 when none came within `timeout`.
  int status(std::chrono::milliseconds timeout = kWait) {
    std::string got;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (got.find("\r\n") == std::string::npos) {
      if (!readable(deadline)) return 0;
      char chunk[512];
      boost::system::error_code ec;
      const size_t n = socket_.read_some(asio::buffer(chunk), ec);
      if (ec) return 0;
      got.append(chunk, n);
    }
    return got.size() >= 12 ? std::stoi(got.substr(9, 3)) : 0;
  }
  // True when the server closes the connection within `timeout`.
  bool closed(std::chrono::milliseconds timeout = kWait) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (readable(deadline)) {
      char chunk[512];
      boost::system::error_code ec;
      socket_.read_some(asio::buffer(chunk), ec);
      if (ec) return true;
    }
    return false;
  }

 private:
  bool readable(std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd pfd{socket_.native_handle(), POLLIN, 0};
    return ::poll(&pfd, 1, static_cast<int>(left.count())) > 0;
  }

  asio::io_context io_;
  tcp::socket socket_;
};

TEST_F(HttpServerTest, LineEndsBetweenRequestsDoNotKeepAnIdleConnectionOpen) {
  router_.add("GET", "/a", text("a"));
  startServer(ServerOptions{.idleTimeout = std::chrono::milliseconds(300)});
  TestClient client = connect();
  client.send(get("/a"));
  ASSERT_TRUE(client.readResponse());
  // A bare CRLF every 100 ms: three times as often as the idle timeout.
  const auto giveUp = std::chrono::steady_clock::now() + 3s;
  bool closed = false;
  while (!closed && std::chrono::steady_clock::now() < giveUp) {
    client.send("\r\n");
    closed = client.waitForClose(100ms);
  }
  EXPECT_TRUE(closed) << "CRLFs kept an idle connection open past the idle timeout";
}

TEST_F(HttpServerTest, RefusesAnAddressAtItsCapAndStillServesAnother) {
  router_.add("GET", "/a", text("a"));
  startServer(ServerOptions{.maxConnections = 10, .maxConnectionsPerSource = 3});
  std::vector<std::unique_ptr<SourcedClient>> flood;
  for (int i = 0; i < 3; ++i) {
    flood.push_back(std::make_unique<SourcedClient>(endpoint(), "127.0.0.1"));
  }
  ASSERT_TRUE(waitFor([this] { return server_->connectionCount() == 3; }));
  SourcedClient refused(endpoint(), "127.0.0.1");
  EXPECT_TRUE(refused.closed());
  SourcedClient other(endpoint(), "127.0.0.2");
  other.send(get("/a"));
  EXPECT_EQ(other.status(), 200);
  EXPECT_EQ(server_->refusals().sourceFull, 1u);
  flood[0]->send(get("/a"));  // the admitted ones are still served
  EXPECT_EQ(flood[0]->status(), 200);
}

TEST_F(HttpServerTest, FullListenerClosesTheOldestOfTheBusiestAddressForAnother) {
  router_.add("GET", "/a", text("a"));
  startServer(ServerOptions{.maxConnections = 4});
  std::vector<std::unique_ptr<SourcedClient>> flood;
  for (int i = 0; i < 4; ++i) {
    flood.push_back(std::make_unique<SourcedClient>(endpoint(), "127.0.0.1"));
    ASSERT_TRUE(waitFor([this, i] { return server_->connectionCount() == size_t(i) + 1; }));
  }
  SourcedClient more(endpoint(), "127.0.0.1");
  EXPECT_TRUE(more.closed());  // the busiest address gets no more
  SourcedClient other(endpoint(), "127.0.0.2");
  other.send(get("/a"));
  EXPECT_EQ(other.status(), 200);
  EXPECT_TRUE(flood[0]->closed());  // its oldest made room
  EXPECT_EQ(server_->refusals().listenerFull, 1u);
  EXPECT_EQ(server_->refusals().evicted, 1u);
}

// Leaves this process no free descriptor until destroyed.
class DescriptorHog {
 public:
  DescriptorHog() {
    ::getrlimit(RLIMIT_NOFILE, &saved_);
    rlimit low = saved_;
    low.rlim_cur = std::min<rlim_t>(saved_.rlim_cur, 4096);
    ::setrlimit(RLIMIT_NOFILE, &low);
    for (;;) {
      const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (fd < 0) break;
      fds_.push_back(fd);
    }
  }
  ~DescriptorHog() {
    for (int fd : fds_) ::close(fd);
    ::setrlimit(RLIMIT_NOFILE, &saved_);
  }

 private:
  rlimit saved_{};
  std::vector<int> fds_;
};

TEST_F(HttpServerTest, OutOfDescriptorsClosesPendingConnectionsInsteadOfLeavingThemWaiting) {
  router_.add("GET", "/a", text("a"));
  startServer();
  asio::io_context io;
  tcp::socket pending(io);
  pending.open(tcp::v4());  // its descriptor is taken before there are none left
  {
    DescriptorHog hog;
    pending.connect(endpoint());  // accepted by the kernel; the server cannot take it
    pollfd pfd{pending.native_handle(), POLLIN, 0};
    // Past the server's grace for a brief shortage (1 s), it is closed.
    ASSERT_EQ(::poll(&pfd, 1, 4000), 1) << "the connection waits in the backlog";
    char c;
    boost::system::error_code ec;
    pending.read_some(asio::buffer(&c, 1), ec);
    EXPECT_TRUE(ec) << "the server should close what it cannot serve";
    EXPECT_GE(server_->refusals().acceptErrors, 1u);
  }
  // Descriptors are back: the server serves again.
  TestClient client = connect();
  client.send(get("/a"));
  auto r = client.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

}  // namespace
}  // namespace gw::http::test
