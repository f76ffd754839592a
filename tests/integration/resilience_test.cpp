// Twilio misbehaving: throttling (429) and server errors (5xx) injected by the emulator,
// retries running out, and credentials revoked after the provider was created.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <stdexcept>

#include "harness/gateway_fixture.hpp"

namespace gw::integration {
namespace {

using ::testing::Each;
using ::testing::Field;
using ::testing::IsEmpty;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAreArray;

class ResilienceTest : public GatewayTest {
 protected:
  // The account stops accepting the token the provider was created with: a new emulator
  // knows the account (same seed, so the same numbers) under another token, and gatewayd
  // restarts against it on the same data directory.
  EmulatorProcess& rotateToken(Setup& s) {
    auto stopped = s.emulator->stop();
    if (!stopped || !stopped->clean())
      throw std::runtime_error("the emulator did not stop cleanly");
    TwilioAccount rotated = randomAccount();
    rotated.sid = s.account.sid;
    EmulatorOptions eo = s.emulator->options();
    eo.accounts = {rotated};
    auto& emulator = startEmulator(eo);
    stopped = s.gateway->stop();
    if (!stopped || !stopped->clean()) throw std::runtime_error("gatewayd did not stop cleanly");
    s.gateway->options().twilioUrl = emulator.baseUrl();
    s.gateway->start();
    return emulator;
  }
};

bool startsWith(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}

// The emulator fails 30% of requests with 500/503 and throttles beyond two in flight while
// the gateway sends four at once; retries with backoff get every number in.
TEST_F(ResilienceTest, RetriesThrottledAndFailingTwilioRequests) {
  EmulatorOptions eo;
  eo.errorRate = 0.3;
  eo.seed = 20240611;
  eo.maxConcurrency = 2;
  eo.latencyMs = 20;
  GatewayOptions go;
  go.twilioMaxAttempts = 8;
  go.twilioConcurrency = 4;
  auto s = startWithProvider(12, go, eo);

  auto r = importNumbers(*s.gateway, s.providerId, sidsOf(s.numbers));
  auto stats = s.emulator->stats();

  EXPECT_EQ(r.successCount, 12);
  EXPECT_EQ(r.failedCount, 0);
  EXPECT_THAT(r.errors, IsEmpty());
  RecordProperty("twilioRequests", std::to_string(stats.twilioRequests()));
  RecordProperty("throttled", std::to_string(stats.responsesWithStatus(429)));
  RecordProperty("serverErrors", std::to_string(stats.serverErrors()));
  // Proof that the faults were really injected, not that they were few or many.
  EXPECT_GT(stats.serverErrors() + stats.responsesWithStatus(429), 0u);
  EXPECT_LE(stats.inFlightMax, 4u);
  EXPECT_THAT(
      sidsOnTrunk(s.emulator->numbers(s.account.sid), providerTrunk(*s.gateway, s.providerId)),
      UnorderedElementsAreArray(sidsOf(s.numbers)));
  EXPECT_EQ(listNumbers(*s.gateway).totalCount, 12);
}

// With a single attempt per request (--twilio-max-attempts 1), each attachment Twilio
// fails surfaces as that SID's failure: exactly the three failed attachments are reported,
// the import stays consistent (exactly the reported successes are stored), and a later
// import with retries absorbs the same faults and finishes the job. A gateway that retried
// anyway would report no failure in the first import.
TEST_F(ResilienceTest, ReportsPerSidFailuresWhenRetriesRunOut) {
  const std::string attach = "/v1/Trunks/{TrunkSid}/PhoneNumbers";
  auto s = startWithProvider(20);
  auto sids = sidsOf(s.numbers);
  std::string trunk = providerTrunk(*s.gateway, s.providerId);
  ASSERT_TRUE(s.gateway->stop().value_or(ExitStatus{}).clean());
  s.gateway->options().twilioMaxAttempts = 1;
  s.gateway->start();
  s.emulator->failNext("POST", attach, 503, 2);
  s.emulator->failNext("POST", attach, 500, 1);

  auto first = importNumbers(*s.gateway, s.providerId, sids);

  EXPECT_EQ(first.successCount, 17);
  EXPECT_EQ(first.failedCount, 3);
  EXPECT_EQ(s.emulator->pendingFaults(), 0u);
  std::set<std::string> failed;
  for (const auto& e : first.errors) {
    failed.insert(e.phoneNumberSid);
    EXPECT_TRUE(startsWith(e.errorMessage, "Trunk attachment failed: 5"))
        << e.phoneNumberSid << ": " << e.errorMessage;
  }
  EXPECT_EQ(failed.size(), 3u);
  std::vector<std::string> succeeded;
  for (const auto& sid : sids) {
    if (!failed.count(sid)) succeeded.push_back(sid);
  }
  std::vector<std::string> stored;
  for (const auto& n : allNumbers(*s.gateway)) stored.push_back(n.phoneNumberSid);
  EXPECT_THAT(stored, UnorderedElementsAreArray(succeeded));
  EXPECT_THAT(sidsOnTrunk(s.emulator->numbers(s.account.sid), trunk),
              UnorderedElementsAreArray(succeeded));

  ASSERT_TRUE(s.gateway->stop().value_or(ExitStatus{}).clean());
  s.gateway->options().twilioMaxAttempts = 8;
  s.gateway->start();
  s.emulator->failNext("POST", attach, 503, 2);
  auto second = importNumbers(*s.gateway, s.providerId, sids);

  EXPECT_EQ(s.emulator->pendingFaults(), 0u);
  EXPECT_EQ(second.successCount, static_cast<int64_t>(failed.size()));
  EXPECT_EQ(second.failedCount, static_cast<int64_t>(succeeded.size()));
  EXPECT_THAT(second.errors, Each(Field(&ImportError::errorMessage, "Already imported")));
  EXPECT_EQ(listNumbers(*s.gateway).totalCount, 20);
  EXPECT_THAT(sidsOnTrunk(s.emulator->numbers(s.account.sid), trunk),
              UnorderedElementsAreArray(sids));
}

// The provider was created with a token the account later stopped accepting: the import is
// refused as a whole with 502, before anything is attached or stored.
TEST_F(ResilienceTest, AnswersBadGatewayWhenTwilioRejectsCredentials) {
  auto s = startWithProvider(3);
  auto& emulator = rotateToken(s);
  auto numbers = emulator.numbers(s.account.sid);

  auto resp = postImport(*s.gateway, s.providerId, sidsOf(numbers));

  EXPECT_EQ(resp.status, 502) << resp.describe();
  EXPECT_THAT(resp.header("Content-Type").value_or(""), StartsWith("application/problem+json"));
  EXPECT_FALSE(containsSecret(resp.body)) << "the 502 contains a token";
  EXPECT_EQ(listNumbers(*s.gateway).totalCount, 0);
  EXPECT_EQ(emulator.numbers(s.account.sid), numbers);
  EXPECT_EQ(emulator.stats().requestsTo("POST", "/PhoneNumbers"), 0u) << "a number was attached";
}

// The same with the listing path (20 SIDs or more are looked up by listing the account).
TEST_F(ResilienceTest, AnswersBadGatewayWhenTwilioRejectsCredentialsOfLargeImport) {
  auto s = startWithProvider(25);
  auto& emulator = rotateToken(s);
  auto numbers = emulator.numbers(s.account.sid);

  auto resp = postImport(*s.gateway, s.providerId, sidsOf(numbers));

  EXPECT_EQ(resp.status, 502) << resp.describe();
  EXPECT_EQ(listNumbers(*s.gateway).totalCount, 0);
  EXPECT_EQ(emulator.numbers(s.account.sid), numbers);
}

TEST_F(ResilienceTest, KeepsNumberWhenTwilioRejectsCredentialsOfDelete) {
  auto s = startWithProvider(1);
  ASSERT_EQ(importNumbers(*s.gateway, s.providerId, {s.numbers[0].sid}).successCount, 1);
  std::string id = allNumbers(*s.gateway).at(0).id;
  rotateToken(s);

  auto resp = call(*s.gateway, "DELETE",
                   "/api/v1/providers/twilio/" + s.providerId + "/phone-numbers/" + id);

  EXPECT_EQ(resp.status, 502) << resp.describe();
  EXPECT_FALSE(containsSecret(resp.body)) << "the 502 contains a token";
  EXPECT_EQ(call(*s.gateway, "GET", "/api/v1/sip-phone-numbers/" + id).status, 200);
}

// Revoked credentials cannot clean the Twilio account up; the provider is removed locally
// anyway, so that the customer is not stuck with it.
TEST_F(ResilienceTest, DeletesProviderLocallyWhenTwilioRejectsCredentials) {
  auto s = startWithProvider(2);
  ASSERT_EQ(importNumbers(*s.gateway, s.providerId, sidsOf(s.numbers)).successCount, 2);
  rotateToken(s);

  auto resp = call(*s.gateway, "DELETE", "/api/v1/providers/" + s.providerId);

  EXPECT_EQ(resp.status, 204) << resp.describe();
  EXPECT_EQ(call(*s.gateway, "GET", "/api/v1/providers/" + s.providerId).status, 404);
  EXPECT_EQ(listNumbers(*s.gateway).totalCount, 0);
}

// Twilio unreachable (nothing listens any more): every SID fails its lookup, nothing is
// stored, and the gateway itself keeps answering.
TEST_F(ResilienceTest, ReportsLookupFailuresWhenTwilioIsUnreachable) {
  GatewayOptions go;
  go.twilioMaxAttempts = 2;
  auto s = startWithProvider(2, go);
  ASSERT_TRUE(s.emulator->stop().value_or(ExitStatus{}).clean());

  auto r = importNumbers(*s.gateway, s.providerId, sidsOf(s.numbers));

  EXPECT_EQ(r.successCount, 0);
  EXPECT_EQ(r.failedCount, 2);
  for (const auto& e : r.errors) {
    EXPECT_TRUE(startsWith(e.errorMessage, "Twilio lookup failed: ")) << e.errorMessage;
  }
  EXPECT_EQ(listNumbers(*s.gateway).totalCount, 0);
  EXPECT_EQ(call(*s.gateway, "GET", "/healthz", std::nullopt, "").status, 200);
}

}  // namespace
}  // namespace gw::integration
