// Trunking v1 of the emulator: trunks, origination URLs, attaching and detaching numbers.
#include <string>

#include <gtest/gtest.h>

#include "tests/tools/twilio_emulator/twilio_emulator_fixture.hpp"

namespace gw::emulator::testing {
namespace {

const char kOriginationForm[] =
    "SipUrl=sip%3Agateway.example.com%3A5060&Weight=1&Priority=1&Enabled=true&FriendlyName=gw";

TEST_F(TwilioEmulatorTest, CreatesFetchesListsAndDeletesTrunk) {
  auto& emu = start();
  const HttpResult created = emu.post("/v1/Trunks", "FriendlyName=My+trunk");
  ASSERT_EQ(created.status, 201) << created.body;
  const auto trunk = created.json();
  const std::string sid = trunk["sid"].GetString();
  EXPECT_EQ(sid.substr(0, 2), "TK");
  EXPECT_EQ(sid.size(), 34u);
  EXPECT_STREQ(trunk["account_sid"].GetString(), kAccountA);
  EXPECT_STREQ(trunk["friendly_name"].GetString(), "My trunk");
  const std::string domain = trunk["domain_name"].GetString();
  EXPECT_TRUE(domain.size() > 16 && domain.substr(domain.size() - 16) == ".pstn.twilio.com")
      << domain;
  EXPECT_EQ(std::string(trunk["url"].GetString()), emu.url("/v1/Trunks/" + sid));
  EXPECT_EQ(std::string(trunk["links"]["phone_numbers"].GetString()),
            emu.url("/v1/Trunks/" + sid + "/PhoneNumbers"));
  EXPECT_TRUE(trunk["date_created"].IsString());
  EXPECT_TRUE(trunk["recording"].IsObject());

  const HttpResult fetched = emu.get("/v1/Trunks/" + sid);
  ASSERT_EQ(fetched.status, 200) << fetched.body;
  EXPECT_EQ(std::string(fetched.json()["sid"].GetString()), sid);

  const auto list = emu.get("/v1/Trunks").json();
  EXPECT_STREQ(list["meta"]["key"].GetString(), "trunks");
  EXPECT_EQ(list["meta"]["page_size"].GetUint64(), 50u);
  EXPECT_TRUE(list["meta"]["next_page_url"].IsNull());
  ASSERT_EQ(list["trunks"].Size(), 1u);
  EXPECT_EQ(std::string(list["trunks"][0]["sid"].GetString()), sid);

  const HttpResult deleted = emu.del("/v1/Trunks/" + sid);
  EXPECT_EQ(deleted.status, 204);
  EXPECT_TRUE(deleted.body.empty());
  expectTwilioError(emu.get("/v1/Trunks/" + sid), 404, 20404);
  expectTwilioError(emu.del("/v1/Trunks/" + sid), 404, 20404);
}

TEST_F(TwilioEmulatorTest, CreatesTrunkWithGivenDomainAndRejectsBadParameters) {
  auto& emu = start();
  const HttpResult ok = emu.post("/v1/Trunks", "FriendlyName=a&DomainName=acme-1.pstn.twilio.com");
  ASSERT_EQ(ok.status, 201) << ok.body;
  EXPECT_STREQ(ok.json()["domain_name"].GetString(), "acme-1.pstn.twilio.com");

  expectTwilioError(emu.post("/v1/Trunks", "DomainName=acme.example.com"), 400, 20001);
  expectTwilioError(emu.post("/v1/Trunks", "FriendlyName=" + std::string(65, 'x')), 400, 20001);
  EXPECT_EQ(emu.post("/v1/Trunks", "FriendlyName=" + std::string(64, 'x')).status, 201);
}

TEST_F(TwilioEmulatorTest, RejectsPostBodiesThatAreNotForms) {
  auto& emu = start();
  HttpRequest json{"POST",  emu.url("/v1/Trunks"),     kAccountA,
                   kTokenA, R"({"FriendlyName":"x"})", "application/json"};
  expectTwilioError(perform(json), 400, 20001);
}

TEST_F(TwilioEmulatorTest, RequiresEveryOriginationUrlParameter) {
  auto& emu = start();
  const std::string trunk = emu.createTrunk();
  const std::string path = "/v1/Trunks/" + trunk + "/OriginationUrls";
  const std::string fields[] = {"SipUrl=sip%3Agw.example.com", "Weight=1", "Priority=1",
                                "Enabled=true", "FriendlyName=gw"};
  const char* names[] = {"SipUrl", "Weight", "Priority", "Enabled", "FriendlyName"};
  for (size_t skip = 0; skip < 5; ++skip) {
    std::string form;
    for (size_t i = 0; i < 5; ++i) {
      if (i == skip) continue;
      if (!form.empty()) form += "&";
      form += fields[i];
    }
    const HttpResult r = emu.post(path, form);
    expectTwilioError(r, 400, 20001);
    EXPECT_NE(r.body.find(names[skip]), std::string::npos) << r.body;
  }
  expectTwilioError(emu.post(path,
                             "SipUrl=http%3A%2F%2Fgw&Weight=1&Priority=1&Enabled=true&"
                             "FriendlyName=gw"),
                    400, 20001);
  expectTwilioError(emu.post(path,
                             "SipUrl=sip%3Agw&Weight=0&Priority=1&Enabled=true&"
                             "FriendlyName=gw"),
                    400, 20001);

  const HttpResult created = emu.post(path, kOriginationForm);
  ASSERT_EQ(created.status, 201) << created.body;
  const auto ou = created.json();
  const std::string sid = ou["sid"].GetString();
  EXPECT_EQ(sid.substr(0, 2), "OU");
  EXPECT_STREQ(ou["sip_url"].GetString(), "sip:gateway.example.com:5060");
  EXPECT_EQ(ou["weight"].GetInt(), 1);
  EXPECT_EQ(ou["priority"].GetInt(), 1);
  EXPECT_TRUE(ou["enabled"].GetBool());
  EXPECT_STREQ(ou["friendly_name"].GetString(), "gw");
  EXPECT_EQ(std::string(ou["trunk_sid"].GetString()), trunk);
  EXPECT_STREQ(ou["account_sid"].GetString(), kAccountA);
  EXPECT_EQ(std::string(ou["url"].GetString()), emu.url(path + "/" + sid));

  const auto list = emu.get(path).json();
  EXPECT_STREQ(list["meta"]["key"].GetString(), "origination_urls");
  ASSERT_EQ(list["origination_urls"].Size(), 1u);
  EXPECT_EQ(std::string(list["origination_urls"][0]["sid"].GetString()), sid);
}

TEST_F(TwilioEmulatorTest, DeletesOriginationUrlWith204) {
  auto& emu = start();
  const std::string trunk = emu.createTrunk();
  const std::string path = "/v1/Trunks/" + trunk + "/OriginationUrls";
  const HttpResult first = emu.post(path, kOriginationForm);
  ASSERT_EQ(first.status, 201) << first.body;
  const HttpResult second = emu.post(path,
                                     "SipUrl=sip%3Agw2.example.com%3A5060&Weight=10&Priority=10&"
                                     "Enabled=true&FriendlyName=gw2");
  ASSERT_EQ(second.status, 201) << second.body;
  const std::string sid = first.json()["sid"].GetString();
  const std::string kept = second.json()["sid"].GetString();

  const HttpResult deleted = emu.del(path + "/" + sid);
  EXPECT_EQ(deleted.status, 204);
  EXPECT_TRUE(deleted.body.empty());
  expectTwilioError(emu.get(path + "/" + sid), 404, 20404);
  expectTwilioError(emu.del(path + "/" + sid), 404, 20404);
  const auto list = emu.get(path).json();
  ASSERT_EQ(list["origination_urls"].Size(), 1u);
  EXPECT_EQ(std::string(list["origination_urls"][0]["sid"].GetString()), kept);
  // Another account cannot see, so cannot delete, the URL.
  expectTwilioError(emu.del(path + "/" + kept, kAccountB, kTokenB), 404, 20404);
  EXPECT_EQ(emu.get(path + "/" + kept).status, 200);
}

TEST_F(TwilioEmulatorTest, AttachesNumberAndShowsTrunkSidInFetch) {
  auto& emu = start();
  const std::string trunk = emu.createTrunk();
  const std::string pn = emu.numberSids().front();
  const HttpResult attached =
      emu.post("/v1/Trunks/" + trunk + "/PhoneNumbers", "PhoneNumberSid=" + pn);
  ASSERT_EQ(attached.status, 201) << attached.body;
  const auto body = attached.json();
  EXPECT_EQ(std::string(body["sid"].GetString()), pn);
  EXPECT_EQ(std::string(body["trunk_sid"].GetString()), trunk);
  EXPECT_STREQ(body["account_sid"].GetString(), kAccountA);
  EXPECT_TRUE(body["phone_number"].IsString());
  EXPECT_TRUE(body["friendly_name"].IsString());
  EXPECT_EQ(std::string(body["links"]["phone_number"].GetString()), emu.url(numberPath(pn)));

  const auto number = emu.get(numberPath(pn)).json();
  EXPECT_EQ(std::string(number["trunk_sid"].GetString()), trunk);
  const HttpResult onTrunk = emu.get("/v1/Trunks/" + trunk + "/PhoneNumbers/" + pn);
  ASSERT_EQ(onTrunk.status, 200) << onTrunk.body;
  EXPECT_EQ(std::string(onTrunk.json()["trunk_sid"].GetString()), trunk);
}

TEST_F(TwilioEmulatorTest, AnswersAttachToAnotherTrunkWith409) {
  auto& emu = start();
  const std::string first = emu.createTrunk();
  const std::string second = emu.createTrunk();
  const std::string pn = emu.numberSids().front();
  ASSERT_EQ(emu.post("/v1/Trunks/" + first + "/PhoneNumbers", "PhoneNumberSid=" + pn).status, 201);
  expectTwilioError(emu.post("/v1/Trunks/" + second + "/PhoneNumbers", "PhoneNumberSid=" + pn), 409,
                    20409);
  expectTwilioError(emu.post("/v1/Trunks/" + first + "/PhoneNumbers", "PhoneNumberSid=" + pn), 409,
                    20409);
  EXPECT_EQ(std::string(emu.get(numberPath(pn)).json()["trunk_sid"].GetString()), first);
}

TEST_F(TwilioEmulatorTest, ReattachToSameTrunkCanBeConfiguredToSucceed) {
  Options options = defaultTestOptions();
  options.reattachSameTrunkOk = true;
  auto& emu = start(options);
  const std::string trunk = emu.createTrunk();
  const std::string pn = emu.numberSids().front();
  const std::string path = "/v1/Trunks/" + trunk + "/PhoneNumbers";
  EXPECT_EQ(emu.post(path, "PhoneNumberSid=" + pn).status, 201);
  EXPECT_EQ(emu.post(path, "PhoneNumberSid=" + pn).status, 201);
  expectTwilioError(
      emu.post("/v1/Trunks/" + emu.createTrunk() + "/PhoneNumbers", "PhoneNumberSid=" + pn), 409,
      20409);
}

TEST_F(TwilioEmulatorTest, AnswersAttachOfUnknownNumberWith404) {
  auto& emu = start();
  const std::string trunk = emu.createTrunk();
  const std::string path = "/v1/Trunks/" + trunk + "/PhoneNumbers";
  expectTwilioError(emu.post(path, "PhoneNumberSid=PN00000000000000000000000000000000"), 404,
                    20404);
  expectTwilioError(emu.post(path, "PhoneNumberSid=" + emu.numberSids(kAccountB).front()), 404,
                    20404);
  const HttpResult missing = emu.post(path, "");
  expectTwilioError(missing, 400, 20001);
  EXPECT_NE(missing.body.find("PhoneNumberSid"), std::string::npos);
}

TEST_F(TwilioEmulatorTest, DetachesNumberWith204) {
  auto& emu = start();
  const std::string trunk = emu.createTrunk();
  const std::string pn = emu.numberSids().front();
  ASSERT_EQ(emu.post("/v1/Trunks/" + trunk + "/PhoneNumbers", "PhoneNumberSid=" + pn).status, 201);
  const HttpResult detached = emu.del("/v1/Trunks/" + trunk + "/PhoneNumbers/" + pn);
  EXPECT_EQ(detached.status, 204);
  EXPECT_TRUE(emu.get(numberPath(pn)).json()["trunk_sid"].IsNull());
  expectTwilioError(emu.del("/v1/Trunks/" + trunk + "/PhoneNumbers/" + pn), 404, 20404);
  expectTwilioError(emu.get("/v1/Trunks/" + trunk + "/PhoneNumbers/" + pn), 404, 20404);
  // Free again: another trunk may take it.
  EXPECT_EQ(
      emu.post("/v1/Trunks/" + emu.createTrunk() + "/PhoneNumbers", "PhoneNumberSid=" + pn).status,
      201);
}

TEST_F(TwilioEmulatorTest, DeletingTrunkDetachesItsNumbers) {
  auto& emu = start();
  const std::string trunk = emu.createTrunk();
  const auto sids = emu.numberSids();
  for (size_t i = 0; i < 3; ++i) {
    ASSERT_EQ(emu.post("/v1/Trunks/" + trunk + "/PhoneNumbers", "PhoneNumberSid=" + sids[i]).status,
              201);
  }
  ASSERT_EQ(emu.del("/v1/Trunks/" + trunk).status, 204);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(emu.get(numberPath(sids[i])).json()["trunk_sid"].IsNull());
  }
}

TEST_F(TwilioEmulatorTest, HidesAnotherAccountsTrunk) {
  auto& emu = start();
  const std::string trunkOfA = emu.createTrunk();
  const std::string pnOfB = emu.numberSids(kAccountB).front();
  expectTwilioError(emu.get("/v1/Trunks/" + trunkOfA, kAccountB, kTokenB), 404, 20404);
  expectTwilioError(emu.del("/v1/Trunks/" + trunkOfA, kAccountB, kTokenB), 404, 20404);
  expectTwilioError(emu.post("/v1/Trunks/" + trunkOfA + "/PhoneNumbers", "PhoneNumberSid=" + pnOfB,
                             kAccountB, kTokenB),
                    404, 20404);
  expectTwilioError(
      emu.post("/v1/Trunks/" + trunkOfA + "/OriginationUrls", kOriginationForm, kAccountB, kTokenB),
      404, 20404);
  EXPECT_EQ(emu.get("/v1/Trunks", kAccountB, kTokenB).json()["trunks"].Size(), 0u);
  EXPECT_EQ(emu.get("/v1/Trunks/" + trunkOfA).status, 200);
}

TEST_F(TwilioEmulatorTest, PagesTrunkPhoneNumbersWithAbsoluteUrls) {
  auto& emu = start();
  const std::string trunk = emu.createTrunk();
  const auto sids = emu.numberSids();
  for (const auto& pn : sids) {
    ASSERT_EQ(emu.post("/v1/Trunks/" + trunk + "/PhoneNumbers", "PhoneNumberSid=" + pn).status,
              201);
  }
  std::string next = emu.url("/v1/Trunks/" + trunk + "/PhoneNumbers?PageSize=2");
  size_t seen = 0;
  size_t pages = 0;
  while (!next.empty()) {
    ASSERT_LT(pages, 10u);
    const HttpResult r = perform({"GET", next, kAccountA, kTokenA, "", ""});
    ASSERT_EQ(r.status, 200) << r.body;
    const auto doc = r.json();
    EXPECT_STREQ(doc["meta"]["key"].GetString(), "phone_numbers");
    EXPECT_EQ(doc["meta"]["page"].GetUint64(), pages);
    seen += doc["phone_numbers"].Size();
    next = doc["meta"]["next_page_url"].IsNull() ? "" : doc["meta"]["next_page_url"].GetString();
    ++pages;
  }
  EXPECT_EQ(seen, sids.size());
  EXPECT_EQ(pages, (sids.size() + 1) / 2);
}

}  // namespace
}  // namespace gw::emulator::testing
