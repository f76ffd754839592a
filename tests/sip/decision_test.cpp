#include "sip/decision.hpp"

#include <gtest/gtest.h>

#include "common/e164.hpp"

namespace gw::sip {
namespace {

boost::asio::ip::address ip(const char* text) {
  return boost::asio::ip::make_address(text);
}

// One provider (allowing Twilio's Virginia range) with three numbers: one linked to a
// redirect agent, one to a proxy agent, one unlinked; plus a second org's provider.
class DecisionTest : public ::testing::Test {
 protected:
  DecisionTest() {
    provider_.id[0] = 0x50;
    provider_.idText = "provider-1";
    provider_.orgId = "org-a";
    provider_.terminationUri = "acme.pstn.twilio.com";
    provider_.allowedAddresses.push_back(*Cidr::parse("54.172.60.0/30"));
    otherOrg_.id[0] = 0x51;
    otherOrg_.orgId = "org-b";
    otherOrg_.allowedAddresses.push_back(*Cidr::parse("35.156.191.128/30"));

    redirect_.id[0] = 0xa1;
    redirect_.orgId = "org-a";
    redirect_.name = "sales";
    redirect_.mode = AgentMode::kRedirect;
    redirect_.sipUri = "sip:sales@agents.example.com";
    proxy_.id[0] = 0xa2;
    proxy_.orgId = "org-a";
    proxy_.name = "support";
    proxy_.sipUri = "sip:support@10.0.0.7:5070";
    proxy_.addresses.push_back(ip("10.0.0.7"));
    proxy_.port = 5070;
    unresolved_.id[0] = 0xa3;
    unresolved_.orgId = "org-a";
    unresolved_.name = "nowhere";
    unresolved_.sipUri = "sip:x@does-not-resolve.invalid";

    addNumber("+14155550100", 1, provider_.id, redirect_.id);
    addNumber("+14155550101", 2, provider_.id, proxy_.id);
    addNumber("+14155550102", 3, provider_.id, {});
    addNumber("+14155550103", 4, provider_.id, unresolved_.id);
    UuidBytes gone{};
    gone[0] = 0xee;
    addNumber("+14155550104", 5, provider_.id, gone);
    addNumber("+442071838750", 6, otherOrg_.id, {});

    dir_ = Directory({redirect_, proxy_, unresolved_}, {provider_, otherOrg_},
                     {*Cidr::parse("192.0.2.0/24")});
  }

  void addNumber(const char* e164, uint8_t tag, const UuidBytes& provider, const UuidBytes& agent) {
    Route r;
    r.key = *e164Key(e164);
    r.phoneNumberId[0] = tag;
    r.providerId = provider;
    r.agentId = agent;
    table_.upsert(r);
  }

  RoutingTable table_{4};
  ProviderTarget provider_, otherOrg_;
  AgentTarget redirect_, proxy_, unresolved_;
  Directory dir_;
};

TEST_F(DecisionTest, RedirectAgentGets302WithItsUri) {
  auto d = decideInbound(table_, dir_, "+14155550100", ip("54.172.60.1"));
  EXPECT_EQ(d.action, Action::kRedirect);
  EXPECT_EQ(d.status, 302);
  EXPECT_EQ(d.acl, AclResult::kProviderSource);
  ASSERT_NE(d.aclMatch, nullptr);
  EXPECT_EQ(d.aclMatch->text(), "54.172.60.0/30");
  ASSERT_NE(d.agent, nullptr);
  EXPECT_EQ(d.agent->sipUri, "sip:sales@agents.example.com");
  EXPECT_EQ(d.normalizedNumber, "+14155550100");
}

TEST_F(DecisionTest, ProxyAgentIsForwarded) {
  auto d = decideInbound(table_, dir_, "+14155550101", ip("192.0.2.10"));
  EXPECT_EQ(d.action, Action::kProxy);
  EXPECT_EQ(d.acl, AclResult::kTrustedSource);
  ASSERT_NE(d.aclMatch, nullptr);
  EXPECT_EQ(d.aclMatch->text(), "192.0.2.0/24");
  ASSERT_NE(d.agent, nullptr);
  EXPECT_EQ(d.agent->name, "support");
  ASSERT_NE(d.provider, nullptr);
  EXPECT_EQ(d.provider->idText, "provider-1");
}

TEST_F(DecisionTest, NormalisesWhatPeersSend) {
  for (const char* called : {"14155550101", "+1 (415) 555-0101", "+1-415-555-0101",
                             "+14155550101;phone-context=+1", "1.415.555.0101"}) {
    auto d = decideInbound(table_, dir_, called, ip("192.0.2.10"));
    EXPECT_EQ(d.normalizedNumber, "+14155550101") << called;
    EXPECT_EQ(d.action, Action::kProxy) << called;
  }
}

TEST_F(DecisionTest, UnlinkedNumberIs480) {
  auto d = decideInbound(table_, dir_, "+14155550102", ip("54.172.60.2"));
  EXPECT_EQ(d.status, 480);
  EXPECT_EQ(d.action, Action::kReject);
  EXPECT_EQ(d.agent, nullptr);
  ASSERT_TRUE(d.route);
}

TEST_F(DecisionTest, AgentMissingFromDirectoryIs480) {
  auto d = decideInbound(table_, dir_, "+14155550104", ip("192.0.2.1"), Detail::kText);
  EXPECT_EQ(d.status, 480);
  EXPECT_NE(d.detail.find("no longer exists"), std::string::npos);
}

TEST_F(DecisionTest, UnresolvedProxyAgentIs503) {
  auto d = decideInbound(table_, dir_, "+14155550103", ip("192.0.2.1"));
  EXPECT_EQ(d.status, 503);
  ASSERT_NE(d.agent, nullptr);
  EXPECT_EQ(d.agent->name, "nowhere");
}

TEST_F(DecisionTest, UnknownNumberAndNonNumbersAre404) {
  EXPECT_EQ(decideInbound(table_, dir_, "+14155559999", ip("192.0.2.1")).status, 404);
  EXPECT_EQ(decideInbound(table_, dir_, "alice", ip("192.0.2.1")).status, 404);
  EXPECT_EQ(decideInbound(table_, dir_, "", ip("192.0.2.1")).status, 404);
  // An unknown number from any provider's range: still 404, not 403.
  auto d = decideInbound(table_, dir_, "+19995550000", ip("35.156.191.129"));
  EXPECT_EQ(d.status, 404);
  EXPECT_EQ(d.acl, AclResult::kProviderSource);
}

TEST_F(DecisionTest, UntrustedSourceIs403BeforeAnythingElse) {
  for (const char* called : {"+14155550100", "+14155559999", "garbage"}) {
    auto d = decideInbound(table_, dir_, called, ip("203.0.113.5"));
    EXPECT_EQ(d.status, 403) << called;
    EXPECT_EQ(d.acl, AclResult::kDenied);
    EXPECT_EQ(d.agent, nullptr);
  }
}

TEST_F(DecisionTest, AnotherProvidersRangeDoesNotOpenThisProvidersNumbers) {
  auto d = decideInbound(table_, dir_, "+14155550100", ip("35.156.191.129"));
  EXPECT_EQ(d.status, 403);
  EXPECT_EQ(d.acl, AclResult::kDenied);
}

TEST_F(DecisionTest, OutboundWithLinkedCallerIdGoesToTermination) {
  auto d = decideOutbound(table_, dir_, proxy_, "+14155550101", "+12125550000");
  EXPECT_EQ(d.action, Action::kTerminate);
  ASSERT_NE(d.provider, nullptr);
  EXPECT_EQ(d.provider->terminationUri, "acme.pstn.twilio.com");
  EXPECT_EQ(d.normalizedNumber, "+12125550000");
}

TEST_F(DecisionTest, OutboundWithCallerIdSetOnTheAgent) {
  AgentTarget a = proxy_;
  a.outboundPhoneNumberId[0] = 3;  // +14155550102, unlinked
  EXPECT_EQ(decideOutbound(table_, dir_, a, "+14155550102", "12125550000").action,
            Action::kTerminate);
  EXPECT_EQ(decideOutbound(table_, dir_, proxy_, "+14155550102", "12125550000").status, 403);
}

TEST_F(DecisionTest, OutboundRefusesCallerIdsNotImportedOrOfAnotherOrgOrAgent) {
  for (const char* from : {"+19995550000", "+442071838750", "+14155550100", "anonymous", ""}) {
    auto d = decideOutbound(table_, dir_, proxy_, from, "+12125550000");
    EXPECT_EQ(d.status, 403) << from;
    EXPECT_EQ(d.reason, "Caller ID not imported");
  }
}

TEST_F(DecisionTest, OutboundToSomethingNotANumberIs484) {
  EXPECT_EQ(decideOutbound(table_, dir_, proxy_, "+14155550101", "bob").status, 484);
}

// The decision behind ProxyTest.OutboundCallForAProviderWithoutTerminationUriIs503, with
// the reason routes/explain gives.
TEST_F(DecisionTest, OutboundForAProviderWithoutTerminationUriIs503) {
  provider_.terminationUri.clear();
  dir_ = Directory({redirect_, proxy_, unresolved_}, {provider_, otherOrg_}, {});
  auto d = decideOutbound(table_, dir_, proxy_, "+14155550101", "+12125550000", Detail::kText);
  EXPECT_EQ(d.action, Action::kReject);
  EXPECT_EQ(d.status, 503);
  EXPECT_EQ(d.detail, "provider provider-1 has no termination URI");
}

}  // namespace
// The worker prefetches with this key before deciding: it must be what decideInbound
// looks up, for every form of a number it accepts.
TEST(DecisionCalledKeyTest, AgreesWithTheNormalisedNumber) {
  for (std::string_view user :
       {"+14155550100", "14155550100", "+1 (415) 555-0100", "+1.415.555.0100;phone-context=x",
        "+1/415", "0155", "+", "", "abc", "+1415555010012345", "+141555501001234", "+1-415-55x"}) {
    auto n = normalizeE164(user.substr(0, user.find(';')));
    std::optional<uint64_t> want = n ? e164Key(*n) : std::nullopt;
    EXPECT_EQ(calledKey(user), want) << user;
  }
}

}  // namespace gw::sip
