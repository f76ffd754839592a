// Response helpers, request accessors and the percent/form codecs of gw::http.
#include "gateway/http/message.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

namespace gw::http {
namespace {

rapidjson::Document parseJson(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.c_str());
  return doc;
}

TEST(MessageTest, ProblemHasRfc9457Shape) {
  Response r = Response::problem(404, "No such number.", "/api/numbers/PN1");
  EXPECT_EQ(r.status, 404);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].name, "Content-Type");
  EXPECT_EQ(r.headers[0].value, "application/problem+json");
  auto doc = parseJson(r.body);
  ASSERT_TRUE(doc.IsObject()) << r.body;
  EXPECT_STREQ(doc["type"].GetString(), "about:blank");
  EXPECT_STREQ(doc["title"].GetString(), "Not Found");
  EXPECT_EQ(doc["status"].GetInt(), 404);
  EXPECT_STREQ(doc["detail"].GetString(), "No such number.");
  EXPECT_STREQ(doc["instance"].GetString(), "/api/numbers/PN1");
}

TEST(MessageTest, ProblemOmitsEmptyInstance) {
  auto doc = parseJson(Response::problem(500, "Failed.").body);
  ASSERT_TRUE(doc.IsObject());
  EXPECT_FALSE(doc.HasMember("instance"));
  EXPECT_STREQ(doc["title"].GetString(), "Internal Server Error");
}

TEST(MessageTest, ProblemEscapesDetail) {
  const std::string detail = "quote \" backslash \\ newline \n control \x01 end";
  Response r = Response::problem(400, detail);
  auto doc = parseJson(r.body);
  ASSERT_TRUE(doc.IsObject()) << r.body;
  EXPECT_EQ(std::string(doc["detail"].GetString()), detail);
}

TEST(MessageTest, ValidationProblemGroupsMessagesByField) {
  Response r = Response::validationProblem({{"phoneNumber", "is required"},
                                            {"sid", "must start with PN"},
                                            {"phoneNumber", "must be E.164"}},
                                           "/api/numbers");
  EXPECT_EQ(r.status, 400);
  auto doc = parseJson(r.body);
  ASSERT_TRUE(doc.IsObject()) << r.body;
  EXPECT_STREQ(doc["title"].GetString(), "One or more validation errors occurred.");
  EXPECT_EQ(doc["status"].GetInt(), 400);
  EXPECT_TRUE(doc["detail"].IsString());
  EXPECT_STREQ(doc["instance"].GetString(), "/api/numbers");
  const auto& errors = doc["errors"];
  ASSERT_TRUE(errors.IsObject());
  EXPECT_EQ(errors.MemberCount(), 2u);
  EXPECT_STREQ(errors.MemberBegin()->name.GetString(), "phoneNumber");
  const auto& phone = errors["phoneNumber"];
  ASSERT_EQ(phone.Size(), 2u);
  EXPECT_STREQ(phone[0].GetString(), "is required");
  EXPECT_STREQ(phone[1].GetString(), "must be E.164");
  ASSERT_EQ(errors["sid"].Size(), 1u);
  EXPECT_EQ(r.headers[0].value, "application/problem+json");
}

// RFC 9457 4.2.1: "about:blank" means no semantics beyond the status code, with the
// status's phrase as title. A validation problem has its own title and the `errors`
// member, so it names its own type: the one ASP.NET's ValidationProblemDetails uses, as the
// platform API this one is compatible with does.
TEST(MessageTest, ValidationProblemHasItsOwnType) {
  auto doc = parseJson(Response::validationProblem({{"name", "is required"}}, "/api/x").body);
  ASSERT_TRUE(doc.IsObject());
  EXPECT_STREQ(doc["type"].GetString(), "https://tools.ietf.org/html/rfc9110#section-15.5.1");
  EXPECT_STREQ(Response::problem(400, "Bad body.").body.c_str(),
               R"({"type":"about:blank","title":"Bad Request","status":400,"detail":"Bad body."})");
}

TEST(MessageTest, JsonSetsContentType) {
  Response r = Response::json(201, R"({"a":1})");
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, R"({"a":1})");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].value, "application/json");
}

TEST(MessageTest, NoContentIs204WithoutBody) {
  Response r = Response::noContent();
  EXPECT_EQ(r.status, 204);
  EXPECT_TRUE(r.body.empty());
}

TEST(MessageTest, SetReplacesHeaderCaseInsensitively) {
  Response r;
  r.set("Content-Type", "text/plain").set("X-A", "1");
  r.set("content-type", "application/json");
  ASSERT_EQ(r.headers.size(), 2u);
  EXPECT_EQ(r.headers[0].value, "application/json");
}

TEST(MessageTest, ReasonPhraseKnowsCommonCodes) {
  EXPECT_EQ(reasonPhrase(200), "OK");
  EXPECT_EQ(reasonPhrase(405), "Method Not Allowed");
  EXPECT_EQ(reasonPhrase(431), "Request Header Fields Too Large");
  EXPECT_EQ(reasonPhrase(599), "Unknown");
}

TEST(MessageTest, HeaderLookupIsCaseInsensitive) {
  Request req;
  req.headers = {{"Content-Type", "a"}, {"X-Dup", "first"}, {"x-dup", "second"}};
  EXPECT_EQ(req.header("content-type"), "a");
  EXPECT_EQ(req.header("X-DUP"), "first");
  EXPECT_FALSE(req.header("Missing"));
}

TEST(MessageTest, QueryParamIsDecoded) {
  Request req;
  req.query = "PhoneNumber=%2B15551234567&Friendly+Name=a+b%20c&flag&empty=";
  EXPECT_EQ(req.queryParam("PhoneNumber"), "+15551234567");
  EXPECT_EQ(req.queryParam("Friendly Name"), "a b c");
  EXPECT_EQ(req.queryParam("flag"), "");
  EXPECT_EQ(req.queryParam("empty"), "");
  EXPECT_FALSE(req.queryParam("missing"));
}

TEST(MessageTest, ParamReturnsEmptyForMissing) {
  Request req;
  req.params["sid"] = "PN1";
  EXPECT_EQ(req.param("sid"), "PN1");
  EXPECT_EQ(req.param("other"), "");
}

TEST(MessageTest, PercentEncodeEscapesAllButUnreserved) {
  EXPECT_EQ(percentEncode("+15551234567"), "%2B15551234567");
  EXPECT_EQ(percentEncode("a b/c?d=e&f"), "a%20b%2Fc%3Fd%3De%26f");
  EXPECT_EQ(percentEncode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(percentEncode("\xC3\xA9"), "%C3%A9");
}

TEST(MessageTest, PercentDecodeHandlesPlusOnlyInForms) {
  EXPECT_EQ(percentDecode("a+b%20c", true), "a b c");
  EXPECT_EQ(percentDecode("a+b%20c", false), "a+b c");
  EXPECT_EQ(percentDecode("%2b%2B", false), "++");
}

TEST(MessageTest, PercentDecodeRejectsMalformedEscape) {
  EXPECT_FALSE(percentDecode("%", false));
  EXPECT_FALSE(percentDecode("abc%2", false));
  EXPECT_FALSE(percentDecode("%zz", false));
  EXPECT_FALSE(percentDecode("%g1", true));
}

TEST(MessageTest, PercentCodecRoundTrips) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  EXPECT_EQ(percentDecode(percentEncode(all), true), all);
}

TEST(MessageTest, ParseFormDecodesPairsInOrder) {
  auto form = parseForm("To=%2B15551234567&Body=hello+world&To=second&flag&&x=");
  ASSERT_TRUE(form);
  using P = std::pair<std::string, std::string>;
  const std::vector<P> expected = {P{"To", "+15551234567"}, P{"Body", "hello world"},
                                   P{"To", "second"}, P{"flag", ""}, P{"x", ""}};
  EXPECT_EQ(*form, expected);
  EXPECT_TRUE(parseForm("")->empty());
}

TEST(MessageTest, ParseFormRejectsMalformedEscape) {
  EXPECT_FALSE(parseForm("a=%G0"));
  EXPECT_FALSE(parseForm("a%=1"));
}

TEST(MessageTest, TargetPathStripsQueryAndAuthority) {
  EXPECT_EQ(targetPath("/a/b?c=d#e"), "/a/b");
  EXPECT_EQ(targetPath("http://host:8080/a?x"), "/a");
  EXPECT_EQ(targetPath("http://host"), "/");
  EXPECT_EQ(targetPath("*"), "*");
}

}  // namespace
}  // namespace gw::http
