// Twilio providers: creation (own trunk or an adopted one), rejected credentials, deletion
// and what it leaves in the Twilio account, available numbers, org isolation, and the
// auth token never leaving the gateway.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>
#include <map>
#include <regex>
#include <thread>

#include "harness/gateway_fixture.hpp"

namespace gw::integration {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;
using ::testing::UnorderedElementsAreArray;

class ProviderTest : public GatewayTest {};

const std::regex kUuid{"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"};
const std::regex kTrunkSid{"^TK[0-9a-f]{32}$"};

std::vector<std::string> providerIds(const std::string& listBody) {
  auto doc = parseJson(listBody);
  std::vector<std::string> ids;
  auto it = doc.FindMember("items");
  if (it == doc.MemberEnd() || !it->value.IsArray()) return {"<no items array>"};
  for (const auto& p : it->value.GetArray()) ids.push_back(stringMember(p, "id").value_or(""));
  return ids;
}

TEST_F(ProviderTest, CreatesProviderWithItsOwnTrunk) {
  auto account = randomAccount();
  EmulatorOptions eo;
  eo.accounts = {account};
  auto& emulator = startEmulator(eo);
  auto& gw = startGateway();

  auto resp = postProvider(gw, account, {{"name", "Main line"}, {"region", "ie1"}});

  ASSERT_EQ(resp.status, 201) << resp.describe();
  auto doc = parseJson(resp.body);
  std::string id = stringMember(doc, "id").value_or("");
  EXPECT_TRUE(std::regex_match(id, kUuid)) << id;
  EXPECT_EQ(resp.header("Location"), "/api/v1/providers/twilio/" + id);
  EXPECT_EQ(stringMember(doc, "providerType"), "twilio");
  EXPECT_EQ(stringMember(doc, "name"), "Main line");
  EXPECT_EQ(stringMember(doc, "region"), "ie1");
  EXPECT_EQ(stringMember(doc, "accountSid"), account.sid);
  EXPECT_EQ(intMember(doc, "phoneNumberCount"), 0);
  std::string trunk = stringMember(doc, "trunkSid").value_or("");
  EXPECT_TRUE(std::regex_match(trunk, kTrunkSid)) << trunk;
  EXPECT_EQ(emulator.trunkStatus(account, trunk), 200);

  for (const std::string path : {"/api/v1/providers/", "/api/v1/providers/twilio/"}) {
    auto got = call(gw, "GET", path + id);
    ASSERT_EQ(got.status, 200) << path << ": " << got.describe();
    auto g = parseJson(got.body);
    EXPECT_EQ(stringMember(g, "id"), id);
    EXPECT_EQ(stringMember(g, "trunkSid"), trunk);
  }
  auto list = call(gw, "GET", "/api/v1/providers");
  ASSERT_EQ(list.status, 200) << list.describe();
  EXPECT_THAT(providerIds(list.body), ElementsAre(id));
}

TEST_F(ProviderTest, RejectsCredentialsTwilioDoesNotAcceptWith422) {
  auto account = randomAccount();
  EmulatorOptions eo;
  eo.accounts = {account};
  startEmulator(eo);
  auto& gw = startGateway();
  TwilioAccount wrongToken = randomAccount();
  wrongToken.sid = account.sid;
  TwilioAccount unknownAccount = randomAccount();

  auto wrong = postProvider(gw, wrongToken);
  auto unknown = postProvider(gw, unknownAccount);

  EXPECT_EQ(wrong.status, 422) << wrong.describe();
  EXPECT_EQ(unknown.status, 422) << unknown.describe();
  EXPECT_THAT(wrong.header("Content-Type").value_or(""), StartsWith("application/problem+json"));
  EXPECT_FALSE(containsSecret(wrong.body + unknown.body)) << "a 422 body contains an auth token";
  auto list = call(gw, "GET", "/api/v1/providers");
  EXPECT_THAT(providerIds(list.body), IsEmpty());
}

TEST_F(ProviderTest, RejectsSecondProviderForSameAccountWith409) {
  auto s = startWithProvider(1);

  auto again = postProvider(*s.gateway, s.account);

  EXPECT_EQ(again.status, 409) << again.describe();
  EXPECT_THAT(providerIds(call(*s.gateway, "GET", "/api/v1/providers").body),
              ElementsAre(s.providerId));
}

TEST_F(ProviderTest, RejectsInvalidFieldsWithoutEchoingToken) {
  auto account = randomAccount();
  EmulatorOptions eo;
  eo.accounts = {account};
  startEmulator(eo);
  auto& gw = startGateway();
  TwilioAccount bad{"AC123", account.token + "00"};  // the token is one byte too long

  auto resp = postProvider(gw, bad, {{"region", "mars"}});

  EXPECT_EQ(resp.status, 400) << resp.describe();
  EXPECT_THAT(validationErrorKeys(resp.body),
              UnorderedElementsAre("accountSid", "authToken", "region"));
  EXPECT_EQ(resp.body.find(bad.token), std::string::npos) << "the 400 echoes the auth token";
  EXPECT_EQ(resp.body.find(account.token), std::string::npos) << "the 400 echoes the auth token";
}

// A provider given trunkSid adopts that trunk; deleting it detaches its numbers one by one
// and leaves the trunk, which it did not create, in place.
TEST_F(ProviderTest, AdoptsExistingTrunkAndLeavesItOnDelete) {
  auto s = startWithProvider(2);
  std::string trunk = providerTrunk(*s.gateway, s.providerId);
  GatewayOptions otherOptions;
  otherOptions.twilioUrl = s.emulator->baseUrl();
  auto& other = startGateway(otherOptions);

  auto created = postProvider(other, s.account, {{"trunkSid", trunk}});

  ASSERT_EQ(created.status, 201) << created.describe();
  auto doc = parseJson(created.body);
  std::string adopter = stringMember(doc, "id").value_or("");
  EXPECT_EQ(stringMember(doc, "trunkSid"), trunk);
  ASSERT_EQ(importNumbers(other, adopter, {s.numbers[0].sid}).successCount, 1);
  EXPECT_THAT(sidsOnTrunk(s.emulator->numbers(s.account.sid), trunk),
              ElementsAre(s.numbers[0].sid));

  auto removed = call(other, "DELETE", "/api/v1/providers/" + adopter);

  EXPECT_EQ(removed.status, 204) << removed.describe();
  EXPECT_THAT(sidsOnTrunk(s.emulator->numbers(s.account.sid), trunk), IsEmpty());
  EXPECT_EQ(s.emulator->trunkStatus(s.account, trunk), 200);
  EXPECT_EQ(listNumbers(other).totalCount, 0);
}

TEST_F(ProviderTest, RejectsTrunkSidNotInAccount) {
  auto account = randomAccount();
  EmulatorOptions eo;
  eo.accounts = {account};
  startEmulator(eo);
  auto& gw = startGateway();

  auto resp = postProvider(gw, account, {{"trunkSid", randomSid("TK")}});

  EXPECT_EQ(resp.status, 400) << resp.describe();
  EXPECT_THAT(validationErrorKeys(resp.body), ElementsAre("trunkSid"));
  EXPECT_THAT(providerIds(call(gw, "GET", "/api/v1/providers").body), IsEmpty());
}

TEST_F(ProviderTest, DeleteRemovesTrunkAndImportedNumbers) {
  auto s = startWithProvider(4);
  std::string trunk = providerTrunk(*s.gateway, s.providerId);
  auto sids = sidsOf(s.numbers);
  ASSERT_EQ(importNumbers(*s.gateway, s.providerId, {sids[0], sids[1], sids[2]}).successCount, 3);
  auto stored = allNumbers(*s.gateway);

  auto resp = call(*s.gateway, "DELETE", "/api/v1/providers/" + s.providerId);

  EXPECT_EQ(resp.status, 204) << resp.describe();
  EXPECT_THAT(resp.body, IsEmpty());
  EXPECT_EQ(s.emulator->trunkStatus(s.account, trunk), 404);
  for (const auto& n : s.emulator->numbers(s.account.sid)) {
    if (n.trunkSid) {
      EXPECT_EQ(s.emulator->trunkStatus(s.account, *n.trunkSid), 404)
          << n.sid << " is still on live trunk " << *n.trunkSid;
    }
  }
  EXPECT_EQ(listNumbers(*s.gateway).totalCount, 0);
  for (const auto& n : stored) {
    EXPECT_EQ(call(*s.gateway, "GET", "/api/v1/sip-phone-numbers/" + n.id).status, 404);
  }
  EXPECT_EQ(call(*s.gateway, "GET", "/api/v1/providers/" + s.providerId).status, 404);
  EXPECT_THAT(providerIds(call(*s.gateway, "GET", "/api/v1/providers").body), IsEmpty());

  // The numbers are free again in the account: a new provider can take them.
  std::string again = createProvider(*s.gateway, s.account);
  auto r = importNumbers(*s.gateway, again, {sids[0], sids[1], sids[2]});
  EXPECT_EQ(r.successCount, 3);
  EXPECT_THAT(r.errors, IsEmpty());
}

// Deleting a provider while an import into it waits on Twilio: whichever finishes first,
// nothing of the provider is left, locally or on a live trunk.
TEST_F(ProviderTest, DeleteDuringImportLeavesNothingBehind) {
  EmulatorOptions eo;
  eo.latencyMs = 20;
  auto s = startWithProvider(30, {}, eo);
  std::string trunk = providerTrunk(*s.gateway, s.providerId);
  HttpRequest importReq = importRequest(*s.gateway, s.providerId, sidsOf(s.numbers));
  HttpResponse importResp;
  std::thread importer([&] {
    HttpClient client;
    importResp = client.send(importReq);
  });

  auto deleted = call(*s.gateway, "DELETE", "/api/v1/providers/" + s.providerId);
  importer.join();

  EXPECT_EQ(deleted.status, 204) << deleted.describe();
  EXPECT_TRUE(importResp.status == 200 || importResp.status == 404) << importResp.describe();
  EXPECT_EQ(listNumbers(*s.gateway).totalCount, 0);
  EXPECT_EQ(call(*s.gateway, "GET", "/api/v1/providers/" + s.providerId).status, 404);
  EXPECT_EQ(s.emulator->trunkStatus(s.account, trunk), 404);
  for (const auto& n : s.emulator->numbers(s.account.sid)) {
    EXPECT_EQ(n.trunkSid, std::nullopt) << n.sid << " is still on a trunk";
  }
}

TEST_F(ProviderTest, DeleteOfUnknownProviderAnswers404) {
  auto s = startWithProvider(1);

  auto resp = call(*s.gateway, "DELETE", "/api/v1/providers/" + randomUuid());

  EXPECT_EQ(resp.status, 404) << resp.describe();
  EXPECT_THAT(providerIds(call(*s.gateway, "GET", "/api/v1/providers").body),
              ElementsAre(s.providerId));
}

// GET /api/v1/providers pages like every other list: {items, totalCount, skip, take}, in
// creation order, and a bad skip or take is a 400 naming it. It used to ignore both and
// answer every provider with no skip or take in the envelope.
TEST_F(ProviderTest, ListPagesWithSkipAndTake) {
  std::vector<TwilioAccount> accounts = {randomAccount(), randomAccount(), randomAccount()};
  EmulatorOptions eo;
  eo.accounts = accounts;
  eo.numbers = 1;
  startEmulator(eo);
  auto& gw = startGateway();
  std::vector<std::string> ids;
  for (const auto& a : accounts) ids.push_back(createProvider(gw, a));
  // Listed by creation time, then id: providers created in the same millisecond may come in
  // either order, so the pages are checked against the full list.
  auto listed = providerIds(call(gw, "GET", "/api/v1/providers").body);
  ASSERT_THAT(listed, UnorderedElementsAreArray(ids));

  auto page = call(gw, "GET", "/api/v1/providers?skip=1&take=1");
  ASSERT_EQ(page.status, 200) << page.describe();
  EXPECT_THAT(providerIds(page.body), ElementsAre(listed[1]));
  auto doc = parseJson(page.body);
  EXPECT_EQ(doc["totalCount"].GetUint64(), 3u);
  EXPECT_EQ(doc["skip"].GetUint64(), 1u);
  EXPECT_EQ(doc["take"].GetUint64(), 1u);

  auto all = parseJson(call(gw, "GET", "/api/v1/providers").body);
  EXPECT_EQ(all["skip"].GetUint64(), 0u);
  EXPECT_EQ(all["take"].GetUint64(), 20u);
  EXPECT_THAT(providerIds(call(gw, "GET", "/api/v1/providers?skip=2&take=5").body),
              ElementsAre(listed[2]));
  EXPECT_THAT(providerIds(call(gw, "GET", "/api/v1/providers?skip=3").body), IsEmpty());

  for (std::string query : {"take=0", "take=1001", "skip=-1", "take=x"}) {
    auto bad = call(gw, "GET", "/api/v1/providers?" + query);
    EXPECT_EQ(bad.status, 400) << query << ": " << bad.describe();
    EXPECT_THAT(validationErrorKeys(bad.body), Contains(query.substr(0, 4))) << query;
  }
}

// Ids are UUIDs and are accepted in any case (they are stored in lower case). An upper-case
// provider id used to answer 404.
TEST_F(ProviderTest, AcceptsIdsInAnyCase) {
  auto s = startWithProvider(2);
  std::string upper = s.providerId;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  ASSERT_NE(upper, s.providerId);

  auto got = call(*s.gateway, "GET", "/api/v1/providers/twilio/" + upper);
  ASSERT_EQ(got.status, 200) << got.describe();
  EXPECT_EQ(stringMember(parseJson(got.body), "id"), s.providerId);

  auto sids = sidsOf(s.emulator->numbers(s.account.sid));
  auto r = importNumbers(*s.gateway, upper, {sids[0]});
  EXPECT_EQ(r.successCount, 1);
  auto listed = listNumbers(*s.gateway, "providerId=" + upper);
  ASSERT_EQ(listed.totalCount, 1);
  std::string numberUpper = listed.items[0].id;
  for (char& c : numberUpper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(call(*s.gateway, "GET", "/api/v1/sip-phone-numbers/" + numberUpper).status, 200);
  auto removed = call(*s.gateway, "DELETE",
                      "/api/v1/providers/twilio/" + upper + "/phone-numbers/" + numberUpper);
  EXPECT_EQ(removed.status, 204) << removed.describe();
  EXPECT_EQ(listNumbers(*s.gateway, "providerId=" + s.providerId).totalCount, 0);
}

TEST_F(ProviderTest, AvailableNumbersMarksImportedOnes) {
  auto s = startWithProvider(4);
  std::string trunk = providerTrunk(*s.gateway, s.providerId);
  auto sids = sidsOf(s.numbers);
  ASSERT_EQ(importNumbers(*s.gateway, s.providerId, {sids[0], sids[2]}).successCount, 2);
  auto stored = allNumbers(*s.gateway);

  auto resp =
      call(*s.gateway, "GET", "/api/v1/providers/twilio/" + s.providerId + "/available-numbers");

  ASSERT_EQ(resp.status, 200) << resp.describe();
  auto doc = parseJson(resp.body);
  EXPECT_EQ(intMember(doc, "totalCount"), 4);
  ASSERT_TRUE(doc.HasMember("items") && doc["items"].IsArray()) << resp.describe();
  std::map<std::string, const rapidjson::Value*> bySid;
  for (const auto& item : doc["items"].GetArray()) {
    bySid[stringMember(item, "phoneNumberSid").value_or("")] = &item;
  }
  ASSERT_EQ(bySid.size(), 4u) << resp.describe();
  for (size_t i = 0; i < sids.size(); ++i) {
    ASSERT_TRUE(bySid.count(sids[i])) << sids[i];
    const auto& item = *bySid[sids[i]];
    bool imported = i == 0 || i == 2;
    ASSERT_TRUE(item.HasMember("imported") && item["imported"].IsBool()) << sids[i];
    EXPECT_EQ(item["imported"].GetBool(), imported) << sids[i];
    EXPECT_EQ(stringMember(item, "phoneNumber"), s.numbers[i].phoneNumber);
    if (imported) {
      auto record = std::find_if(stored.begin(), stored.end(), [&](const NumberRecord& n) {
        return n.phoneNumberSid == sids[i];
      });
      ASSERT_NE(record, stored.end());
      EXPECT_EQ(stringMember(item, "phoneNumberId"), record->id);
      EXPECT_EQ(stringMember(item, "trunkSid"), trunk);
    } else {
      EXPECT_EQ(stringMember(item, "trunkSid"), std::nullopt) << sids[i];
    }
  }
}

TEST_F(ProviderTest, HidesProvidersOfOtherOrgs) {
  std::string otherOrgToken = randomAdminToken();
  GatewayOptions go;
  go.tokensFile = writeTokensFile({{otherOrgToken, "org-b"}});
  auto s = startWithProvider(1, go);
  const std::string id = s.providerId;

  auto list = call(*s.gateway, "GET", "/api/v1/providers", std::nullopt, otherOrgToken);
  EXPECT_EQ(list.status, 200) << list.describe();
  EXPECT_THAT(providerIds(list.body), IsEmpty());
  for (const std::string& path : {"/api/v1/providers/" + id, "/api/v1/providers/twilio/" + id,
                                  "/api/v1/providers/twilio/" + id + "/available-numbers"}) {
    EXPECT_EQ(call(*s.gateway, "GET", path, std::nullopt, otherOrgToken).status, 404) << path;
  }
  EXPECT_EQ(
      call(*s.gateway, "DELETE", "/api/v1/providers/" + id, std::nullopt, otherOrgToken).status,
      404);
  EXPECT_EQ(call(*s.gateway, "GET", "/api/v1/providers/" + id).status, 200);
  EXPECT_EQ(s.emulator->trunkStatus(s.account, providerTrunk(*s.gateway, id)), 200);
}

// The Twilio auth token goes in and never comes out: not in any answer, not in the log
// (at debug level), whatever route and outcome.
TEST_F(ProviderTest, NeverExposesAuthToken) {
  GatewayOptions go;
  go.logLevel = "debug";
  auto s = startWithProvider(3, go);
  const std::string id = s.providerId;
  std::vector<HttpResponse> answers;
  answers.push_back(postProvider(*s.gateway, s.account));  // 409
  TwilioAccount wrong = randomAccount();
  wrong.sid = s.account.sid;
  answers.push_back(postProvider(*s.gateway, wrong));  // 409 or 422
  answers.push_back(call(*s.gateway, "GET", "/api/v1/providers"));
  answers.push_back(call(*s.gateway, "GET", "/api/v1/providers/" + id));
  answers.push_back(call(*s.gateway, "GET", "/api/v1/providers/twilio/" + id));
  answers.push_back(
      call(*s.gateway, "GET", "/api/v1/providers/twilio/" + id + "/available-numbers"));
  answers.push_back(postImport(*s.gateway, id, {s.numbers[0].sid, randomSid("PN")}));
  answers.push_back(call(*s.gateway, "GET", "/api/v1/sip-phone-numbers"));
  answers.push_back(call(*s.gateway, "DELETE", "/api/v1/providers/" + id));

  for (size_t i = 0; i < answers.size(); ++i) {
    const auto& a = answers[i];
    EXPECT_NE(a.status, 0) << "answer #" << i << ": " << a.describe();
    EXPECT_EQ(a.body.find(s.account.token), std::string::npos)
        << "answer #" << i << " (status " << a.status << ") contains the auth token";
    EXPECT_FALSE(containsSecret(a.body)) << "answer #" << i << " contains a secret";
    for (const auto& [name, value] : a.headers) {
      EXPECT_FALSE(containsSecret(value)) << "header " << name << " of answer #" << i;
    }
  }
  EXPECT_EQ(s.gateway->output().find(s.account.token), std::string::npos)
      << "gatewayd's log contains the auth token";
  EXPECT_EQ(s.gateway->output().find(wrong.token), std::string::npos)
      << "gatewayd's log contains a rejected auth token";
}

}  // namespace
}  // namespace gw::integration
