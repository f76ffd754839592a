// gw::http::serializeResponse: server-owned headers, bodyless statuses, header injection.
#include "gateway/http/response_serializer.hpp"

#include <gtest/gtest.h>

namespace gw::http {
namespace {

TEST(ResponseSerializerTest, WritesStatusHeadersAndBody) {
  Response r = Response::json(201, "{}");
  r.set("Content-Length", "999");  // replaced by the real length
  std::string out = serializeResponse(r, {.keepAlive = true, .serverName = "gw"});
  EXPECT_EQ(out.rfind("HTTP/1.1 201 Created\r\n", 0), 0u);
  EXPECT_NE(out.find("\r\nContent-Type: application/json\r\n"), std::string::npos);
  EXPECT_NE(out.find("\r\nContent-Length: 2\r\n"), std::string::npos);
  EXPECT_EQ(out.find("999"), std::string::npos);
  EXPECT_NE(out.find("\r\nServer: gw\r\n"), std::string::npos);
  EXPECT_NE(out.find("\r\nDate: "), std::string::npos);
  EXPECT_NE(out.find("\r\nConnection: keep-alive\r\n"), std::string::npos);
  EXPECT_EQ(out.substr(out.size() - 6), "\r\n\r\n{}");
}

TEST(ResponseSerializerTest, NeverWritesBodyFor204Or304) {
  for (int status : {204, 304}) {
    Response r;
    r.status = status;
    r.body = "must not appear";
    std::string out = serializeResponse(r, {.keepAlive = false});
    EXPECT_EQ(out.find("must not appear"), std::string::npos);
    EXPECT_EQ(out.find("Content-Length"), std::string::npos);
    EXPECT_NE(out.find("Connection: close\r\n\r\n"), std::string::npos);
    EXPECT_EQ(out.substr(out.size() - 4), "\r\n\r\n");
  }
}

TEST(ResponseSerializerTest, OmitsBodyButKeepsLengthForHead) {
  Response r;
  r.body = "12345";
  std::string out = serializeResponse(r, {.omitBody = true});
  EXPECT_NE(out.find("Content-Length: 5\r\n"), std::string::npos);
  EXPECT_EQ(out.substr(out.size() - 4), "\r\n\r\n");
}

TEST(ResponseSerializerTest, DropsHeadersWithLineBreaks) {
  Response r;
  r.set("X-Evil", "a\r\nSet-Cookie: x=y");
  r.set("X-Fine", "ok");
  std::string out = serializeResponse(r, {});
  EXPECT_EQ(out.find("Set-Cookie"), std::string::npos);
  EXPECT_NE(out.find("X-Fine: ok\r\n"), std::string::npos);
}

TEST(ResponseSerializerTest, FormatsImfFixdate) {
  // 1994-11-06 08:49:37 UTC, the example of RFC 9110.
  auto t = std::chrono::system_clock::from_time_t(784111777);
  EXPECT_EQ(httpDate(t), "Sun, 06 Nov 1994 08:49:37 GMT");
}

}  // namespace
}  // namespace gw::http
