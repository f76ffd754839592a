// The Twilio concurrency bound adapts to the account's limit: gatewayd starts at
// --twilio-concurrency 32 against an emulator that answers 429 beyond 4 requests in flight.
// A fixed bound of 32 would have most requests refused and many SIDs failing once their
// attempts run out; the adaptive one falls to what Twilio takes after the first overload.
#include <gtest/gtest.h>

#include <gmock/gmock.h>

#include <string>

#include "harness/gateway_fixture.hpp"

namespace gw::integration {
namespace {

using ::testing::IsEmpty;
using ::testing::UnorderedElementsAreArray;

// The value of the sample `name{account="<sid>"}` in a scrape, or -1.
double accountSample(const std::string& scrape, const std::string& name, const std::string& sid) {
  const std::string key = name + "{account=\"" + sid + "\"} ";
  const size_t at = scrape.find(key);
  if (at == std::string::npos) return -1;
  return std::stod(scrape.substr(at + key.size()));
}

class AdaptiveConcurrencyTest : public GatewayTest {};

TEST_F(AdaptiveConcurrencyTest, ImportAboveTwilioLimitCompletesWithFew429s) {
  constexpr int kNumbers = 400;
  constexpr int kTwilioLimit = 4;
  EmulatorOptions eo;
  eo.maxConcurrency = kTwilioLimit;
  eo.latencyMs = 20;
  GatewayOptions go;
  go.twilioConcurrency = 32;
  auto s = startWithProvider(kNumbers, go, eo);
  s.emulator->resetStats();

  auto r = importNumbers(*s.gateway, s.providerId, sidsOf(s.numbers));
  auto stats = s.emulator->stats();

  EXPECT_EQ(r.successCount, kNumbers);
  EXPECT_EQ(r.failedCount, 0);
  EXPECT_THAT(r.errors, IsEmpty());
  EXPECT_THAT(
      sidsOnTrunk(s.emulator->numbers(s.account.sid), providerTrunk(*s.gateway, s.providerId)),
      UnorderedElementsAreArray(sidsOf(s.numbers)));
  const uint64_t requests = stats.twilioRequests();
  const uint64_t throttled = stats.responsesWithStatus(429);
  RecordProperty("twilioRequests", std::to_string(requests));
  RecordProperty("throttled", std::to_string(throttled));
  // One request per number and a listing page, plus the retries of what was refused. At a
  // fixed 32 in flight against a limit of 4 most requests would be refused.
  EXPECT_GE(requests, static_cast<uint64_t>(kNumbers));
  EXPECT_LE(throttled * 10, requests) << throttled << " of " << requests << " answered 429";
  EXPECT_GT(throttled, 0u) << "the start above the limit was never refused: nothing adapted";

  // GET /metrics shows where the bound went: down from 32 after at least one decrease.
  auto m = call(*s.gateway, "GET", "/metrics");
  ASSERT_EQ(m.status, 200) << m.describe();
  const double limit = accountSample(m.body, "gateway_twilio_concurrency_limit", s.account.sid);
  EXPECT_GE(limit, 1) << m.body;
  EXPECT_LT(limit, 32) << m.body;
  EXPECT_GE(accountSample(m.body, "gateway_twilio_concurrency_decreases_total", s.account.sid), 1)
      << m.body;
}

}  // namespace
}  // namespace gw::integration
