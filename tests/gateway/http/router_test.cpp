// Route matching of gw::http::Router: parameters, suffixes, 404 versus 405, decoding.
#include <utility>  // before Asio's coroutine headers (Boost 1.74 + GCC 12)

#include "gateway/http/router.hpp"

#include <stdexcept>

#include <gtest/gtest.h>

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
  EXPECT_EQ(m.allow, "GET, DELETE");

  Request head = request("HEAD", "/items/special");
  Router::Match h = router.match(head);
  EXPECT_EQ(h.handler, nullptr);
  EXPECT_EQ(h.allow, "GET, DELETE");
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

}  // namespace
}  // namespace gw::http
