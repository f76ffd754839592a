// Idempotency-Key on the import and provider-create POSTs, against the real gatewayd and
// emulator: a retry with the same key and body gets the first answer without a Twilio
// request, another body gets 422 and changes nothing, and answers outlive a restart.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/gateway_fixture.hpp"
#include "harness/json_util.hpp"

namespace gw::integration {
namespace {

class IdempotencyTest : public GatewayTest {
 protected:
  HttpResponse importWithKey(GatewayProcess& gw, const std::string& providerId,
                             const std::vector<std::string>& sids, const std::string& key) {
    return callWithHeaders(gw, "POST", "/api/v1/providers/twilio/" + providerId + "/import-numbers",
                           sidsBody(sids), {"Idempotency-Key: " + key});
  }
};

TEST_F(IdempotencyTest, ARetriedImportGetsTheFirstAnswerWithoutTouchingTwilio) {
  auto s = startWithProvider(3);
  const std::vector<std::string> sids = {s.numbers[0].sid, s.numbers[1].sid};
  auto first = importWithKey(*s.gateway, s.providerId, sids, "import-1");
  ASSERT_EQ(first.status, 200) << first.describe();
  EXPECT_FALSE(first.header("Idempotent-Replayed"));
  const auto twilioAfterFirst = s.emulator->stats().twilioRequests();

  auto again = importWithKey(*s.gateway, s.providerId, sids, "import-1");

  ASSERT_EQ(again.status, 200) << again.describe();
  EXPECT_EQ(again.body, first.body);  // successCount 2, not "Already imported" twice
  EXPECT_EQ(again.header("Idempotent-Replayed"), "true");
  EXPECT_EQ(again.header("Content-Type"), first.header("Content-Type"));
  EXPECT_EQ(s.emulator->stats().twilioRequests(), twilioAfterFirst);
  EXPECT_EQ(listNumbers(*s.gateway).totalCount, 2);

  // Without the key the same body runs again and finds both imported.
  auto unkeyed = postImport(*s.gateway, s.providerId, sids);
  EXPECT_NE(unkeyed.body, first.body);
  EXPECT_NE(unkeyed.body.find("Already imported"), std::string::npos) << unkeyed.describe();
}

TEST_F(IdempotencyTest, TheSameKeyWithAnotherBodyIs422AndChangesNothing) {
  auto s = startWithProvider(3);
  ASSERT_EQ(importWithKey(*s.gateway, s.providerId, {s.numbers[0].sid}, "import-1").status, 200);
  const auto before = snapshot(*s.gateway, *s.emulator, {s.account});
  const auto twilioBefore = s.emulator->stats().twilioRequests();

  auto other = importWithKey(*s.gateway, s.providerId, {s.numbers[1].sid}, "import-1");

  EXPECT_EQ(other.status, 422) << other.describe();
  EXPECT_EQ(other.header("Content-Type"), "application/problem+json");
  EXPECT_NE(other.body.find("use a new key for a new request"), std::string::npos);
  EXPECT_EQ(s.emulator->stats().twilioRequests(), twilioBefore);
  EXPECT_EQ(snapshot(*s.gateway, *s.emulator, {s.account}), before);
}

TEST_F(IdempotencyTest, ARetriedProviderCreateGetsTheSameProvider) {
  auto account = randomAccount();
  EmulatorOptions eo;
  eo.accounts.push_back(account);
  auto& emulator = startEmulator(eo);
  GatewayOptions go;
  go.twilioUrl = emulator.baseUrl();
  auto& gw = startGateway(go);
  const std::string body =
      objectBody({{"accountSid", account.sid}, {"authToken", account.token}, {"name", "Main"}});

  auto first = callWithHeaders(gw, "POST", "/api/v1/providers/twilio", body,
                               {"Idempotency-Key: \"create-main\""});
  ASSERT_EQ(first.status, 201) << first.describe();
  const auto twilioAfterFirst = emulator.stats().twilioRequests();
  auto again = callWithHeaders(gw, "POST", "/api/v1/providers/twilio", body,
                               {"Idempotency-Key: create-main"});

  ASSERT_EQ(again.status, 201) << again.describe();  // not 409 "already exists"
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.header("Idempotent-Replayed"), "true");
  EXPECT_EQ(emulator.stats().twilioRequests(), twilioAfterFirst);
  auto list = call(gw, "GET", "/api/v1/providers");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(parseJson(list.body)["totalCount"].GetInt(), 1);
}

TEST_F(IdempotencyTest, ARetriedJobPostGetsTheSameJob) {
  auto s = startWithProvider(3);
  const std::string path = "/api/v1/providers/twilio/" + s.providerId + "/import-jobs";
  const std::string body = sidsBody({s.numbers[0].sid, s.numbers[1].sid});
  auto first = callWithHeaders(*s.gateway, "POST", path, body, {"Idempotency-Key: job-1"});
  ASSERT_EQ(first.status, 202) << first.describe();

  auto again = callWithHeaders(*s.gateway, "POST", path, body, {"Idempotency-Key: job-1"});

  ASSERT_EQ(again.status, 202) << again.describe();
  EXPECT_EQ(again.header("Location"), first.header("Location"));
  EXPECT_EQ(again.body, first.body);  // the job as it was when first answered
  EXPECT_EQ(again.header("Idempotent-Replayed"), "true");
  auto jobs = call(*s.gateway, "GET", "/api/v1/import-jobs");
  ASSERT_EQ(jobs.status, 200) << jobs.describe();
  EXPECT_EQ(parseJson(jobs.body)["totalCount"].GetInt(), 1);
  EXPECT_EQ(callWithHeaders(*s.gateway, "POST", path, sidsBody({s.numbers[2].sid}),
                            {"Idempotency-Key: job-1"})
                .status,
            422);
}

TEST_F(IdempotencyTest, AnswersOutliveARestart) {
  GatewayOptions go;
  go.extraArgs = {"--verify-interval", "0"};  // no Twilio requests but the test's
  auto s = startWithProvider(2, go);
  auto first = importWithKey(*s.gateway, s.providerId, {s.numbers[0].sid}, "import-1");
  ASSERT_EQ(first.status, 200) << first.describe();
  ASSERT_TRUE(s.gateway->stop());
  s.gateway->start();
  const auto twilioBefore = s.emulator->stats().twilioRequests();

  auto again = importWithKey(*s.gateway, s.providerId, {s.numbers[0].sid}, "import-1");

  EXPECT_EQ(again.status, 200) << again.describe();
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.header("Idempotent-Replayed"), "true");
  EXPECT_EQ(s.emulator->stats().twilioRequests(), twilioBefore);
}

TEST_F(IdempotencyTest, AMalformedKeyIs400AndRunsNothing) {
  auto s = startWithProvider(2);
  auto r = importWithKey(*s.gateway, s.providerId, {s.numbers[0].sid}, std::string(300, 'k'));
  EXPECT_EQ(r.status, 400) << r.describe();
  EXPECT_NE(r.body.find("Idempotency-Key"), std::string::npos);
  EXPECT_EQ(listNumbers(*s.gateway).totalCount, 0);
}

}  // namespace
}  // namespace gw::integration
