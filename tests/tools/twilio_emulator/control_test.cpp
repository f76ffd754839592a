// The emulator's own routes: numbers by account, stats, faults, health.
#include <set>
#include <string>
#include <utility>

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

// The control listing's entry for `pn`, as {found, trunkSid or ""}.
std::pair<bool, std::string> controlEntry(EmulatorHarness& emu, const std::string& pn) {
  const auto numbers = emu.get(kControlNumbers, "", "").json();
  for (const auto& item : numbers.GetArray()) {
    if (pn == item["sid"].GetString()) {
      return {true, item["trunkSid"].IsNull() ? "" : item["trunkSid"].GetString()};
    }
  }
  return {false, ""};
}

HttpResult control(EmulatorHarness& emu, const std::string& method, const std::string& path) {
  return perform({method, emu.url(path), "", "", "", ""});
}

TEST_F(TwilioEmulatorTest, DetachTakesANumberOffItsTrunkAsTheConsoleDoes) {
  auto& emu = start();
  const std::string trunk = emu.createTrunk();
  const std::string pn = emu.numberSids().front();
  ASSERT_EQ(emu.post("/v1/Trunks/" + trunk + "/PhoneNumbers", "PhoneNumberSid=" + pn).status, 201);

  const HttpResult detached = control(emu, "POST", kControlNumbers + "/" + pn + "/detach");
  ASSERT_EQ(detached.status, 200) << detached.body;
  EXPECT_TRUE(detached.json()["trunkSid"].IsNull());
  EXPECT_EQ(controlEntry(emu, pn), std::make_pair(true, std::string()));
  EXPECT_TRUE(emu.get(numberPath(pn)).json()["trunk_sid"].IsNull());
  expectTwilioError(emu.get("/v1/Trunks/" + trunk + "/PhoneNumbers/" + pn), 404, 20404);

  EXPECT_EQ(control(emu, "POST", kControlNumbers + "/" + pn + "/detach").status, 409);
  EXPECT_EQ(
      control(emu, "POST", kControlNumbers + "/PN00000000000000000000000000000000/detach").status,
      404);
}

TEST_F(TwilioEmulatorTest, ReleasedNumberIsGoneFromAccountAndTrunk) {
  auto& emu = start();
  const std::string trunk = emu.createTrunk();
  const std::string pn = emu.numberSids().front();
  ASSERT_EQ(emu.post("/v1/Trunks/" + trunk + "/PhoneNumbers", "PhoneNumberSid=" + pn).status, 201);

  EXPECT_EQ(control(emu, "DELETE", kControlNumbers + "/" + pn).status, 204);
  expectTwilioError(emu.get(numberPath(pn)), 404, 20404);
  expectTwilioError(emu.get("/v1/Trunks/" + trunk + "/PhoneNumbers/" + pn), 404, 20404);
  EXPECT_FALSE(controlEntry(emu, pn).first);
  EXPECT_EQ(emu.get(numbersPath()).json()["incoming_phone_numbers"].Size(), 4u);
  EXPECT_EQ(control(emu, "DELETE", kControlNumbers + "/" + pn).status, 404);
}

TEST_F(TwilioEmulatorTest, MoveTakesANumberToAnotherTrunkNewOrNamed) {
  auto& emu = start();
  const std::string ours = emu.createTrunk();
  const std::string theirs = emu.createTrunk();
  const std::string pn = emu.numberSids().front();
  ASSERT_EQ(emu.post("/v1/Trunks/" + ours + "/PhoneNumbers", "PhoneNumberSid=" + pn).status, 201);

  const HttpResult named =
      control(emu, "POST", kControlNumbers + "/" + pn + "/move?trunkSid=" + theirs);
  ASSERT_EQ(named.status, 200) << named.body;
  EXPECT_EQ(std::string(named.json()["trunkSid"].GetString()), theirs);
  EXPECT_EQ(std::string(emu.get(numberPath(pn)).json()["trunk_sid"].GetString()), theirs);
  expectTwilioError(emu.get("/v1/Trunks/" + ours + "/PhoneNumbers/" + pn), 404, 20404);
  EXPECT_EQ(emu.get("/v1/Trunks/" + theirs + "/PhoneNumbers/" + pn).status, 200);
  EXPECT_EQ(control(emu, "POST", kControlNumbers + "/" + pn + "/move?trunkSid=" + theirs).status,
            409);

  const HttpResult fresh = control(emu, "POST", kControlNumbers + "/" + pn + "/move");
  ASSERT_EQ(fresh.status, 200) << fresh.body;
  const std::string created = fresh.json()["trunkSid"].GetString();
  EXPECT_NE(created, theirs);
  EXPECT_EQ(emu.get("/v1/Trunks/" + created).status, 200);
  EXPECT_EQ(
      control(emu, "POST",
              kControlNumbers + "/" + pn + "/move?trunkSid=TK00000000000000000000000000000000")
          .status,
      404);
}

TEST_F(TwilioEmulatorTest, RotatedTokenRefusesTheOldOneWithTwilioCode20003) {
  auto& emu = start();
  const std::string account = "/2010-04-01/Accounts/" + std::string(kAccountA) + ".json";
  const std::string fresh = "0123456789abcdef0123456789abcdef";
  const std::string rotate = "/emulator/accounts/" + std::string(kAccountA) + "/auth-token";
  EXPECT_EQ(control(emu, "POST", rotate + "?authToken=" + fresh).status, 204);
  expectTwilioError(emu.get(account), 401, 20003);
  EXPECT_EQ(emu.get(account, kAccountA, fresh).status, 200);
  EXPECT_EQ(emu.get("/2010-04-01/Accounts/" + std::string(kAccountB) + ".json", kAccountB, kTokenB)
                .status,
            200);

  EXPECT_EQ(control(emu, "POST", rotate).status, 400);
  EXPECT_EQ(control(emu, "POST", rotate + "?authToken=NOT-A-TOKEN").status, 400);
  EXPECT_EQ(emu.get(account, kAccountA, fresh).status, 200);
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

// A fault fails exactly the asked-for number of requests to its route, in Twilio's error
// shape, before the handler runs (the failed delete leaves the trunk), and touches no other
// route or method.
TEST_F(TwilioEmulatorTest, FailsChosenRouteTheAskedNumberOfTimes) {
  auto& emu = start();
  const std::string trunk = emu.createTrunk();
  const std::string faults = "/emulator/faults";
  const HttpResult added = perform(
      {"POST",
       emu.url(faults + "?method=DELETE&route=%2Fv1%2FTrunks%2F%7BSid%7D&status=502&times=2"), "",
       "", "", ""});
  ASSERT_EQ(added.status, 201) << added.body;
  const auto fault = added.json();
  EXPECT_STREQ(fault["method"].GetString(), "DELETE");
  EXPECT_STREQ(fault["route"].GetString(), "/v1/Trunks/{Sid}");
  EXPECT_EQ(fault["status"].GetInt(), 502);
  EXPECT_EQ(fault["code"].GetInt(), 20502);
  EXPECT_EQ(fault["remaining"].GetUint64(), 2u);

  EXPECT_EQ(emu.get("/v1/Trunks/" + trunk).status, 200);  // another method of the path
  expectTwilioError(emu.del("/v1/Trunks/" + trunk), 502, 20502);
  EXPECT_EQ(emu.get("/v1/Trunks/" + trunk).status, 200) << "a failed delete deleted the trunk";
  const auto pending = emu.get(faults, "", "").json();
  ASSERT_EQ(pending.Size(), 1u);
  EXPECT_EQ(pending[0]["remaining"].GetUint64(), 1u);
  expectTwilioError(emu.del("/v1/Trunks/" + trunk), 502, 20502);
  EXPECT_EQ(emu.get(faults, "", "").json().Size(), 0u);
  EXPECT_EQ(emu.del("/v1/Trunks/" + trunk).status, 204);

  const auto stats = emu.get("/emulator/stats", "", "").json();
  EXPECT_EQ(stats["requests"]["DELETE /v1/Trunks/{Sid}"]["502"].GetUint64(), 2u);
  EXPECT_EQ(stats["requests"]["DELETE /v1/Trunks/{Sid}"]["204"].GetUint64(), 1u);
}

TEST_F(TwilioEmulatorTest, FaultTakesChosenCodeAndMessageAndCanBeCleared) {
  auto& emu = start();
  const std::string faults = "/emulator/faults";
  const std::string trunks = "?method=POST&route=/v1/Trunks";
  ASSERT_EQ(perform({"POST", emu.url(faults + trunks + "&status=400&code=21451&message=Nope"), "",
                     "", "", ""})
                .status,
            201);
  const HttpResult failed = emu.post("/v1/Trunks", "FriendlyName=x");
  expectTwilioError(failed, 400, 21451);
  EXPECT_STREQ(failed.json()["message"].GetString(), "Nope");

  ASSERT_EQ(
      perform({"POST", emu.url(faults + trunks + "&status=503&times=5"), "", "", "", ""}).status,
      201);
  EXPECT_EQ(perform({"DELETE", emu.url(faults), "", "", "", ""}).status, 204);
  EXPECT_EQ(emu.post("/v1/Trunks", "FriendlyName=x").status, 201);
}

TEST_F(TwilioEmulatorTest, RefusesFaultForUnknownRouteOrBadStatus) {
  auto& emu = start();
  const std::string faults = "/emulator/faults";
  for (const std::string query :
       {"?method=PUT&route=/v1/Trunks&status=500", "?method=POST&route=/v1/Trunks&status=200",
        "?method=POST&route=/v1/Trunks&status=600", "?method=POST&route=/v1/Trunks",
        "?method=POST&route=/v1/Trunks&status=500&times=0",
        "?method=POST&route=/v1/Trunks&status=500&code=7"}) {
    const HttpResult r = perform({"POST", emu.url(faults + query), "", "", "", ""});
    EXPECT_EQ(r.status, 400) << query << ": " << r.body;
  }
  const HttpResult unknown = perform(
      {"POST", emu.url(faults + "?method=PUT&route=/v1/Trunks&status=500"), "", "", "", ""});
  EXPECT_NE(unknown.body.find("DELETE /v1/Trunks/{Sid}"), std::string::npos)
      << "the refusal lists the routes: " << unknown.body;
  EXPECT_EQ(emu.get(faults, "", "").json().Size(), 0u);
}

TEST_F(TwilioEmulatorTest, AnswersHealthCheck) {
  auto& emu = start();
  const HttpResult r = emu.get("/healthz", "", "");
  EXPECT_EQ(r.status, 200);
  EXPECT_STREQ(r.json()["status"].GetString(), "ok");
}

}  // namespace
}  // namespace gw::emulator::testing
