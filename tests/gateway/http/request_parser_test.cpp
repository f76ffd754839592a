// gw::http::RequestParser without sockets: whole, byte-split and pipelined input, limits.
#include "gateway/http/request_parser.hpp"

#include <gtest/gtest.h>

namespace gw::http {
namespace {

struct Outcome {
  std::vector<ParsedRequest> requests;
  ParseError error = ParseError::kNone;
  bool finished = false;
};

// Feeds `input` in pieces of `chunk` bytes the way a connection does: bytes left over after
// a complete request are fed again before the next piece.
Outcome parse(std::string_view input, size_t chunk = SIZE_MAX, RequestParser::Limits limits = {}) {
  RequestParser parser(limits);
  Outcome out;
  std::string pending;
  while (!input.empty() || !pending.empty()) {
    size_t n = std::min(chunk, input.size());
    pending.append(input.substr(0, n));
    input.remove_prefix(n);
    while (!pending.empty()) {
      auto r = parser.feed(pending);
      pending.erase(0, r.consumed);
      if (r.status == RequestParser::Status::kRequest) {
        out.requests.push_back(parser.takeRequest());
      } else if (r.status == RequestParser::Status::kError) {
        out.error = parser.error();
        return out;
      } else if (r.status == RequestParser::Status::kFinished) {
        out.finished = true;
        return out;
      } else {
        break;
      }
    }
    if (input.empty() && !pending.empty()) break;
  }
  return out;
}

const std::string kPost =
    "POST /api/numbers/PN%201?PageSize=20&x=%2B1 HTTP/1.1\r\n"
    "Host: example.test\r\n"
    "Content-Type: application/json\r\n"
    "X-Padded:   value with spaces   \r\n"
    "X-Empty:\r\n"
    "Content-Length: 11\r\n"
    "\r\n"
    "{\"a\":\"b c\"}";

void expectPost(const ParsedRequest& p) {
  const Request& r = p.request;
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/api/numbers/PN%201?PageSize=20&x=%2B1");
  EXPECT_EQ(r.path, "/api/numbers/PN 1");
  EXPECT_EQ(r.query, "PageSize=20&x=%2B1");
  EXPECT_EQ(r.queryParam("x"), "+1");
  ASSERT_EQ(r.headers.size(), 5u);
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(r.header("X-Padded"), "value with spaces");
  EXPECT_EQ(r.header("X-Empty"), "");
  EXPECT_EQ(r.body, "{\"a\":\"b c\"}");
  EXPECT_TRUE(p.keepAlive);
}

TEST(RequestParserTest, ParsesWholeRequest) {
  Outcome out = parse(kPost);
  EXPECT_EQ(out.error, ParseError::kNone);
  ASSERT_EQ(out.requests.size(), 1u);
  expectPost(out.requests[0]);
}

TEST(RequestParserTest, ParsesRequestDeliveredOneByteAtATime) {
  Outcome out = parse(kPost, 1);
  EXPECT_EQ(out.error, ParseError::kNone);
  ASSERT_EQ(out.requests.size(), 1u);
  expectPost(out.requests[0]);
}

TEST(RequestParserTest, ParsesRequestSplitAtEveryPosition) {
  for (size_t chunk = 2; chunk < kPost.size(); ++chunk) {
    Outcome out = parse(kPost, chunk);
    ASSERT_EQ(out.requests.size(), 1u) << "chunk " << chunk;
    expectPost(out.requests[0]);
  }
}

TEST(RequestParserTest, StopsAfterEachPipelinedRequest) {
  const std::string two = kPost + "GET /second HTTP/1.1\r\nHost: x\r\n\r\n";
  RequestParser parser({});
  auto first = parser.feed(two);
  EXPECT_EQ(first.status, RequestParser::Status::kRequest);
  EXPECT_EQ(first.consumed, kPost.size());
  EXPECT_EQ(parser.feed(std::string_view(two).substr(first.consumed)).consumed, 0u)
      << "nothing more until the request is taken";
  expectPost(parser.takeRequest());
  auto second = parser.feed(std::string_view(two).substr(first.consumed));
  EXPECT_EQ(second.status, RequestParser::Status::kRequest);
  EXPECT_EQ(first.consumed + second.consumed, two.size());
  EXPECT_EQ(parser.takeRequest().request.path, "/second");

  Outcome bytewise = parse(two + two, 1);
  EXPECT_EQ(bytewise.requests.size(), 4u);
}

TEST(RequestParserTest, DecodesChunkedBody) {
  const std::string chunked =
      "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
      "4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\nTrailer: dropped\r\n\r\n";
  for (size_t chunk : {SIZE_MAX, size_t{1}, size_t{3}}) {
    Outcome out = parse(chunked, chunk);
    ASSERT_EQ(out.requests.size(), 1u);
    EXPECT_EQ(out.requests[0].request.body, "Wikipedia");
    EXPECT_FALSE(out.requests[0].request.header("Trailer"));
  }
}

TEST(RequestParserTest, KeepAliveFollowsVersionAndConnectionHeader) {
  EXPECT_FALSE(parse("GET / HTTP/1.0\r\n\r\n").requests.at(0).keepAlive);
  EXPECT_TRUE(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").requests.at(0).keepAlive);
  EXPECT_FALSE(parse("GET / HTTP/1.1\r\nConnection: close\r\n\r\n").requests.at(0).keepAlive);
  EXPECT_FALSE(parse("GET / HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
                   .requests.at(0)
                   .keepAlive);
}

TEST(RequestParserTest, AcceptsNothingAfterLastRequest) {
  Outcome out = parse("GET /a HTTP/1.1\r\nConnection: close\r\n\r\nGET /b HTTP/1.1\r\n\r\n");
  EXPECT_EQ(out.requests.size(), 1u);
  EXPECT_TRUE(out.finished);
}

TEST(RequestParserTest, RejectsGarbage) {
  EXPECT_EQ(parse("HELLO THERE\r\n\r\n").error, ParseError::kMalformed);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nBad Header\r\n\r\n").error, ParseError::kMalformed);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n").error,
            ParseError::kMalformed);
  EXPECT_EQ(
      parse("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n").error,
      ParseError::kMalformed);
  RequestParser parser({});
  parser.feed("\x16\x03\x01 garbage");
  EXPECT_EQ(parser.error(), ParseError::kMalformed);
  EXPECT_FALSE(parser.errorReason().empty());
}

TEST(RequestParserTest, RejectsMalformedPercentEscapeInPath) {
  EXPECT_EQ(parse("GET /a%zz HTTP/1.1\r\n\r\n").error, ParseError::kMalformed);
}

TEST(RequestParserTest, RejectsOtherHttpVersions) {
  EXPECT_EQ(parse("GET / HTTP/2.0\r\n\r\n").error, ParseError::kVersionNotSupported);
}

TEST(RequestParserTest, RejectsHeadersOverLimitEvenBytewise) {
  RequestParser::Limits limits{.maxHeaderBytes = 256, .maxBodyBytes = 1024};
  const std::string big = "GET / HTTP/1.1\r\nX: " + std::string(300, 'v') + "\r\n\r\n";
  EXPECT_EQ(parse(big, SIZE_MAX, limits).error, ParseError::kHeadersTooLarge);
  EXPECT_EQ(parse(big, 1, limits).error, ParseError::kHeadersTooLarge);
  std::string many = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 100; ++i) many += "a:\r\n";
  EXPECT_EQ(parse(many + "\r\n", 7, limits).error, ParseError::kHeadersTooLarge);
  const std::string justFits = "GET / HTTP/1.1\r\nX: " + std::string(200, 'v') + "\r\n\r\n";
  EXPECT_EQ(parse(justFits, 1, limits).error, ParseError::kNone);
}

TEST(RequestParserTest, RejectsContentLengthOverLimitBeforeBody) {
  RequestParser parser({.maxHeaderBytes = 1024, .maxBodyBytes = 10});
  auto r = parser.feed("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n");
  EXPECT_EQ(r.status, RequestParser::Status::kError);
  EXPECT_EQ(parser.error(), ParseError::kBodyTooLarge);
}

// The requests the largeBody predicate names get largeBodyBytes; every other keeps the limit,
// on the same keep-alive connection too.
TEST(RequestParserTest, AllowsTheLargerBodyOnlyToTheRequestsNamed) {
  RequestParser::Limits limits{.maxHeaderBytes = 1024, .maxBodyBytes = 4};
  limits.largeBody = [](std::string_view method, std::string_view path) {
    return method == "POST" && path == "/big";
  };
  limits.largeBodyBytes = 16;
  RequestParser parser(limits);
  auto r = parser.feed("POST /big HTTP/1.1\r\nContent-Length: 12\r\n\r\nabcdefghijkl");
  ASSERT_EQ(r.status, RequestParser::Status::kRequest);
  EXPECT_EQ(parser.takeRequest().request.body, "abcdefghijkl");
  EXPECT_EQ(parser.bodyLimit(), 16u);
  r = parser.feed("POST /small HTTP/1.1\r\nContent-Length: 5\r\n\r\nabcde");
  EXPECT_EQ(r.status, RequestParser::Status::kError);
  EXPECT_EQ(parser.error(), ParseError::kBodyTooLarge);
  EXPECT_EQ(parser.bodyLimit(), 4u);

  RequestParser get(limits);
  EXPECT_EQ(get.feed("GET /big HTTP/1.1\r\nContent-Length: 5\r\n\r\nabcde").status,
            RequestParser::Status::kError);
  RequestParser over(limits);
  EXPECT_EQ(over.feed("POST /big HTTP/1.1\r\nContent-Length: 17\r\n\r\n").status,
            RequestParser::Status::kError);
}

TEST(RequestParserTest, RejectsChunkedBodyOverLimit) {
  RequestParser::Limits limits{.maxHeaderBytes = 1024, .maxBodyBytes = 8};
  const std::string req =
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n5\r\nfghij\r\n0\r\n\r\n";
  EXPECT_EQ(parse(req, SIZE_MAX, limits).error, ParseError::kBodyTooLarge);
  EXPECT_EQ(parse(req, 1, limits).error, ParseError::kBodyTooLarge);
}

TEST(RequestParserTest, ReportsExpectContinueUntilBodyStarts) {
  RequestParser parser({});
  auto r = parser.feed("POST / HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 2\r\n\r\n");
  EXPECT_EQ(r.status, RequestParser::Status::kNeedMore);
  EXPECT_TRUE(parser.headersComplete());
  EXPECT_TRUE(parser.expectsContinue());
  parser.markContinueSent();
  EXPECT_FALSE(parser.expectsContinue());
  EXPECT_EQ(parser.feed("ok").status, RequestParser::Status::kRequest);

  RequestParser eager({});
  eager.feed("POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\no");
  EXPECT_FALSE(eager.expectsContinue()) << "the body already started";
}

TEST(RequestParserTest, RejectsUnsupportedExpectation) {
  EXPECT_EQ(parse("POST / HTTP/1.1\r\nExpect: magic\r\nContent-Length: 1\r\n\r\nx").error,
            ParseError::kExpectationFailed);
}

TEST(RequestParserTest, TracksRequestInProgress) {
  RequestParser parser({});
  EXPECT_FALSE(parser.inRequest());
  parser.feed("GET / HT");
  EXPECT_TRUE(parser.inRequest());
  EXPECT_FALSE(parser.headersComplete());
  EXPECT_EQ(parser.feed("TP/1.1\r\n\r\n").status, RequestParser::Status::kRequest);
  EXPECT_FALSE(parser.inRequest());
}

TEST(RequestParserTest, SplitsAbsoluteFormTarget) {
  Outcome out = parse("GET http://example.test/a/b?c=1 HTTP/1.1\r\n\r\n");
  ASSERT_EQ(out.requests.size(), 1u);
  EXPECT_EQ(out.requests[0].request.path, "/a/b");
  EXPECT_EQ(out.requests[0].request.query, "c=1");
}

}  // namespace
}  // namespace gw::http
