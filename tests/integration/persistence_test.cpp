// What survives a restart of gatewayd on the same data directory: imported numbers,
// providers and deletions. With no SIP traffic to send yet, the routing table is checked
// through its start-up rebuild and through re-imports answering "Already imported".
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "harness/gateway_fixture.hpp"

namespace gw::integration {
namespace {

using ::testing::ContainsRegex;
using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::IsEmpty;

class PersistenceTest : public GatewayTest {
 protected:
  // Durability is what these tests are about: every commit is synced.
  static GatewayOptions durable() {
    GatewayOptions go;
    go.storeSync = true;
    return go;
  }
};

std::vector<std::string> describeAll(std::vector<NumberRecord> records) {
  std::vector<std::string> out;
  for (const auto& n : records) {
    out.push_back(n.id + " " + n.orgId + " " + n.phoneNumberSid + " " + n.phoneNumber + " " +
                  n.providerId);
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST_F(PersistenceTest, KeepsImportedNumbersAcrossRestart) {
  auto s = startWithProvider(4, durable());
  auto sids = sidsOf(s.numbers);
  ASSERT_EQ(importNumbers(*s.gateway, s.providerId, {sids[0], sids[1], sids[2]}).successCount, 3);
  auto before = describeAll(allNumbers(*s.gateway));

  auto stopped = s.gateway->stop();
  ASSERT_TRUE(stopped && stopped->clean()) << (stopped ? stopped->describe() : "still running");
  s.gateway->start();

  EXPECT_EQ(describeAll(allNumbers(*s.gateway)), before);
  for (const auto& n : allNumbers(*s.gateway)) {
    auto got = call(*s.gateway, "GET", "/api/v1/sip-phone-numbers/" + n.id);
    EXPECT_EQ(got.status, 200) << got.describe();
  }
  EXPECT_EQ(intMember(getProvider(*s.gateway, s.providerId), "phoneNumberCount"), 3);
  EXPECT_THAT(redact(s.gateway->output()), ContainsRegex("routing table rebuilt: 3 numbers"));
  auto again = importNumbers(*s.gateway, s.providerId, sids);
  EXPECT_EQ(again.successCount, 1);
  EXPECT_THAT(again.errors, ElementsAre(ImportError{sids[0], "Already imported"},
                                        ImportError{sids[1], "Already imported"},
                                        ImportError{sids[2], "Already imported"}));
}

// SIGKILL right after the answer: an import the client saw succeed is never lost.
TEST_F(PersistenceTest, KeepsImportedNumbersAfterKill) {
  auto s = startWithProvider(2, durable());
  auto sids = sidsOf(s.numbers);
  ASSERT_EQ(importNumbers(*s.gateway, s.providerId, sids).successCount, 2);
  auto before = describeAll(allNumbers(*s.gateway));

  ExitStatus killed = s.gateway->kill();
  ASSERT_FALSE(killed.exited) << killed.describe();
  s.gateway->start();

  EXPECT_EQ(describeAll(allNumbers(*s.gateway)), before);
  auto again = importNumbers(*s.gateway, s.providerId, sids);
  EXPECT_EQ(again.successCount, 0);
  EXPECT_THAT(again.errors, Each(Field(&ImportError::errorMessage, "Already imported")));
}

TEST_F(PersistenceTest, KeepsDeletionsAcrossRestart) {
  auto first = randomAccount();
  auto second = randomAccount();
  EmulatorOptions eo;
  eo.accounts = {first, second};
  eo.numbers = 2;
  auto& emulator = startEmulator(eo);
  auto& gw = startGateway(durable());
  std::string p1 = createProvider(gw, first);
  std::string p2 = createProvider(gw, second);
  auto firstSids = sidsOf(emulator.numbers(first.sid));
  ASSERT_EQ(importNumbers(gw, p1, firstSids).successCount, 2);
  ASSERT_EQ(importNumbers(gw, p2, sidsOf(emulator.numbers(second.sid))).successCount, 2);
  auto ofFirst = listNumbers(gw, "providerId=" + p1).items;
  ASSERT_EQ(ofFirst.size(), 2u);
  auto gone = ofFirst[0].phoneNumberSid == firstSids[0] ? ofFirst[0] : ofFirst[1];
  ASSERT_EQ(
      call(gw, "DELETE", "/api/v1/providers/twilio/" + p1 + "/phone-numbers/" + gone.id).status,
      204);
  ASSERT_EQ(call(gw, "DELETE", "/api/v1/providers/" + p2).status, 204);

  auto stopped = gw.stop();
  ASSERT_TRUE(stopped && stopped->clean()) << (stopped ? stopped->describe() : "still running");
  gw.start();

  EXPECT_THAT(allNumbers(gw), ElementsAre(Field(&NumberRecord::phoneNumberSid, firstSids[1])));
  EXPECT_EQ(call(gw, "GET", "/api/v1/sip-phone-numbers/" + gone.id).status, 404);
  EXPECT_EQ(call(gw, "GET", "/api/v1/providers/" + p2).status, 404);
  EXPECT_EQ(call(gw, "GET", "/api/v1/providers/" + p1).status, 200);
  EXPECT_THAT(redact(gw.output()), ContainsRegex("routing table rebuilt: 1 numbers"));
  // The deleted number is importable again, the kept one is not.
  auto again = importNumbers(gw, p1, firstSids);
  EXPECT_EQ(again.successCount, 1);
  EXPECT_THAT(again.errors, ElementsAre(ImportError{firstSids[1], "Already imported"}));
}

}  // namespace
}  // namespace gw::integration
