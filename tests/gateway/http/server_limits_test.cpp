// Limits and timeouts of gw::http::Server: every violation is answered (in request order)
// and the connection closes; an idle connection closes silently.
#include "tests/gateway/http/server_fixture.hpp"

#include <rapidjson/document.h>

namespace gw::http::test {
namespace {

namespace asio = boost::asio;

Handler echoBody() {
  return [](Request& req) -> asio::awaitable<Response> {
    Response r;
    r.body = req.body;
    co_return r;
  };
}

void expectProblem(const ClientResponse& r, int status) {
  EXPECT_EQ(r.status, status);
  EXPECT_EQ(r.header("Content-Type"), "application/problem+json");
  EXPECT_EQ(r.header("Connection"), "close");
  rapidjson::Document doc;
  doc.Parse(r.body.c_str());
  ASSERT_TRUE(doc.IsObject()) << r.body;
  EXPECT_EQ(doc["status"].GetInt(), status);
}

TEST_F(HttpServerTest, AnswersContentLengthOverLimitWith413BeforeBody) {
  router_.add("POST", "/upload", echoBody());
  startServer(ServerOptions{.maxBodyBytes = 1024});
  TestClient client = connect();
  // Only the head: the answer must not wait for a body that is never sent.
  client.send("POST /upload HTTP/1.1\r\nHost: test\r\nContent-Length: 10000000\r\n\r\n");
  auto r = client.readResponse();
  ASSERT_TRUE(r);
  expectProblem(*r, 413);
  EXPECT_TRUE(client.waitForClose());
}

TEST_F(HttpServerTest, AnswersExpectContinueOverLimitWith413WithoutContinue) {
  router_.add("POST", "/upload", echoBody());
  startServer(ServerOptions{.maxBodyBytes = 1024});
  TestClient client = connect();
  client.send(
      "POST /upload HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\n"
      "Content-Length: 4096\r\n\r\n");
  auto r = client.readResponse();
  ASSERT_TRUE(r);
  expectProblem(*r, 413);
}

TEST_F(HttpServerTest, AnswersChunkedBodyOverLimitWith413) {
  router_.add("POST", "/upload", echoBody());
  startServer(ServerOptions{.maxBodyBytes = 16});
  TestClient client = connect();
  client.send(
      "POST /upload HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"
      "10\r\n0123456789abcdef\r\n1\r\nX\r\n0\r\n\r\n");
  auto r = client.readResponse();
  ASSERT_TRUE(r);
  expectProblem(*r, 413);
  EXPECT_TRUE(client.waitForClose());
}

TEST_F(HttpServerTest, AcceptsBodyAtLimit) {
  router_.add("POST", "/upload", echoBody());
  startServer(ServerOptions{.maxBodyBytes = 16});
  TestClient client = connect();
  client.send("POST /upload HTTP/1.1\r\nHost: test\r\nContent-Length: 16\r\n\r\n0123456789abcdef");
  auto r = client.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "0123456789abcdef");
}

TEST_F(HttpServerTest, AnswersOversizedHeadersWith431) {
  router_.add("GET", "/a", text("a"));
  startServer(ServerOptions{.maxHeaderBytes = 1024});
  TestClient client = connect();
  client.send(get("/a", "X-Big: " + std::string(2000, 'x') + "\r\n"));
  auto r = client.readResponse();
  ASSERT_TRUE(r);
  expectProblem(*r, 431);
  EXPECT_TRUE(client.waitForClose());
}

TEST_F(HttpServerTest, AnswersManySmallHeadersOverLimitWith431) {
  router_.add("GET", "/a", text("a"));
  startServer(ServerOptions{.maxHeaderBytes = 1024});
  TestClient client = connect();
  std::string headers;
  for (int i = 0; i < 300; ++i) headers += "a:\r\n";  // separators count too
  client.send(get("/a", headers));
  auto r = client.readResponse();
  ASSERT_TRUE(r);
  expectProblem(*r, 431);
}

TEST_F(HttpServerTest, AnswersGarbageWith400) {
  startServer();
  TestClient client = connect();
  client.send("HELLO THERE\r\n\r\n");
  auto r = client.readResponse();
  ASSERT_TRUE(r);
  expectProblem(*r, 400);
  EXPECT_TRUE(client.waitForClose());
}

TEST_F(HttpServerTest, AnswersEarlierPipelinedRequestsBeforeTheError) {
  router_.add("GET", "/a", text("a"));
  startServer();
  TestClient client = connect();
  client.send(get("/a") + "NOT HTTP AT ALL\r\n\r\n");
  auto first = client.readResponse();
  auto second = client.readResponse();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->body, "a");
  EXPECT_EQ(first->header("Connection"), "keep-alive");
  expectProblem(*second, 400);
}

TEST_F(HttpServerTest, AnswersMalformedPercentEscapeWith400) {
  router_.add("GET", "/a/{id}", text("a"));
  startServer();
  TestClient client = connect();
  client.send(get("/a/%zz"));
  auto r = client.readResponse();
  ASSERT_TRUE(r);
  expectProblem(*r, 400);
}

TEST_F(HttpServerTest, AnswersUnsupportedExpectationWith417) {
  router_.add("POST", "/a", echoBody());
  startServer();
  TestClient client = connect();
  client.send("POST /a HTTP/1.1\r\nHost: t\r\nExpect: magic\r\nContent-Length: 1\r\n\r\nx");
  auto r = client.readResponse();
  ASSERT_TRUE(r);
  expectProblem(*r, 417);
}

TEST_F(HttpServerTest, AnswersHeaderTimeoutWith408) {
  router_.add("GET", "/a", text("a"));
  startServer(ServerOptions{.headerTimeout = std::chrono::milliseconds(200)});
  TestClient client = connect();
  client.send("GET /a HTTP/1.1\r\nHost: te");  // and nothing more
  auto r = client.readResponse();
  ASSERT_TRUE(r);
  expectProblem(*r, 408);
  EXPECT_TRUE(client.waitForClose());
}

TEST_F(HttpServerTest, HeaderTimeoutCountsFromFirstByteNotLastByte) {
  router_.add("GET", "/a", text("a"));
  startServer(ServerOptions{.headerTimeout = std::chrono::milliseconds(300)});
  TestClient client = connect();
  // Trickling bytes must not extend the deadline.
  client.send("GET /a HTTP/1.1\r\n");
  std::optional<ClientResponse> r;
  for (int i = 0; i < 500 && !r; ++i) {
    client.send("X-Trickle: y\r\n");
    r = client.readResponse(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 408);
}

TEST_F(HttpServerTest, ClosesIdleConnectionSilently) {
  router_.add("GET", "/a", text("a"));
  startServer(ServerOptions{.idleTimeout = std::chrono::milliseconds(200)});
  TestClient client = connect();
  client.send(get("/a"));
  ASSERT_TRUE(client.readResponse());
  EXPECT_TRUE(client.waitForClose());
  EXPECT_TRUE(client.unread().empty());
  EXPECT_TRUE(waitFor([this] { return server_->connectionCount() == 0; }));
}

TEST_F(HttpServerTest, ClosesNeverUsedConnectionAfterIdleTimeout) {
  startServer(ServerOptions{.idleTimeout = std::chrono::milliseconds(200)});
  TestClient client = connect();
  EXPECT_TRUE(client.waitForClose());
  EXPECT_TRUE(client.unread().empty());
}

TEST_F(HttpServerTest, StopClosesIdleConnections) {
  router_.add("GET", "/a", text("a"));
  startServer();
  TestClient client = connect();
  client.send(get("/a"));
  ASSERT_TRUE(client.readResponse());
  EXPECT_TRUE(stopServer());
  EXPECT_TRUE(client.waitForClose());
  EXPECT_EQ(server_->connectionCount(), 0u);
}

}  // namespace
}  // namespace gw::http::test
