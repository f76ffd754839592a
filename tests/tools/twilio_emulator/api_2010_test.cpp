// The 2010-04-01 API of the emulator: auth, account, incoming phone numbers and paging.
#include <regex>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "tests/tools/twilio_emulator/twilio_emulator_fixture.hpp"

namespace gw::emulator::testing {
namespace {

const std::regex kRfc2822(R"([A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000)");

TEST_F(TwilioEmulatorTest, RejectsMissingOrWrongCredentialsWithTwilio401) {
  auto& emu = start();
  const std::string path = "/2010-04-01/Accounts/" + std::string(kAccountA) + ".json";
  const std::string expected =
      R"({"code":20003,"message":"Authenticate","more_info":"https://www.twilio.com/docs/errors/20003","status":401})";

  const HttpResult missing = emu.get(path, "", "");
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(missing.body, expected);
  EXPECT_FALSE(missing.header("twilio-request-duration").empty());
  EXPECT_FALSE(missing.header("twilio-concurrent-requests").empty());

  const HttpResult wrongToken = emu.get(path, kAccountA, kTokenB);
  EXPECT_EQ(wrongToken.status, 401);
  EXPECT_EQ(wrongToken.body, expected);

  const HttpResult unknownAccount = emu.get(path, "AC99999999999999999999999999999999", kTokenA);
  EXPECT_EQ(unknownAccount.status, 401);
  EXPECT_EQ(unknownAccount.body, expected);
}

TEST_F(TwilioEmulatorTest, FetchesAccountWithoutEchoingItsToken) {
  auto& emu = start();
  const HttpResult r = emu.get("/2010-04-01/Accounts/" + std::string(kAccountA) + ".json");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body.find(kTokenA), std::string::npos);
  const auto doc = r.json();
  EXPECT_STREQ(doc["sid"].GetString(), kAccountA);
  EXPECT_STREQ(doc["owner_account_sid"].GetString(), kAccountA);
  EXPECT_STREQ(doc["status"].GetString(), "active");
  EXPECT_STREQ(doc["type"].GetString(), "Full");
  EXPECT_TRUE(doc["auth_token"].IsNull());
  EXPECT_TRUE(doc["friendly_name"].IsString());
  EXPECT_TRUE(std::regex_match(doc["date_created"].GetString(), kRfc2822));
  EXPECT_TRUE(std::regex_match(doc["date_updated"].GetString(), kRfc2822));
  EXPECT_EQ(std::string(doc["uri"].GetString()),
            "/2010-04-01/Accounts/" + std::string(kAccountA) + ".json");
  EXPECT_EQ(std::string(doc["subresource_uris"]["incoming_phone_numbers"].GetString()),
            numbersPath());
}

TEST_F(TwilioEmulatorTest, AnswersAnotherAccountsPathWith404) {
  auto& emu = start();
  expectTwilioError(emu.get("/2010-04-01/Accounts/" + std::string(kAccountB) + ".json"), 404,
                    20404);
  expectTwilioError(emu.get(numbersPath(kAccountB)), 404, 20404);
  const std::string bNumber = emu.numberSids(kAccountB).front();
  expectTwilioError(emu.get(numberPath(bNumber, kAccountB)), 404, 20404);
  // B's number asked under A's own path is simply unknown to A.
  expectTwilioError(emu.get(numberPath(bNumber)), 404, 20404);
}

TEST_F(TwilioEmulatorTest, FetchesNumberWithTwilioFields) {
  auto& emu = start();
  const std::string sid = emu.numberSids().front();
  const HttpResult r = emu.get(numberPath(sid));
  ASSERT_EQ(r.status, 200) << r.body;
  const auto doc = r.json();
  EXPECT_EQ(std::string(doc["sid"].GetString()), sid);
  EXPECT_STREQ(doc["account_sid"].GetString(), kAccountA);
  const std::string phone = doc["phone_number"].GetString();
  EXPECT_TRUE(std::regex_match(phone, std::regex(R"(\+1\d{10})"))) << phone;
  EXPECT_TRUE(doc["friendly_name"].IsString());
  EXPECT_TRUE(doc["trunk_sid"].IsNull());
  EXPECT_TRUE(doc["capabilities"]["voice"].IsBool());
  EXPECT_TRUE(doc["capabilities"]["sms"].IsBool());
  EXPECT_TRUE(doc["capabilities"]["mms"].IsBool());
  EXPECT_TRUE(doc["capabilities"]["fax"].IsBool());
  EXPECT_TRUE(doc["voice_url"].IsString());
  EXPECT_STREQ(doc["status"].GetString(), "in-use");
  EXPECT_STREQ(doc["api_version"].GetString(), "2010-04-01");
  EXPECT_STREQ(doc["origin"].GetString(), "twilio");
  EXPECT_TRUE(std::regex_match(doc["date_created"].GetString(), kRfc2822));
  EXPECT_EQ(std::string(doc["uri"].GetString()), numberPath(sid));
  for (const char* field : {"address_requirements", "emergency_status", "voice_method",
                            "voice_receive_mode", "sms_url", "status_callback"}) {
    EXPECT_TRUE(doc.HasMember(field)) << field;
  }
}

TEST_F(TwilioEmulatorTest, Reports404ForUnknownNumberInTwilioShape) {
  auto& emu = start();
  const std::string path = numberPath("PN00000000000000000000000000000000");
  const HttpResult r = emu.get(path);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(
      r.body,
      R"({"code":20404,"message":"The requested resource )" + path +
          R"( was not found","more_info":"https://www.twilio.com/docs/errors/20404","status":404})");
}

TEST_F(TwilioEmulatorTest, ListsNumbersAcrossPages) {
  Options options = defaultTestOptions();
  options.numbersPerAccount = 2500;
  auto& emu = start(options);

  std::set<std::string> seen;
  std::set<std::string> phones;
  std::string next = numbersPath() + "?PageSize=1000";
  size_t pages = 0;
  while (!next.empty()) {
    ASSERT_LT(pages, 10u) << "paging does not end";
    const HttpResult r = emu.get(next);
    ASSERT_EQ(r.status, 200) << r.body;
    const auto doc = r.json();
    EXPECT_EQ(doc["page"].GetUint64(), pages);
    EXPECT_EQ(doc["page_size"].GetUint64(), 1000u);
    EXPECT_EQ(doc["start"].GetUint64(), pages * 1000);
    const auto& items = doc["incoming_phone_numbers"].GetArray();
    EXPECT_EQ(doc["end"].GetUint64(), pages * 1000 + items.Size() - 1);
    EXPECT_EQ(std::string(doc["first_page_uri"].GetString()),
              numbersPath() + "?PageSize=1000&Page=0");
    EXPECT_EQ(doc["previous_page_uri"].IsNull(), pages == 0);
    for (const auto& item : items) {
      EXPECT_TRUE(seen.insert(item["sid"].GetString()).second) << "seen twice";
      EXPECT_TRUE(phones.insert(item["phone_number"].GetString()).second) << "duplicate phone";
    }
    next = doc["next_page_uri"].IsNull() ? "" : doc["next_page_uri"].GetString();
    if (!next.empty()) {
      EXPECT_NE(next.find("PageToken=PA"), std::string::npos) << next;
    }
    ++pages;
  }
  EXPECT_EQ(pages, 3u);
  EXPECT_EQ(seen.size(), 2500u);
  const auto all = emu.numberSids();
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()), seen);
}

TEST_F(TwilioEmulatorTest, FollowsPreviousPageUriBack) {
  Options options = defaultTestOptions();
  options.numbersPerAccount = 25;
  auto& emu = start(options);
  const auto first = emu.get(numbersPath() + "?PageSize=10").json();
  const auto second = emu.get(first["next_page_uri"].GetString()).json();
  ASSERT_TRUE(second["previous_page_uri"].IsString());
  const auto back = emu.get(second["previous_page_uri"].GetString()).json();
  ASSERT_EQ(back["incoming_phone_numbers"].Size(), 10u);
  for (rapidjson::SizeType i = 0; i < 10; ++i) {
    EXPECT_STREQ(back["incoming_phone_numbers"][i]["sid"].GetString(),
                 first["incoming_phone_numbers"][i]["sid"].GetString());
  }
  EXPECT_EQ(back["page"].GetUint64(), 0u);
}

TEST_F(TwilioEmulatorTest, RejectsPageSizeAbove1000) {
  auto& emu = start();
  expectTwilioError(emu.get(numbersPath() + "?PageSize=1001"), 400, 20007);
  expectTwilioError(emu.get(numbersPath() + "?PageSize=0"), 400, 20007);
  EXPECT_EQ(emu.get(numbersPath() + "?PageSize=1000").status, 200);
  const auto doc = emu.get(numbersPath()).json();
  EXPECT_EQ(doc["page_size"].GetUint64(), 50u);
  EXPECT_TRUE(doc["next_page_uri"].IsNull());
}

TEST_F(TwilioEmulatorTest, FiltersByPhoneNumberAndFriendlyName) {
  auto& emu = start();
  const std::string sid = emu.numberSids().front();
  const auto number = emu.get(numberPath(sid)).json();
  const std::string phone = number["phone_number"].GetString();
  const std::string encoded = "%2B" + phone.substr(1);

  const auto byPhone = emu.get(numbersPath() + "?PhoneNumber=" + encoded).json();
  ASSERT_EQ(byPhone["incoming_phone_numbers"].Size(), 1u);
  EXPECT_EQ(std::string(byPhone["incoming_phone_numbers"][0]["sid"].GetString()), sid);
  EXPECT_NE(std::string(byPhone["uri"].GetString()).find("PhoneNumber=" + encoded),
            std::string::npos);

  // '*' stands for any digit: the last digit wildcarded still finds the number.
  const auto wildcard =
      emu.get(numbersPath() + "?PhoneNumber=" + encoded.substr(0, encoded.size() - 1) + "*").json();
  EXPECT_GE(wildcard["incoming_phone_numbers"].Size(), 1u);

  const auto none = emu.get(numbersPath() + "?PhoneNumber=%2B19999999999").json();
  EXPECT_EQ(none["incoming_phone_numbers"].Size(), 0u);
  EXPECT_TRUE(none["next_page_uri"].IsNull());

  const std::string friendly = number["friendly_name"].GetString();
  std::string friendlyEncoded;
  for (char c : friendly) {
    if (c == ' ') {
      friendlyEncoded += "%20";
    } else if (c == '(' || c == ')') {
      friendlyEncoded += c == '(' ? "%28" : "%29";
    } else {
      friendlyEncoded += c;
    }
  }
  const auto byName = emu.get(numbersPath() + "?FriendlyName=" + friendlyEncoded).json();
  ASSERT_EQ(byName["incoming_phone_numbers"].Size(), 1u);
  EXPECT_EQ(std::string(byName["incoming_phone_numbers"][0]["sid"].GetString()), sid);
}

}  // namespace
}  // namespace gw::emulator::testing
