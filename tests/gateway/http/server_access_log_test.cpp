// X-Request-Id and the access log of gw::http::Server: every response carries a request id
// (the client's when sane), and with ServerOptions::accessLog one line per answered
// request, parse errors included, names it with the route template.
#include "tests/gateway/http/server_fixture.hpp"

#include <cstdio>
#include <regex>
#include <string>

#include "common/log.hpp"

namespace gw::http::test {
namespace {

const std::regex kUuid{"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"};

// Captures the log lines written while it lives.
class LogCapture {
 public:
  LogCapture() : file_(std::tmpfile()) { gw::log::setOutput(file_); }
  ~LogCapture() {
    gw::log::setOutput(nullptr);
    std::fclose(file_);
  }
  std::string text() const {
    std::fflush(file_);
    std::rewind(file_);
    std::string out;
    char buf[4096];
    while (size_t n = std::fread(buf, 1, sizeof buf, file_)) out.append(buf, n);
    return out;
  }

 private:
  std::FILE* file_;
};

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST_F(HttpServerTest, EchoesASaneRequestIdAndMakesOneOtherwise) {
  router_.add("GET", "/hello", text("hi"));
  startServer();
  TestClient client = connect();
  client.send(get("/hello", "X-Request-Id: abc-123.x_y:z\r\n"));
  auto echoed = client.readResponse();
  client.send(get("/hello", "X-Request-Id: has space\r\n"));
  auto replaced = client.readResponse();
  client.send(get("/hello"));
  auto generated = client.readResponse();
  ASSERT_TRUE(echoed && replaced && generated);
  EXPECT_EQ(echoed->header("X-Request-Id"), "abc-123.x_y:z");
  EXPECT_TRUE(std::regex_match(replaced->header("X-Request-Id").value_or(""), kUuid));
  EXPECT_TRUE(std::regex_match(generated->header("X-Request-Id").value_or(""), kUuid));
  EXPECT_NE(replaced->header("X-Request-Id"), generated->header("X-Request-Id"));
}

TEST_F(HttpServerTest, LogsOneAccessLineForEachAnsweredRequest) {
  LogCapture log;
  router_.add("GET", "/items/{id}", text("item"));
  ServerOptions options;
  options.accessLog = true;
  options.callerField = "org";
  startServer(options);
  TestClient client = connect();
  client.send(get("/items/secret-looking-id-77", "X-Request-Id: r1\r\n"));
  ASSERT_TRUE(client.readResponse());
  client.send(get("/missing", "X-Request-Id: r2\r\n"));
  ASSERT_TRUE(client.readResponse());
  client.send("GARBAGE / HTTP/1.1\r\n\r\n");
  auto bad = client.readResponse();
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  ASSERT_TRUE(bad->header("X-Request-Id"));

  std::string logged;
  ASSERT_TRUE(waitFor([&] {
    logged = log.text();
    return count(logged, " access: ") == 3;
  })) << logged;
  EXPECT_NE(logged.find("access: GET /items/{id} 200 request_id=r1 org=\"\" method=GET "
                        "route=/items/{id} status=200 duration_ms="),
            std::string::npos)
      << logged;
  EXPECT_NE(logged.find(" bytes=4 remote=127.0.0.1:"), std::string::npos) << logged;
  EXPECT_EQ(logged.find("secret-looking-id-77"), std::string::npos) << logged;
  EXPECT_NE(logged.find("access: GET - 404 request_id=r2 "), std::string::npos) << logged;
  EXPECT_NE(logged.find("access: - - 400 request_id=" + *bad->header("X-Request-Id")),
            std::string::npos)
      << logged;
}

// What a filter attaches reaches the handler, and the access log names the caller through
// the owner's callerOf: the HTTP layer knows neither what was attached nor what it means.
TEST_F(HttpServerTest, HandlersAndTheAccessLogSeeWhatTheFilterAttached) {
  struct Caller {
    std::string name;
  };
  static const Caller kAcme{"acme"};
  LogCapture log;
  router_.add("GET", "/whoami", [](Request& req) -> boost::asio::awaitable<Response> {
    const Caller* caller = req.attachment.get<Caller>();
    Response r;
    r.body = caller ? caller->name : "nobody";
    co_return r;
  });
  ServerOptions options;
  options.accessLog = true;
  options.callerField = "tenant";
  options.callerOf = [](const Request& req) -> std::string_view {
    const Caller* caller = req.attachment.get<Caller>();
    return caller ? std::string_view(caller->name) : std::string_view();
  };
  startServer(options);
  runOnIo([this] {
    server_->setFilter([](Request& req) -> std::optional<Response> {
      if (req.header("Authorization") == "acme") req.attachment.set(kAcme);
      return std::nullopt;
    });
  });
  TestClient client = connect();
  client.send(get("/whoami", "Authorization: acme\r\nX-Request-Id: known\r\n"));
  auto known = client.readResponse();
  client.send(get("/whoami", "X-Request-Id: anon\r\n"));
  auto anonymous = client.readResponse();
  ASSERT_TRUE(known && anonymous);
  EXPECT_EQ(known->body, "acme");
  EXPECT_EQ(anonymous->body, "nobody");

  std::string logged;
  ASSERT_TRUE(waitFor([&] {
    logged = log.text();
    return count(logged, " access: ") == 2;
  })) << logged;
  EXPECT_NE(logged.find("request_id=known tenant=acme method=GET"), std::string::npos) << logged;
  EXPECT_NE(logged.find("request_id=anon tenant=\"\" method=GET"), std::string::npos) << logged;
}

TEST_F(HttpServerTest, WritesNoAccessLineUnlessAsked) {
  LogCapture log;
  router_.add("GET", "/hello", text("hi"));
  startServer();
  TestClient client = connect();
  client.send(get("/hello"));
  ASSERT_TRUE(client.readResponse());
  EXPECT_TRUE(stopServer());
  EXPECT_EQ(log.text().find(" access: "), std::string::npos);
}

}  // namespace
}  // namespace gw::http::test
