#include "modules/import/import_api.hpp"

#include <rapidjson/document.h>

#include <gtest/gtest.h>

#include "modules/admin/problem.hpp"

namespace gw::import {
namespace {

std::string sidOf(int i) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "PN%032x", i);
  return buf;
}

http::Request jsonRequest(std::string body, std::string contentType = "application/json") {
  http::Request r;
  r.method = "POST";
  r.path = "/api/v1/providers/twilio/x/import-numbers";
  r.headers.push_back({"Content-Type", std::move(contentType)});
  r.body = std::move(body);
  return r;
}

// The answer the handler sends for a refused body.
http::Response refusalOf(const admin::Result<std::vector<std::string>>& r) {
  EXPECT_FALSE(r.ok());
  if (r.ok()) return http::Response::json(200, "{}");
  return admin::problemOf(r.error(), "/");
}

rapidjson::Document parse(const std::string& body) {
  rapidjson::Document d;
  d.Parse(body.c_str());
  return d;
}

TEST(ImportRequestTest, AcceptsValidSidsInOrder) {
  auto r = parseImportRequest(jsonRequest(R"({"phoneNumberSids":[")" + sidOf(2) + R"(",")" +
                                          sidOf(1) + R"(",")" + sidOf(2) + R"("]})"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (std::vector<std::string>{sidOf(2), sidOf(1), sidOf(2)}));
}

TEST(ImportRequestTest, AcceptsJsonWithCharset) {
  auto r = parseImportRequest(jsonRequest(R"({"phoneNumberSids":[")" + sidOf(1) + R"("]})",
                                          "application/json; charset=utf-8"));
  EXPECT_TRUE(r.ok());
}

TEST(ImportRequestTest, BadSidIsReportedByIndex) {
  std::string body = R"({"phoneNumberSids":[")" + sidOf(0) + R"(",")" + sidOf(1) + R"(",")" +
                     sidOf(2) + R"(","PNABCDEF", 42, ")" + "PN" + std::string(32, 'A') + R"("]})";
  auto r = parseImportRequest(jsonRequest(body));
  ASSERT_FALSE(r.ok());
  auto resp = refusalOf(r);
  EXPECT_EQ(resp.status, 400);
  auto d = parse(resp.body);
  ASSERT_TRUE(d.HasMember("errors"));
  EXPECT_TRUE(d["errors"].HasMember("phoneNumberSids[3]"));
  EXPECT_TRUE(d["errors"].HasMember("phoneNumberSids[4]"));
  EXPECT_TRUE(d["errors"].HasMember("phoneNumberSids[5]"));  // uppercase hex is refused
  EXPECT_FALSE(d["errors"].HasMember("phoneNumberSids[0]"));
}

TEST(ImportRequestTest, RefusesEmptyMissingWrongTypeAndTooMany) {
  for (std::string body : {R"({"phoneNumberSids":[]})", R"({})", R"({"phoneNumberSids":"PN"})",
                           R"({"phoneNumberSids":null})"}) {
    auto r = parseImportRequest(jsonRequest(body));
    ASSERT_FALSE(r.ok()) << body;
    auto resp = refusalOf(r);
    EXPECT_EQ(resp.status, 400) << body;
    EXPECT_TRUE(parse(resp.body)["errors"].HasMember("phoneNumberSids")) << body;
  }
  std::string many = R"({"phoneNumberSids":[)";
  for (int i = 0; i <= 10000; ++i) many += (i ? ",\"" : "\"") + sidOf(i) + "\"";
  many += "]}";
  auto r = parseImportRequest(jsonRequest(many));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(refusalOf(r).status, 400);
}

TEST(ImportRequestTest, ListsAtMostAHundredBadEntries) {
  std::string body = R"({"phoneNumberSids":[)";
  for (int i = 0; i < 500; ++i) body += i ? ",\"bad\"" : "\"bad\"";
  body += "]}";
  auto r = parseImportRequest(jsonRequest(body));
  auto d = parse(refusalOf(r).body);
  EXPECT_EQ(d["errors"].MemberCount(), 101u);
  EXPECT_TRUE(d["errors"].HasMember("phoneNumberSids"));
}

TEST(ImportRequestTest, NotJsonIs400AndWrongTypeIs415) {
  auto r = parseImportRequest(jsonRequest("{\"phoneNumberSids\": ["));
  EXPECT_EQ(refusalOf(r).status, 400);
  r = parseImportRequest(jsonRequest("[]"));
  EXPECT_EQ(refusalOf(r).status, 400);
  r = parseImportRequest(jsonRequest("{} trailing"));
  EXPECT_EQ(refusalOf(r).status, 400);
  r = parseImportRequest(jsonRequest(R"({"phoneNumberSids":[]})", "text/plain"));
  EXPECT_EQ(refusalOf(r).status, 415);
  http::Request noType = jsonRequest("{}");
  noType.headers.clear();
  r = parseImportRequest(noType);
  EXPECT_EQ(refusalOf(r).status, 415);
}

TEST(ImportResultTest, EmptyErrorsIsAnEmptyArray) {
  ImportOutcome o;
  o.successCount = 3;
  auto d = parse(importResultJson(o));
  EXPECT_EQ(d["successCount"].GetUint(), 3u);
  EXPECT_EQ(d["failedCount"].GetUint(), 0u);
  ASSERT_TRUE(d["errors"].IsArray());
  EXPECT_EQ(d["errors"].Size(), 0u);
}

TEST(ImportResultTest, ErrorsKeepOrderAndAreEscaped) {
  ImportOutcome o;
  o.successCount = 1;
  o.errors.push_back({sidOf(1), "Not found"});
  o.errors.push_back({sidOf(2), "Twilio lookup failed: 500 20500 \"quoted\"\n"});
  auto d = parse(importResultJson(o));
  ASSERT_FALSE(d.HasParseError());
  EXPECT_EQ(d["failedCount"].GetUint(), 2u);
  EXPECT_EQ(std::string(d["errors"][0]["phoneNumberSid"].GetString()), sidOf(1));
  EXPECT_EQ(std::string(d["errors"][1]["errorMessage"].GetString()),
            "Twilio lookup failed: 500 20500 \"quoted\"\n");
}

}  // namespace
}  // namespace gw::import
