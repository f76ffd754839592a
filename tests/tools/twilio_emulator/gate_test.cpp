// What every Twilio route of the emulator goes through: Twilio's headers, injected
// errors, the concurrency limit and latency that never blocks the event loop.
#include <algorithm>
#include <chrono>
#include <future>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/tools/twilio_emulator/twilio_emulator_fixture.hpp"

namespace gw::emulator::testing {
namespace {

const std::string kAccountPath = "/2010-04-01/Accounts/" + std::string(kAccountA) + ".json";

uint64_t inFlightMax(const EmulatorHarness& emu) {
  return emu.get("/emulator/stats", "", "").json()["inFlightMax"].GetUint64();
}

TEST_F(TwilioEmulatorTest, SendsTwilioHeadersOnEveryTwilioResponse) {
  auto& emu = start();
  const std::vector<HttpResult> responses = {
      emu.get(kAccountPath), emu.get(numberPath("PN00000000000000000000000000000000")),
      emu.post("/v1/Trunks", "FriendlyName=x"), emu.get(kAccountPath, "", "")};
  for (const HttpResult& r : responses) {
    EXPECT_EQ(r.header("twilio-concurrent-requests"), "1") << r.status;
    const std::string duration = r.header("twilio-request-duration");
    EXPECT_FALSE(duration.empty()) << r.status;
    EXPECT_NO_THROW((void)std::stod(duration)) << duration;
    EXPECT_EQ(r.header("twilio-request-id").substr(0, 2), "RQ");
    EXPECT_EQ(r.header("content-type").rfind("application/json", 0), 0u);
  }
}

TEST_F(TwilioEmulatorTest, InjectsTwilioShaped500And503AtErrorRateOne) {
  Options options = defaultTestOptions();
  options.errorRate = 1.0;
  auto& emu = start(options);
  bool saw500 = false;
  bool saw503 = false;
  for (int i = 0; i < 20; ++i) {
    const HttpResult r = emu.get(kAccountPath);
    ASSERT_TRUE(r.status == 500 || r.status == 503) << r.status;
    expectTwilioError(r, static_cast<int>(r.status), r.status == 500 ? 20500 : 20503);
    saw500 = saw500 || r.status == 500;
    saw503 = saw503 || r.status == 503;
  }
  EXPECT_TRUE(saw500);
  EXPECT_TRUE(saw503);
  // Credentials are still checked first, and control routes are never failed.
  expectTwilioError(emu.get(kAccountPath, kAccountA, kTokenB), 401, 20003);
  EXPECT_EQ(emu.get("/emulator/stats", "", "").status, 200);
  EXPECT_EQ(emu.get("/emulator/accounts/" + std::string(kAccountA) + "/numbers", "", "").status,
            200);
}

TEST_F(TwilioEmulatorTest, InjectsTheSameErrorsForTheSameSeed) {
  auto run = [this](uint64_t seed) {
    Options options = defaultTestOptions();
    options.errorRate = 0.5;
    options.seed = seed;
    auto& emu = start(options);
    std::vector<long> statuses;
    for (int i = 0; i < 30; ++i) statuses.push_back(emu.get(kAccountPath).status);
    return statuses;
  };
  const auto first = run(7);
  const auto again = run(7);
  EXPECT_EQ(first, again);
  const auto failures = std::count_if(first.begin(), first.end(), [](long s) { return s != 200; });
  EXPECT_GT(failures, 0);
  EXPECT_LT(failures, 30);
}

TEST_F(TwilioEmulatorTest, AnswersRequestsBeyondMaxConcurrencyWith429) {
  Options options = defaultTestOptions();
  options.maxConcurrency = 2;
  options.latency = std::chrono::milliseconds(2000);
  auto& emu = start(options);

  auto slow = [&emu] { return emu.get(kAccountPath); };
  auto first = std::async(std::launch::async, slow);
  auto second = std::async(std::launch::async, slow);
  ASSERT_TRUE(eventually([&] { return inFlightMax(emu) >= 2; }));

  // Both admitted requests are still in their latency: the third is over the limit.
  const HttpResult excess = emu.get(kAccountPath);
  expectTwilioError(excess, 429, 20429);
  EXPECT_STREQ(excess.json()["message"].GetString(), "Too Many Requests");

  EXPECT_EQ(first.get().status, 200);
  EXPECT_EQ(second.get().status, 200);
  // Slots are given back once answered.
  EXPECT_EQ(emu.get(kAccountPath).status, 200);
}

TEST_F(TwilioEmulatorTest, LimitsConcurrencyPerAccount) {
  Options options = defaultTestOptions();
  options.maxConcurrency = 1;
  options.latency = std::chrono::milliseconds(2000);
  auto& emu = start(options);

  auto ofA = std::async(std::launch::async, [&emu] { return emu.get(kAccountPath); });
  ASSERT_TRUE(eventually([&] { return inFlightMax(emu) >= 1; }));
  const HttpResult ofB =
      emu.get("/2010-04-01/Accounts/" + std::string(kAccountB) + ".json", kAccountB, kTokenB);
  EXPECT_EQ(ofB.status, 200) << ofB.body;
  EXPECT_EQ(ofA.get().status, 200);
}

TEST_F(TwilioEmulatorTest, AddsLatencyWithoutBlockingOtherRequests) {
  Options options = defaultTestOptions();
  options.latency = std::chrono::milliseconds(2000);
  auto& emu = start(options);

  auto slow = std::async(std::launch::async, [&emu] { return emu.get(kAccountPath); });
  ASSERT_TRUE(eventually([&] { return inFlightMax(emu) >= 1; }));
  // The event loop is free while the Twilio request waits out its latency.
  EXPECT_EQ(emu.get("/healthz", "", "").status, 200);
  EXPECT_EQ(slow.wait_for(std::chrono::seconds(0)), std::future_status::timeout);

  const HttpResult r = slow.get();
  EXPECT_EQ(r.status, 200);
  EXPECT_GE(std::stod(r.header("twilio-request-duration")), 2.0);
}

}  // namespace
}  // namespace gw::emulator::testing
