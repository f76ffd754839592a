// The per-provider ACL over real sockets: a gatewayd that trusts no source
// (no --sip-trusted-cidr) and two providers that each accept calls from one loopback
// address, 127.0.0.1 or 127.0.0.2. sipp calls from either address show that an INVITE for
// a number is answered only when it comes from an address of that number's provider (403
// otherwise, even from an address another provider accepts), and that a change of
// allowedAddresses applies to the next INVITE.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/gateway_fixture.hpp"
#include "harness/sipp_process.hpp"

namespace gw::integration {
namespace {

// TEST-NET-1 (RFC 5737): the redirect agent's address, never contacted.
constexpr const char* kAgentUri = "sip:agent@192.0.2.10:5070";

class SipAclTest : public GatewayTest {
 protected:
  struct Line {
    TwilioAccount account;
    std::string providerId;
    std::string phoneNumber;  // imported and linked to the redirect agent
  };

  // One emulator with two accounts, a gatewayd with SIP on loopback and no trusted CIDR,
  // and per account a provider accepting calls from `sources[i]` only, one imported number
  // and a link from it to a redirect agent.
  void SetUp() override {
    accounts_ = {randomAccount(), randomAccount()};
    EmulatorOptions eo;
    eo.accounts = accounts_;
    eo.numbers = 1;
    auto& emulator = startEmulator(eo);
    GatewayOptions go;
    go.publicSipUri.reset();
    gw_ = &startGateway(go);
    sip_ = gw_->sipAddress().text();
    auto agent = call(*gw_, "POST", "/api/v1/agents",
                      objectBody({{"name", "Desk"}, {"sipUri", kAgentUri}, {"mode", "redirect"}}));
    if (agent.status != 201) throw std::runtime_error("agent: " + agent.describe());
    const std::string agentId = stringMember(parseJson(agent.body), "id").value_or("");
    const std::string sources[] = {"127.0.0.1", "127.0.0.2"};
    for (size_t i = 0; i < accounts_.size(); ++i) {
      Line line;
      line.account = accounts_[i];
      line.providerId = createProvider(*gw_, line.account);
      auto put = call(*gw_, "PUT", "/api/v1/providers/twilio/" + line.providerId,
                      R"({"allowedAddresses":[")" + sources[i] + R"("]})");
      if (put.status != 200) throw std::runtime_error("allowedAddresses: " + put.describe());
      const auto number = emulator.numbers(line.account.sid).at(0);
      if (importNumbers(*gw_, line.providerId, {number.sid}).successCount != 1)
        throw std::runtime_error("import of " + number.sid + " failed");
      line.phoneNumber = number.phoneNumber;
      for (const auto& n : listNumbers(*gw_, "providerId=" + line.providerId).items) {
        auto linked = call(*gw_, "PUT",
                           "/api/v1/sip-phone-numbers/" + n.id + "/agent-link?agentId=" + agentId);
        if (linked.status != 200) throw std::runtime_error("link: " + linked.describe());
      }
      lines_.push_back(line);
    }
  }

  // An INVITE for `called` from sipp bound to `source`, expecting the 302 to the agent.
  SippResult redirectedFrom(const std::string& source, const std::string& called) {
    return runSipp(uac("uac_redirect.xml", source, called, {{"expected_contact", kAgentUri}}));
  }
  // The same, expecting 403 Forbidden.
  SippResult forbiddenFrom(const std::string& source, const std::string& called) {
    return runSipp(uac("uac_reject.xml", source, called, {{"expected_status", "403"}}));
  }

  uint64_t aclDenials() {
    auto resp = call(*gw_, "GET", "/api/v1/sip/stats");
    if (resp.status != 200) throw std::runtime_error("sip stats: " + resp.describe());
    return static_cast<uint64_t>(intMember(parseJson(resp.body), "aclDenials").value_or(-1));
  }

  std::vector<TwilioAccount> accounts_;
  std::vector<Line> lines_;
  GatewayProcess* gw_ = nullptr;
  std::string sip_;

 private:
  SippOptions uac(const std::string& scenario, const std::string& source, const std::string& called,
                  std::vector<std::pair<std::string, std::string>> keys) {
    SippOptions o;
    o.scenario = scenario;
    o.remote = sip_;
    o.service = called;
    o.localIp = source;
    o.keys = std::move(keys);
    return o;
  }
};

TEST_F(SipAclTest, AnswersOnlyCallsFromTheCalledNumbersProvider) {
  const Line& first = lines_.at(0);   // accepts 127.0.0.1
  const Line& second = lines_.at(1);  // accepts 127.0.0.2

  auto firstFromOwn = redirectedFrom("127.0.0.1", first.phoneNumber);
  auto secondFromOwn = redirectedFrom("127.0.0.2", second.phoneNumber);
  auto firstFromOther = forbiddenFrom("127.0.0.2", first.phoneNumber);
  auto secondFromOther = forbiddenFrom("127.0.0.1", second.phoneNumber);

  EXPECT_TRUE(firstFromOwn.ok()) << firstFromOwn.describe();
  EXPECT_TRUE(secondFromOwn.ok()) << secondFromOwn.describe();
  EXPECT_TRUE(firstFromOther.ok()) << firstFromOther.describe();
  EXPECT_TRUE(secondFromOther.ok()) << secondFromOther.describe();
  EXPECT_EQ(aclDenials(), 2u);
}

TEST_F(SipAclTest, AppliesChangedAllowedAddressesToTheNextInvite) {
  const Line& first = lines_.at(0);
  ASSERT_TRUE(redirectedFrom("127.0.0.1", first.phoneNumber).ok());

  auto put = call(*gw_, "PUT", "/api/v1/providers/twilio/" + first.providerId,
                  R"({"allowedAddresses":["127.0.0.2/32"]})");
  ASSERT_EQ(put.status, 200) << put.describe();
  auto fromOld = forbiddenFrom("127.0.0.1", first.phoneNumber);
  auto fromNew = redirectedFrom("127.0.0.2", first.phoneNumber);

  EXPECT_TRUE(fromOld.ok()) << fromOld.describe();
  EXPECT_TRUE(fromNew.ok()) << fromNew.describe();
  EXPECT_EQ(aclDenials(), 1u);
}

}  // namespace
}  // namespace gw::integration
