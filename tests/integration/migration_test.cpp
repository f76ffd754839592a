// gatewayd started on a data directory an older gatewayd wrote: a copy of
// tests/store/data/schema_v3_gatewayd (schema version 3, see the README beside it). The real
// process migrates it on start, lists its numbers, routes them over SIP as they were linked
// (the provider's stored allowedAddresses included), and starts again on the migrated
// directory without migrating twice.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "harness/gateway_fixture.hpp"
#include "harness/sipp_process.hpp"

namespace gw::integration {
namespace {

using ::testing::ContainsRegex;
using ::testing::ElementsAre;
using ::testing::Not;

const std::string kAgentId = "a9e8d7c6-b5a4-4392-8170-6f5e4d3c2b1a";
const std::string kAgentUri = "sip:desk@192.0.2.10:5070";
const std::string kProviderId = "6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f";
const std::string kLinked = "+14155550101";    // linked to the agent
const std::string kUnlinked = "+14155550102";  // same provider, no agent
const std::string kOtherOrg = "+14155550103";  // org-2's

class MigrationTest : public GatewayTest {
 protected:
  // A data directory holding a copy of tests/store/data/<asset>/data.mdb.
  std::string oldDataDir(const std::string& asset) {
    const std::string dir = makeTempDir() + "/data";
    std::filesystem::create_directory(dir);
    std::filesystem::copy_file(
        std::string(GW_SOURCE_DIR) + "/tests/store/data/" + asset + "/data.mdb", dir + "/data.mdb");
    return dir;
  }

  std::vector<std::string> numbersOf(GatewayProcess& gw, Token token = std::nullopt) {
    std::vector<std::string> out;
    for (const auto& n : allNumbers(gw, std::move(token))) {
      out.push_back(n.id + " " + n.phoneNumberSid + " " + n.phoneNumber + " " + n.providerId);
    }
    return out;
  }

  // What the migrated directory must serve, through the admin API and over SIP.
  void expectServed(GatewayProcess& gw, const std::string& otherOrgToken) {
    EXPECT_THAT(numbersOf(gw), ElementsAre("11111111-2222-4333-8444-555555555501 "
                                           "PN00000000000000000000000000000001 +14155550101 " +
                                               kProviderId,
                                           "11111111-2222-4333-8444-555555555502 "
                                           "PN00000000000000000000000000000002 +14155550102 " +
                                               kProviderId));
    EXPECT_EQ(numbersOf(gw, otherOrgToken).size(), 1u);

    auto linked = explainRoute(gw, kLinked, "127.0.0.1");
    EXPECT_EQ(stringMember(linked["acl"], "decision"), "provider-allowed-addresses");
    EXPECT_EQ(stringMember(linked["acl"], "match"), "127.0.0.1/32");
    EXPECT_EQ(stringMember(linked["phoneNumber"], "providerId"), kProviderId);
    EXPECT_EQ(stringMember(linked["agent"], "id"), kAgentId);
    EXPECT_EQ(stringMember(linked, "action"), "redirect");
    EXPECT_EQ(stringMember(linked["sip"], "contact"), "<" + kAgentUri + ">");
    auto unlinked = explainRoute(gw, kUnlinked, "127.0.0.1");
    EXPECT_EQ(intMember(unlinked["sip"], "status"), 480);
    auto otherOrg = explainRoute(gw, kOtherOrg, "54.172.60.1", otherOrgToken);
    EXPECT_EQ(stringMember(otherOrg["phoneNumber"], "phoneNumber"), kOtherOrg);
    EXPECT_EQ(intMember(otherOrg["sip"], "status"), 480);

    SippOptions caller;
    caller.scenario = "uac_redirect.xml";
    caller.remote = gw.sipAddress().text();
    caller.service = kLinked;
    caller.keys = {{"expected_contact", kAgentUri}};
    auto redirected = runSipp(caller);
    EXPECT_TRUE(redirected.ok()) << redirected.describe();
    // 127.0.0.2 is in neither the provider's stored ranges nor a trusted CIDR.
    caller.scenario = "uac_reject.xml";
    caller.localIp = "127.0.0.2";
    caller.keys = {{"expected_status", "403"}};
    auto forbidden = runSipp(caller);
    EXPECT_TRUE(forbidden.ok()) << forbidden.describe();
  }
};

TEST_F(MigrationTest, ServesAndRoutesSchema3DataDirectoryAcrossRestarts) {
  startEmulator({});
  const std::string otherOrgToken = randomAdminToken();
  GatewayOptions go;
  go.dataDir = oldDataDir("schema_v3_gatewayd");
  go.tokensFile = writeTokensFile({{otherOrgToken, "org-2"}});
  go.publicSipUri.reset();
  auto& gw = startGateway(go);

  EXPECT_THAT(redact(gw.output()), ContainsRegex("migrated .* from schema version 3 to "));
  EXPECT_THAT(redact(gw.output()), ContainsRegex("routing table rebuilt: 3 numbers"));
  expectServed(gw, otherOrgToken);

  auto stopped = gw.stop();
  ASSERT_TRUE(stopped && stopped->clean()) << (stopped ? stopped->describe() : "still running");
  const size_t firstRun = gw.output().size();
  gw.start();

  const std::string secondRun = redact(gw.output().substr(firstRun));
  EXPECT_THAT(secondRun, Not(ContainsRegex("migrated ")));
  EXPECT_THAT(secondRun, ContainsRegex("routing table rebuilt: 3 numbers"));
  expectServed(gw, otherOrgToken);
}

// The oldest layout (schema_v1, written by the store's own tests, see the README: its ids
// are not UUIDs, so the routing table cannot hold its numbers): every migration step runs
// in the real process, and the providers and numbers of an org are listed as stored.
TEST_F(MigrationTest, ListsProvidersAndNumbersOfSchema1DataDirectoryAcrossRestarts) {
  startEmulator({});
  const std::string org1 = randomAdminToken();
  GatewayOptions go;
  go.dataDir = oldDataDir("schema_v1");
  go.tokensFile = writeTokensFile({{org1, "org-1"}});
  auto& gw = startGateway(go);

  for (int run = 0; run < 2; ++run) {
    SCOPED_TRACE(run == 0 ? "migrating start" : "restart");
    EXPECT_THAT(numbersOf(gw, org1),
                ElementsAre("number-1 PN00000000000000000000000000000001 +14155550101 provider-a",
                            "number-2 PN00000000000000000000000000000002 +14155550102 provider-b",
                            "number-3 PN00000000000000000000000000000003 +14155550103 provider-a",
                            "number-4 PN00000000000000000000000000000004 +14155550104 provider-a",
                            "number-6 PN00000000000000000000000000000006 +14155550106 provider-a"));
    auto providers = call(gw, "GET", "/api/v1/providers", std::nullopt, org1);
    ASSERT_EQ(providers.status, 200) << providers.describe();
    std::vector<std::string> names;
    for (const auto& p : parseJson(providers.body)["items"].GetArray()) {
      names.push_back(stringMember(p, "id").value_or("") + " " +
                      stringMember(p, "name").value_or("") + " " +
                      std::to_string(intMember(p, "phoneNumberCount").value_or(-1)));
    }
    EXPECT_THAT(names, ElementsAre("provider-b Bravo 1", "provider-a Alpha 4"));
    if (run == 0) {
      EXPECT_THAT(redact(gw.output()), ContainsRegex("migrated .* from schema version 1 to "));
      auto stopped = gw.stop();
      ASSERT_TRUE(stopped && stopped->clean()) << (stopped ? stopped->describe() : "running");
      gw.start();
    }
  }
}

}  // namespace
}  // namespace gw::integration
