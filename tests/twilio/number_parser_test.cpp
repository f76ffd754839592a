#include "twilio/number_parser.hpp"

#include <cstdio>
#include <string>

#include <gtest/gtest.h>

namespace gw::twilio {
namespace {

// A record shaped like Twilio's, with the nested fields the parser must skip.
std::string record(const std::string& sid, const std::string& phone, const std::string& trunk) {
  return R"({"account_sid":"AC00000000000000000000000000000001","address_requirements":"none",)"
         R"("api_version":"2010-04-01","beta":false,)"
         R"("capabilities":{"fax":false,"mms":true,"sms":true,"voice":true},)"
         R"("date_created":"Thu, 30 Jul 2015 23:19:04 +0000","emergency_status":"Active",)"
         R"("friendly_name":"(415) 555-0100","identity_sid":null,"origin":"origin",)"
         R"("phone_number":")" +
         phone + R"(","sid":")" + sid +
         R"(",)"
         R"("subresource_uris":{"assigned_add_ons":"/2010-04-01/Accounts/AC1/x.json"},)"
         R"("trunk_sid":)" +
         trunk +
         R"(,"voice_url":"https://example.com","status":"in-use",)"
         R"("weights":[1,2.5,[3,{"deep":[]}]]})";
}

std::string page(const std::string& items, const std::string& next) {
  return R"({"end":1,"first_page_uri":"/first","incoming_phone_numbers":[)" + items +
         R"(],"next_page_uri":)" + next +
         R"(,"page":0,"page_size":2,"previous_page_uri":null,)"
         R"("start":0,"uri":"/uri"})";
}

const std::string kPn1 = "PN" + std::string(32, '1');
const std::string kPn2 = "PN" + std::string(32, '2');
const std::string kTk = "TK" + std::string(32, 'a');

TEST(NumberParserTest, ReadsTheFieldsOfOneRecord) {
  auto n = NumberParser::parseNumber(record(kPn1, "+14155550100", "\"" + kTk + "\""));
  ASSERT_TRUE(n.ok()) << n.error();
  EXPECT_EQ(n->sid, kPn1);
  EXPECT_EQ(n->phoneNumber, "+14155550100");
  EXPECT_EQ(n->friendlyName, "(415) 555-0100");
  EXPECT_EQ(n->trunkSid, kTk);
}

TEST(NumberParserTest, NullTrunkSidMeansNoTrunk) {
  auto n = NumberParser::parseNumber(record(kPn1, "+14155550100", "null"));
  ASSERT_TRUE(n.ok()) << n.error();
  EXPECT_TRUE(n->trunkSid.empty());
}

TEST(NumberParserTest, ReadsAPageAndItsNextPageUri) {
  auto p = NumberParser::parsePage(page(
      record(kPn1, "+14155550100", "null") + "," + record(kPn2, "+14155550101", "\"" + kTk + "\""),
      "\"/2010-04-01/next?PageToken=PA1\""));
  ASSERT_TRUE(p.ok()) << p.error();
  ASSERT_EQ(p->numbers.size(), 2u);
  EXPECT_EQ(p->numbers[0].sid, kPn1);
  EXPECT_EQ(p->numbers[1].trunkSid, kTk);
  EXPECT_EQ(p->nextPageUri, "/2010-04-01/next?PageToken=PA1");
}

TEST(NumberParserTest, LastPageHasNoNextPageUri) {
  auto p = NumberParser::parsePage(page("", "null"));
  ASSERT_TRUE(p.ok()) << p.error();
  EXPECT_TRUE(p->numbers.empty());
  EXPECT_TRUE(p->nextPageUri.empty());
}

TEST(NumberParserTest, ReadsAThousandNumbers) {
  std::string items;
  for (int i = 0; i < 1000; ++i) {
    if (i) items += ',';
    char sid[35];
    std::snprintf(sid, sizeof sid, "PN%032d", i);
    items += record(sid, "+1415555" + std::to_string(1000 + i), "null");
  }
  auto p = NumberParser::parsePage(page(items, "null"));
  ASSERT_TRUE(p.ok()) << p.error();
  ASSERT_EQ(p->numbers.size(), 1000u);
  EXPECT_EQ(p->numbers[999].phoneNumber, "+14155551999");
}

TEST(NumberParserTest, RejectsUnexpectedPageShapes) {
  const std::string good = record(kPn1, "+14155550100", "null");
  const std::pair<std::string, std::string> cases[] = {
      {"[]", "the page is not an object"},
      {"42", "the page is not an object"},
      {R"({"next_page_uri":null})", "no incoming_phone_numbers array"},
      {R"({"incoming_phone_numbers":{}})", "incoming_phone_numbers is not an array"},
      {R"({"incoming_phone_numbers":"x"})", "incoming_phone_numbers is not an array"},
      {R"({"incoming_phone_numbers":[1]})", "is not an object"},
      {R"({"incoming_phone_numbers":[[]]})", "is not an object"},
      {R"({"incoming_phone_numbers":[{"phone_number":"+1"}]})", "has no sid"},
      {R"({"incoming_phone_numbers":[{"sid":"PN1"}]})", "has no phone_number"},
      {R"({"incoming_phone_numbers":[{"sid":5,"phone_number":"+1"}]})", "sid is not a string"},
      {R"({"incoming_phone_numbers":[{"sid":"PN1","phone_number":"+1","trunk_sid":{}}]})",
       "trunk_sid is an object"},
      {R"({"incoming_phone_numbers":[],"next_page_uri":7})", "next_page_uri is neither"},
      {R"({"incoming_phone_numbers":[],"next_page_uri":["/x"]})", "next_page_uri is an array"},
      {R"({"incoming_phone_numbers":[],"incoming_phone_numbers":[]})", "twice"},
      {R"({"incoming_phone_numbers":[)" + good, "invalid JSON"},
      {page(good, "null") + " {}", "invalid JSON"},
      {std::string("{\"incoming_phone_numbers\":[]}\0{", 31), "NUL"},
      {"", "invalid JSON"},
  };
  for (const auto& [input, expected] : cases) {
    auto p = NumberParser::parsePage(input);
    ASSERT_FALSE(p.ok()) << input;
    EXPECT_NE(p.error().find(expected), std::string::npos) << input << " -> " << p.error();
  }
}

TEST(NumberParserTest, RejectsARecordThatIsNotANumber) {
  EXPECT_FALSE(NumberParser::parseNumber("[]").ok());
  EXPECT_FALSE(NumberParser::parseNumber("null").ok());
  EXPECT_FALSE(NumberParser::parseNumber(R"({"sid":"PN1"})").ok());
  EXPECT_FALSE(NumberParser::parseNumber(R"({"sid":null,"phone_number":"+1"})").ok());
  EXPECT_TRUE(
      NumberParser::parseNumber(R"({"sid":"PN1","phone_number":"+1","friendly_name":null})").ok());
}

TEST(NumberParserTest, DeepNestingInSkippedFieldsIsHarmless) {
  std::string deep(100000, '[');
  deep += std::string(100000, ']');
  auto p = NumberParser::parsePage(R"({"junk":)" + deep + R"(,"incoming_phone_numbers":[]})");
  EXPECT_TRUE(p.ok()) << p.error();
}

}  // namespace
}  // namespace gw::twilio
