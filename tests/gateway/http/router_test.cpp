// Route matching of gw::http::Router: parameters, suffixes, 404 versus 405, decoding.
#include "gateway/http/router.hpp"

#include <stdexcept>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

namespace gw::http {
namespace {

Handler named(int id, std::vector<int>* calls) {
  return [id, calls](Request&) -> boost::asio::awaitable<Response> {
    calls->push_back(id);
    co_return Response{};
  };
}

Request request(std::string method, std::string target) {
  Request req;
  req.method = std::move(method);
  req.target = std::move(target);
  return req;
}

// Runs the matched handler to completion, as the server does.
Response run(const Handler& handler, Request& req) {
  boost::asio::io_context io;
  auto done = boost::asio::co_spawn(io, handler(req), boost::asio::use_future);
  io.run();
  return done.get();
}

TEST(RouterTest, MatchesLiteralAndParameterSegments) {
  Router router;
  std::vector<int> calls;
  router.add("GET", "/api/providers/{id}/numbers/{sid}", named(1, &calls));
  Request req = request("GET", "/api/providers/P1/numbers/PN2?x=1");
  Router::Match m = router.match(req);
  ASSERT_NE(m.handler, nullptr);
  EXPECT_TRUE(m.allow.empty());
  EXPECT_EQ(req.param("id"), "P1");
  EXPECT_EQ(req.param("sid"), "PN2");
  EXPECT_EQ(req.params.size(), 2u);
}

// The access log names routes by their pattern, so ids in paths never reach it.
TEST(RouterTest, FillsTheRouteTemplate) {
  Router router;
  std::vector<int> calls;
  router.add("GET", "/api/v1/providers/{id}", named(1, &calls));
  router.add("GET", "/api/v1/providers/twilio/{id}/import-numbers", named(2, &calls));
  router.add("DELETE", "/items/{id}", named(3, &calls));

  Request req = request("GET", "/api/v1/providers/6f1c0e2a");
  ASSERT_NE(router.match(req).handler, nullptr);
  EXPECT_EQ(req.route, "/api/v1/providers/{id}");
  Request put = request("PUT", "/items/7");
  auto m = router.match(put);
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_EQ(put.route, "/items/{id}");  // 405: the path is known
  Request unknown = request("GET", "/nowhere/7");
  router.match(unknown);
  EXPECT_EQ(unknown.route, "");
}

TEST(RouterTest, MatchesParameterWithLiteralSuffix) {
  Router router;
  std::vector<int> calls;
  router.add("GET", "/2010-04-01/Accounts/{account}/IncomingPhoneNumbers/{sid}.json",
             named(1, &calls));
  Request req = request("GET", "/2010-04-01/Accounts/AC1/IncomingPhoneNumbers/PN9.json");
  ASSERT_NE(router.match(req).handler, nullptr);
  EXPECT_EQ(req.param("account"), "AC1");
  EXPECT_EQ(req.param("sid"), "PN9");

  Request noSuffix = request("GET", "/2010-04-01/Accounts/AC1/IncomingPhoneNumbers/PN9");
  EXPECT_EQ(router.match(noSuffix).handler, nullptr);
  Request onlySuffix = request("GET", "/2010-04-01/Accounts/AC1/IncomingPhoneNumbers/.json");
  EXPECT_EQ(router.match(onlySuffix).handler, nullptr);
}

TEST(RouterTest, UnknownPathIsNotMatched) {
  Router router;
  std::vector<int> calls;
  router.add("GET", "/a/{id}", named(1, &calls));
  for (const char* target : {"/a", "/a/1/2", "/b/1", "/", "/a//"}) {
    Request req = request("GET", target);
    Router::Match m = router.match(req);
    EXPECT_EQ(m.handler, nullptr) << target;
    EXPECT_FALSE(m.pathMatched) << target;
    EXPECT_TRUE(m.allow.empty()) << target;
  }
}

TEST(RouterTest, KnownPathWithOtherMethodListsAllowedMethods) {
  Router router;
  std::vector<int> calls;
  router.add("GET", "/items/{id}", named(1, &calls));
  router.add("DELETE", "/items/{id}", named(2, &calls));
  router.add("GET", "/items/special", named(3, &calls));
  router.add("POST", "/items", named(4, &calls));
  Request req = request("PUT", "/items/7");
  Router::Match m = router.match(req);
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_TRUE(m.pathMatched);
  EXPECT_EQ(m.allow, "GET, HEAD, DELETE");

  Request head = request("HEAD", "/items/special");
  Router::Match h = router.match(head);
  ASSERT_NE(h.handler, nullptr);
  run(*h.handler, head);
  EXPECT_EQ(calls, std::vector<int>{3});
}

TEST(RouterTest, PrefersLiteralOverParameter) {
  Router router;
  std::vector<int> calls;
  router.add("GET", "/numbers/{sid}", named(1, &calls));
  router.add("GET", "/numbers/search", named(2, &calls));
  Request req = request("GET", "/numbers/search");
  Router::Match m = router.match(req);
  ASSERT_NE(m.handler, nullptr);
  Request other = request("GET", "/numbers/PN1");
  Router::Match o = router.match(other);
  ASSERT_NE(o.handler, nullptr);
  EXPECT_NE(o.handler, m.handler);
  EXPECT_TRUE(req.params.empty());
  EXPECT_EQ(other.param("sid"), "PN1");
}

TEST(RouterTest, DecodesEachSegmentWithoutSplittingOnEncodedSlash) {
  Router router;
  std::vector<int> calls;
  router.add("GET", "/files/{name}", named(1, &calls));
  router.add("GET", "/caf\xC3\xA9/menu", named(2, &calls));
  Request req = request("GET", "/files/a%2Fb%20c");
  ASSERT_NE(router.match(req).handler, nullptr);
  EXPECT_EQ(req.param("name"), "a/b c");

  Request literal = request("GET", "/caf%C3%A9/%6Denu");
  EXPECT_NE(router.match(literal).handler, nullptr);

  Request malformed = request("GET", "/files/%zz");
  EXPECT_EQ(router.match(malformed).handler, nullptr);
}

TEST(RouterTest, TreatsTrailingSlashAsAbsent) {
  Router router;
  std::vector<int> calls;
  router.add("GET", "/a/b", named(1, &calls));
  router.add("GET", "/", named(2, &calls));
  Request slash = request("GET", "/a/b/");
  EXPECT_NE(router.match(slash).handler, nullptr);
  Request root = request("GET", "/");
  EXPECT_NE(router.match(root).handler, nullptr);
}

TEST(RouterTest, UsesPathWhenTargetIsEmpty) {
  Router router;
  std::vector<int> calls;
  router.add("GET", "/a/{id}", named(1, &calls));
  Request req;
  req.method = "GET";
  req.path = "/a/x y";
  ASSERT_NE(router.match(req).handler, nullptr);
  EXPECT_EQ(req.param("id"), "x y");
}

TEST(RouterTest, RejectsMalformedPatterns) {
  Router router;
  std::vector<int> calls;
  EXPECT_THROW(router.add("GET", "no-slash", named(1, &calls)), std::invalid_argument);
  EXPECT_THROW(router.add("GET", "/a/{id", named(1, &calls)), std::invalid_argument);
  EXPECT_THROW(router.add("GET", "/a/{}", named(1, &calls)), std::invalid_argument);
  EXPECT_THROW(router.add("GET", "/a/{x}{y}", named(1, &calls)), std::invalid_argument);
  EXPECT_THROW(router.add("GET", "/a/pre{x}", named(1, &calls)), std::invalid_argument);
}

// HEAD used to be 405 where GET exists (RFC 9110 requires it wherever GET is).
TEST(RouterTest, AnswersHeadWithTheGetHandler) {
  Router router;
  std::vector<int> calls;
  router.add("GET", "/a/{id}", named(1, &calls));
  router.add("DELETE", "/a/{id}", named(2, &calls));
  Request head = request("HEAD", "/a/7");
  Router::Match m = router.match(head);
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(head.param("id"), "7");
  run(*m.handler, head);
  EXPECT_EQ(calls, std::vector<int>{1});

  Request post = request("POST", "/a/7");
  m = router.match(post);
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_EQ(m.allow, "GET, HEAD, DELETE");
  Router postOnly;
  postOnly.add("POST", "/b", named(3, &calls));
  Request headB = request("HEAD", "/b");
  m = postOnly.match(headB);
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_EQ(m.allow, "POST");
}

TEST(RouterTest, RefusesParametersThatAreNotUtf8) {
  Router router;
  std::vector<int> calls;
  router.add("GET", "/a/{id}", named(1, &calls));
  for (const char* target : {"/a/x%FF", "/a/1?name=%C0%AF", "/a/1?n%ED%A0%80=1"}) {
    Request req = request("GET", target);
    req.query = std::string(target).find('?') == std::string::npos
                    ? ""
                    : std::string(target).substr(std::string(target).find('?') + 1);
    Router::Match m = router.match(req);
    ASSERT_NE(m.handler, nullptr) << target;
    Response r = run(*m.handler, req);
    EXPECT_EQ(r.status, 400) << target;
    EXPECT_NE(r.body.find("not valid UTF-8"), std::string::npos) << r.body;
  }
  EXPECT_TRUE(calls.empty());
  Request ok = request("GET", "/a/caf%C3%A9?name=%C3%BC");
  ok.query = "name=%C3%BC";
  EXPECT_EQ(run(*router.match(ok).handler, ok).status, 200);
}

TEST(RouterTest, ErrorMapperAnswersForExceptionsItKnows) {
  Router router;
  router.add("GET", "/full", [](Request&) -> boost::asio::awaitable<Response> {
    throw std::length_error("full");
    co_return Response{};
  });
  router.add("GET", "/other", [](Request&) -> boost::asio::awaitable<Response> {
    throw std::runtime_error("other");
    co_return Response{};
  });
  router.setErrorMapper([](const std::exception& e, const Request& req) -> std::optional<Response> {
    if (dynamic_cast<const std::length_error*>(&e)) return Response::problem(507, "full", req.path);
    return std::nullopt;
  });
  Request full = request("GET", "/full");
  EXPECT_EQ(run(*router.match(full).handler, full).status, 507);
  Request other = request("GET", "/other");
  EXPECT_THROW(run(*router.match(other).handler, other), std::runtime_error);
}

TEST(RouterTest, DecoratorSeesEveryHandlersResponseButNotMappedErrors) {
  Router router;
  router.add("GET", "/a", [](Request&) -> boost::asio::awaitable<Response> {
    co_return Response::json(200, "{}");
  });
  router.setDecorator([](const Request& req, Response& r) { r.set("Seen", req.method); });
  router.add("GET", "/b", [](Request&) -> boost::asio::awaitable<Response> {
    throw std::length_error("full");
    co_return Response{};
  });
  router.setErrorMapper([](const std::exception&, const Request& req) -> std::optional<Response> {
    return Response::problem(507, "full", req.path);
  });
  Request a = request("GET", "/a");
  Response ra = run(*router.match(a).handler, a);
  // Added before the decorator was set, decorated all the same.
  ASSERT_EQ(ra.headers.size(), 2u);  // Content-Type, Seen
  EXPECT_EQ(ra.headers[1].name, "Seen");
  EXPECT_EQ(ra.headers[1].value, "GET");
  Request b = request("GET", "/b");
  Response rb = run(*router.match(b).handler, b);
  EXPECT_EQ(rb.status, 507);
  for (const auto& h : rb.headers) EXPECT_NE(h.name, "Seen");
}

}  // namespace
}  // namespace gw::http
