// Twilio slow or gone in the middle of an import: the import answers by its deadline, or as
// soon as the account's circuit breaker opens, with every SID reported; what reached the
// trunk is imported, nothing else is stored.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <set>
#include <thread>

#include "harness/gateway_fixture.hpp"

namespace gw::integration {
namespace {

using namespace std::chrono_literals;
using ::testing::UnorderedElementsAreArray;
using Clock = std::chrono::steady_clock;

bool startsWith(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}

class ImportDeadlineTest : public GatewayTest {
 protected:
  // Every SID is reported once; the successes are exactly the stored numbers, each on the
  // provider's trunk at Twilio when `twilioSide` is given.
  void expectConsistent(const Setup& s, const std::vector<std::string>& sids, const ImportResult& r,
                        const std::optional<std::vector<EmulatorNumber>>& twilioSide) {
    EXPECT_EQ(r.successCount + r.failedCount, static_cast<int64_t>(sids.size()));
    EXPECT_EQ(r.failedCount, static_cast<int64_t>(r.errors.size()));
    std::set<std::string> failed;
    for (const auto& e : r.errors) EXPECT_TRUE(failed.insert(e.phoneNumberSid).second);
    std::vector<std::string> succeeded;
    for (const auto& sid : sids) {
      if (!failed.count(sid)) succeeded.push_back(sid);
    }
    std::vector<std::string> stored;
    for (const auto& n : allNumbers(*s.gateway)) stored.push_back(n.phoneNumberSid);
    EXPECT_THAT(stored, UnorderedElementsAreArray(succeeded));
    if (!twilioSide) return;
    auto onTrunk = sidsOnTrunk(*twilioSide, providerTrunk(*s.gateway, s.providerId));
    for (const auto& sid : succeeded) {
      EXPECT_NE(std::find(onTrunk.begin(), onTrunk.end(), sid), onTrunk.end()) << sid;
    }
  }
};

// Every Twilio answer takes a second and two requests run at once, so the 24 numbers need
// about 13 s; the import's deadline is 3 s. After it, the import has up to 2 s (its undo
// window) to detach the attachments the deadline cut short; the last 2 s of the bound are
// for a loaded machine. The deadline comes through the environment variable, which a
// gatewayd without the setting ignores.
TEST_F(ImportDeadlineTest, AnswersByTheDeadlineWhenTwilioIsSlow) {
  EmulatorOptions eo;
  eo.latencyMs = 1000;
  GatewayOptions go;
  go.twilioConcurrency = 2;
  go.env = {{"GATEWAY_IMPORT_DEADLINE_MS", "3000"}};
  auto s = startWithProvider(24, go, eo);
  auto sids = sidsOf(s.numbers);

  auto start = Clock::now();
  auto r = importNumbers(*s.gateway, s.providerId, sids);
  auto took = Clock::now() - start;

  EXPECT_LT(took, 3s + 2s + 2s)
      << "answered after " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
      << " ms";
  EXPECT_GT(r.failedCount, 0);
  for (const auto& e : r.errors) {
    EXPECT_TRUE(startsWith(e.errorMessage, "The import's deadline (3 s) passed"))
        << e.phoneNumberSid << ": " << e.errorMessage;
  }
  expectConsistent(s, sids, r, s.emulator->numbers(s.account.sid));

  // The claims were released with the answer: the same SIDs can be imported again at once,
  // and the ones already in are reported as such.
  auto again = importNumbers(*s.gateway, s.providerId, sids);
  EXPECT_EQ(again.successCount + again.failedCount, 24);
}

// Twilio dies (SIGKILL) while the numbers are being attached, with eight attempts per
// request: without a circuit breaker every remaining number would retry its way through
// backoffs for over a minute. The import answers within seconds instead.
TEST_F(ImportDeadlineTest, AnswersPromptlyWhenTwilioDiesMidImport) {
  EmulatorOptions eo;
  eo.latencyMs = 200;
  GatewayOptions go;
  go.twilioConcurrency = 2;
  go.twilioMaxAttempts = 8;
  auto s = startWithProvider(40, go, eo);
  auto sids = sidsOf(s.numbers);
  auto trunkBefore = providerTrunk(*s.gateway, s.providerId);
  s.emulator->resetStats();

  auto request = importRequest(*s.gateway, s.providerId, sids);
  auto answer = std::async(std::launch::async, [request] {
    HttpClient client;
    return client.send(request);
  });
  auto deadline = Clock::now() + 30s;
  std::vector<EmulatorNumber> twilioSide;
  while (Clock::now() < deadline) {
    twilioSide = s.emulator->numbers(s.account.sid);
    if (sidsOnTrunk(twilioSide, trunkBefore).size() >= 2) break;
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_GE(sidsOnTrunk(twilioSide, trunkBefore).size(), 2u) << "no attachment began";
  s.emulator->kill();
  auto killedAt = Clock::now();

  ASSERT_EQ(answer.wait_for(10s), std::future_status::ready) << "no answer 10 s after Twilio died";
  auto resp = answer.get();
  auto took = Clock::now() - killedAt;
  ASSERT_EQ(resp.status, 200) << resp.describe();
  auto r = parseImportResult(resp.body);
  RecordProperty(
      "answeredAfterKillMs",
      std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()));

  size_t halted = 0;
  for (const auto& e : r.errors) {
    bool isHalt = startsWith(e.errorMessage, "Twilio did not respond for account " + s.account.sid);
    halted += isHalt;
    EXPECT_TRUE(isHalt || startsWith(e.errorMessage, "Trunk attachment failed: no response"))
        << e.phoneNumberSid << ": " << e.errorMessage;
  }
  EXPECT_GT(halted, 0u);
  // Twilio's side can no longer be read; the successes were checked against it by the
  // gateway itself (an attachment counts once Twilio answered 201).
  expectConsistent(s, sids, r, std::nullopt);
}

}  // namespace
}  // namespace gw::integration
