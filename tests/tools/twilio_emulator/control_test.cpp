// The emulator's own routes: numbers by account, stats, health.
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "tests/tools/twilio_emulator/twilio_emulator_fixture.hpp"

namespace gw::emulator::testing {
namespace {

const std::string kControlNumbers = "/emulator/accounts/" + std::string(kAccountA) + "/numbers";

TEST_F(TwilioEmulatorTest, ControlRoutesListAndCreateNumbers) {
  auto& emu = start();
  const auto initial = emu.get(kControlNumbers, "", "").json();
  ASSERT_TRUE(initial.IsArray());
  EXPECT_EQ(initial.Size(), 5u);
  for (const auto& item : initial.GetArray()) {
    EXPECT_EQ(std::string(item["sid"].GetString()).substr(0, 2), "PN");
    EXPECT_EQ(item["phoneNumber"].GetString()[0], '+');
    EXPECT_TRUE(item["trunkSid"].IsNull());
  }

  const HttpResult created =
      perform({"POST", emu.url(kControlNumbers + "?count=7"), "", "", "", ""});
  ASSERT_EQ(created.status, 201) << created.body;
  const auto fresh = created.json();
  ASSERT_EQ(fresh.Size(), 7u);
  std::set<std::string> phones;
  for (const auto& item : initial.GetArray()) phones.insert(item["phoneNumber"].GetString());
  for (const auto& item : fresh.GetArray()) {
    EXPECT_TRUE(phones.insert(item["phoneNumber"].GetString()).second) << "duplicate number";
    // New numbers are real Twilio resources at once.
    EXPECT_EQ(emu.get(numberPath(item["sid"].GetString())).status, 200);
  }
  EXPECT_EQ(emu.get(kControlNumbers, "", "").json().Size(), 12u);

  const auto bNumbers =
      emu.get("/emulator/accounts/" + std::string(kAccountB) + "/numbers", "", "").json();
  for (const auto& item : bNumbers.GetArray()) {
    EXPECT_EQ(phones.count(item["phoneNumber"].GetString()), 0u) << "shared across accounts";
  }

  EXPECT_EQ(perform({"POST", emu.url(kControlNumbers + "?count=0"), "", "", "", ""}).status, 400);
  EXPECT_EQ(emu.get("/emulator/accounts/AC99999999999999999999999999999999/numbers", "", "").status,
            404);
}

TEST_F(TwilioEmulatorTest, ControlRouteShowsTrunkOfAttachedNumber) {
  auto& emu = start();
  const std::string trunk = emu.createTrunk();
  const std::string pn = emu.numberSids().front();
  ASSERT_EQ(emu.post("/v1/Trunks/" + trunk + "/PhoneNumbers", "PhoneNumberSid=" + pn).status, 201);
  bool found = false;
  const auto numbers = emu.get(kControlNumbers, "", "").json();
  for (const auto& item : numbers.GetArray()) {
    if (pn == item["sid"].GetString()) {
      found = true;
      EXPECT_EQ(std::string(item["trunkSid"].GetString()), trunk);
    }
  }
  EXPECT_TRUE(found);
}

TEST_F(TwilioEmulatorTest, CountsRequestsByRouteAndStatus) {
  auto& emu = start();
  const std::string account = "/2010-04-01/Accounts/" + std::string(kAccountA) + ".json";
  emu.get(account);
  emu.get(account);
  emu.get(account, "", "");
  emu.get(numberPath("PN00000000000000000000000000000000"));
  emu.get("/healthz", "", "");  // control routes are not counted

  const auto stats = emu.get("/emulator/stats", "", "").json();
  const auto& requests = stats["requests"];
  const auto& fetchAccount = requests["GET /2010-04-01/Accounts/{Sid}.json"];
  EXPECT_EQ(fetchAccount["200"].GetUint64(), 2u);
  EXPECT_EQ(fetchAccount["401"].GetUint64(), 1u);
  EXPECT_EQ(requests["GET /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json"]["404"]
                .GetUint64(),
            1u);
  EXPECT_EQ(stats["total"].GetUint64(), 4u);
  EXPECT_EQ(stats["inFlightMax"].GetUint64(), 1u);

  const HttpResult reset = perform({"POST", emu.url("/emulator/stats/reset"), "", "", "", ""});
  EXPECT_EQ(reset.status, 204);
  const auto after = emu.get("/emulator/stats", "", "").json();
  EXPECT_EQ(after["total"].GetUint64(), 0u);
  EXPECT_EQ(after["requests"].MemberCount(), 0u);
}

TEST_F(TwilioEmulatorTest, AnswersHealthCheck) {
  auto& emu = start();
  const HttpResult r = emu.get("/healthz", "", "");
  EXPECT_EQ(r.status, 200);
  EXPECT_STREQ(r.json()["status"].GetString(), "ok");
}

}  // namespace
}  // namespace gw::emulator::testing
