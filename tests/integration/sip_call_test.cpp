// Calls with real sipp against the real gatewayd: a number imported through the admin API
// from the Twilio emulator and linked to an agent routes the next INVITE - redirected (302)
// or proxied to a sipp UAS playing the agent, BYE included - and stops routing when it is
// unlinked (480) or deleted (404). Scenarios are in tests/sip/scenarios/.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "harness/gateway_fixture.hpp"
#include "harness/sipp_process.hpp"

namespace gw::integration {
namespace {

// The caller (sipp UAC) sends from 127.0.0.1, a trusted source below; agents played by a
// sipp UAS listen on 127.0.0.2, so the gateway never mistakes the caller for an agent.
constexpr const char* kCallerIp = "127.0.0.1";
constexpr const char* kAgentIp = "127.0.0.2";
// TEST-NET-1 (RFC 5737): an agent of a redirect test, never contacted.
constexpr const char* kRedirectTarget = "sip:agent@192.0.2.10:5070";

class SipCallTest : public GatewayTest {
 protected:
  struct Number {
    std::string id;
    std::string phoneNumber;  // E.164
  };

  // An emulator account with `numbers` numbers, a gatewayd with SIP on loopback that trusts
  // `trustedCidr`, and a provider for the account (allowedAddresses: Twilio's ranges).
  void startSip(int numbers = 2, const std::string& trustedCidr = "127.0.0.0/8",
                std::vector<std::string> moreArgs = {}) {
    GatewayOptions options;
    options.publicSipUri.reset();  // Via and Record-Route must name the port it bound
    options.extraArgs = {"--sip-trusted-cidr", trustedCidr, "--sip-workers", "2"};
    for (auto& a : moreArgs) options.extraArgs.push_back(std::move(a));
    s_ = startWithProvider(numbers, options);
    sip_ = s_.gateway->sipAddress().text();
  }

  GatewayProcess& gateway() { return *s_.gateway; }

  Number importNumber(size_t index = 0) {
    const auto& n = s_.numbers.at(index);
    auto r = importNumbers(gateway(), s_.providerId, {n.sid});
    if (r.successCount != 1) throw std::runtime_error("importing " + n.sid + " failed");
    for (const auto& stored : allNumbers(gateway())) {
      if (stored.phoneNumberSid == n.sid) return {stored.id, stored.phoneNumber};
    }
    throw std::runtime_error("imported number " + n.sid + " is not listed");
  }

  std::string createAgent(const std::string& sipUri, const std::string& mode) {
    auto resp = call(gateway(), "POST", "/api/v1/agents",
                     objectBody({{"name", mode + " agent"}, {"sipUri", sipUri}, {"mode", mode}}));
    if (resp.status != 201) throw std::runtime_error("creating an agent: " + resp.describe());
    auto id = stringMember(parseJson(resp.body), "id");
    if (!id) throw std::runtime_error("created agent has no id: " + resp.describe());
    return *id;
  }

  void link(const Number& number, const std::string& agentId) {
    auto resp = call(gateway(), "PUT",
                     "/api/v1/sip-phone-numbers/" + number.id + "/agent-link?agentId=" + agentId);
    if (resp.status != 200) throw std::runtime_error("linking: " + resp.describe());
  }

  // GET /api/v1/sip/stats: counter `name`, or `key` of object `name`; 0 when absent.
  uint64_t sipCounter(const char* name, const char* key = nullptr) {
    auto resp = call(gateway(), "GET", "/api/v1/sip/stats");
    if (resp.status != 200) throw std::runtime_error("sip stats: " + resp.describe());
    auto doc = parseJson(resp.body);
    const rapidjson::Value* v = doc.HasMember(name) ? &doc[name] : nullptr;
    if (v && key) v = v->IsObject() && v->HasMember(key) ? &(*v)[key] : nullptr;
    return v && v->IsUint64() ? v->GetUint64() : 0;
  }

  // A UAC call to `called` through the gateway.
  SippResult invite(const std::string& scenario, const std::string& called,
                    std::vector<std::pair<std::string, std::string>> keys = {},
                    SipTransport transport = SipTransport::kUdp) {
    SippOptions o;
    o.scenario = scenario;
    o.remote = sip_;
    o.service = called;
    o.localIp = kCallerIp;
    o.transport = transport;
    o.keys = std::move(keys);
    return runSipp(std::move(o));
  }

  SippResult expectRejection(const std::string& called, int status) {
    return invite("uac_reject.xml", called, {{"expected_status", std::to_string(status)}});
  }

  // A sipp UAS on 127.0.0.2 answering one call as the agent and checking the headers the
  // gateway adds for `number`.
  std::unique_ptr<SippProcess> startAgent(const Number& number, SipTransport transport) {
    SippOptions o;
    o.scenario = "uas_answer_gateway.xml";
    o.localIp = kAgentIp;
    o.transport = transport;
    o.keys = {{"expected_phone_number_id", number.id}, {"expected_provider_id", s_.providerId}};
    auto uas = std::make_unique<SippProcess>(std::move(o));
    uas->waitUntilListening();
    return uas;
  }

  // Imports a number, links it to a proxy-mode agent played by a sipp UAS and calls it.
  void expectProxiedCall(SipTransport transport) {
    startSip();
    auto number = importNumber();
    auto uas = startAgent(number, transport);
    link(number, createAgent(uas->sipUri(), "proxy"));

    auto caller = invite("uac_call.xml", number.phoneNumber, {}, transport);
    auto agent = uas->wait();

    EXPECT_TRUE(caller.ok()) << caller.describe();
    EXPECT_TRUE(agent.ok()) << agent.describe();
    // Request-URI rewritten to the agent's URI; the 200's Contact relayed unchanged.
    EXPECT_EQ(agent.logged("invite"), "INVITE " + uas->sipUri());
    EXPECT_EQ(agent.logged("phone_number_id"), number.id);
    EXPECT_EQ(agent.logged("provider_id"), s_.providerId);
    EXPECT_THAT(caller.logged("contact").value_or(""),
                ::testing::StartsWith("sip:agent@" + uas->address()));
    // INVITE, ACK and BYE went through the gateway, and 180, 200 and the BYE's 200 back.
    EXPECT_GE(sipCounter("forwardedRequests"), 3u);
    EXPECT_GE(sipCounter("forwardedResponses"), 3u);
  }

  Setup s_;
  std::string sip_;  // "127.0.0.1:PORT" of the gateway's SIP listener
};

TEST_F(SipCallTest, RedirectsInviteToLinkedRedirectAgent) {
  startSip();
  auto number = importNumber();
  link(number, createAgent(kRedirectTarget, "redirect"));

  auto r = invite("uac_redirect.xml", number.phoneNumber, {{"expected_contact", kRedirectTarget}});

  EXPECT_TRUE(r.ok()) << r.describe();
  EXPECT_EQ(r.logged("contact"), kRedirectTarget);
}

TEST_F(SipCallTest, RedirectsOverTcp) {
  startSip();
  auto number = importNumber();
  link(number, createAgent(kRedirectTarget, "redirect"));

  auto r = invite("uac_redirect.xml", number.phoneNumber, {{"expected_contact", kRedirectTarget}},
                  SipTransport::kTcp);

  EXPECT_TRUE(r.ok()) << r.describe();
}

TEST_F(SipCallTest, ProxiesCallToAgentAndRelaysByeOverUdp) {
  expectProxiedCall(SipTransport::kUdp);
}

TEST_F(SipCallTest, ProxiesCallToAgentAndRelaysByeOverTcp) {
  expectProxiedCall(SipTransport::kTcp);
}

TEST_F(SipCallTest, NormalisesCalledNumberBeforeLookingItUp) {
  startSip();
  auto number = importNumber();
  link(number, createAgent(kRedirectTarget, "redirect"));
  const std::string digits = number.phoneNumber.substr(1);  // "+1415..." -> "1415..."
  // "+141-555-501-00": visual separators are allowed in a telephone-subscriber user part.
  std::string dashed = "+";
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && i % 3 == 0) dashed += '-';
    dashed += digits[i];
  }

  for (const auto& called : {digits, dashed}) {
    auto r = invite("uac_redirect.xml", called, {{"expected_contact", kRedirectTarget}});
    EXPECT_TRUE(r.ok()) << "calling " << called << "\n" << r.describe();
  }
}

TEST_F(SipCallTest, AnswersTemporarilyUnavailableForNumberWithoutAgent) {
  startSip();
  auto number = importNumber();

  auto r = expectRejection(number.phoneNumber, 480);

  EXPECT_TRUE(r.ok()) << r.describe();
}

TEST_F(SipCallTest, AnswersNotFoundForNumberNotImported) {
  startSip();
  importNumber(0);

  auto r = expectRejection(s_.numbers.at(1).phoneNumber, 404);

  EXPECT_TRUE(r.ok()) << r.describe();
}

TEST_F(SipCallTest, AnswersOptionsWithAllow) {
  startSip();

  auto r = invite("uac_options.xml", "ping");

  EXPECT_TRUE(r.ok()) << r.describe();
  auto allow = r.logged("allow").value_or("");
  for (const char* method : {"INVITE", "ACK", "BYE", "CANCEL", "OPTIONS"}) {
    EXPECT_THAT(allow, ::testing::HasSubstr(method)) << "Allow:" << allow;
  }
}

// A BYE that belongs to no dialog, from a trusted caller through the real listener: the
// gateway has no call to end and says so (481), rather than forwarding it or refusing it.
TEST_F(SipCallTest, AnswersByeOutsideADialogWith481) {
  startSip();
  auto number = importNumber();
  link(number, createAgent(kRedirectTarget, "redirect"));

  auto r = invite("uac_bye_no_dialog.xml", number.phoneNumber);

  EXPECT_TRUE(r.ok()) << r.describe();
  EXPECT_GE(sipCounter("responsesSentByStatus", "481"), 1u);
  EXPECT_EQ(sipCounter("forwardedRequests"), 0u);
}

// The import answers only after the routing table has the number, so the very next INVITE
// (here: as soon as sipp starts) must find it; and the same after a link.
TEST_F(SipCallTest, RoutesInviteSentRightAfterImportAndLinkResponses) {
  startSip();
  auto number = importNumber();
  auto afterImport = expectRejection(number.phoneNumber, 480);
  auto agentId = createAgent(kRedirectTarget, "redirect");
  link(number, agentId);
  auto afterLink =
      invite("uac_redirect.xml", number.phoneNumber, {{"expected_contact", kRedirectTarget}});

  EXPECT_TRUE(afterImport.ok()) << afterImport.describe();
  EXPECT_TRUE(afterLink.ok()) << afterLink.describe();
}

TEST_F(SipCallTest, AnswersNotFoundAfterLinkedNumberIsDeletedWithForce) {
  startSip();
  auto number = importNumber();
  link(number, createAgent(kRedirectTarget, "redirect"));
  auto path = "/api/v1/providers/twilio/" + s_.providerId + "/phone-numbers/" + number.id;
  ASSERT_EQ(call(gateway(), "DELETE", path).status, 409) << "a linked number needs force";

  auto resp = call(gateway(), "DELETE", path + "?force=true");
  ASSERT_EQ(resp.status, 204) << resp.describe();
  auto r = expectRejection(number.phoneNumber, 404);

  EXPECT_TRUE(r.ok()) << r.describe();
}

TEST_F(SipCallTest, StopsRoutingWhenUnlinkedAndWhenDeleted) {
  startSip();
  auto number = importNumber();
  link(number, createAgent(kRedirectTarget, "redirect"));

  auto unlink = call(gateway(), "DELETE", "/api/v1/sip-phone-numbers/" + number.id + "/agent-link");
  ASSERT_EQ(unlink.status, 204) << unlink.describe();
  auto unlinked = expectRejection(number.phoneNumber, 480);
  auto del = call(gateway(), "DELETE",
                  "/api/v1/providers/twilio/" + s_.providerId + "/phone-numbers/" + number.id);
  ASSERT_EQ(del.status, 204) << del.describe();
  auto deleted = expectRejection(number.phoneNumber, 404);

  EXPECT_TRUE(unlinked.ok()) << unlinked.describe();
  EXPECT_TRUE(deleted.ok()) << deleted.describe();
}

// 127.0.0.1 is neither in --sip-trusted-cidr nor in the provider's allowedAddresses (Twilio's
// ranges by default): the INVITE is refused before anything about the number is revealed,
// although the number is imported and linked.
TEST_F(SipCallTest, ForbidsInviteFromUntrustedSource) {
  startSip(2, "192.0.2.0/24");
  auto number = importNumber();
  link(number, createAgent(kRedirectTarget, "redirect"));

  auto r = expectRejection(number.phoneNumber, 403);

  EXPECT_TRUE(r.ok()) << r.describe();
  EXPECT_GE(sipCounter("aclDenials"), 1u);
  EXPECT_GE(sipCounter("responsesSentByStatus", "403"), 1u);
  auto explain =
      call(gateway(), "GET",
           "/api/v1/routes/explain?to=" + urlEncode(number.phoneNumber) + "&source=" + kCallerIp);
  ASSERT_EQ(explain.status, 200) << explain.describe();
  auto doc = parseJson(explain.body);
  ASSERT_TRUE(doc.HasMember("acl") && doc["acl"].IsObject()) << explain.describe();
  EXPECT_EQ(stringMember(doc["acl"], "decision"), "denied") << explain.describe();
  ASSERT_TRUE(doc.HasMember("sip") && doc["sip"].IsObject()) << explain.describe();
  EXPECT_EQ(intMember(doc["sip"], "status"), 403) << explain.describe();
}

// Root cause: an agent of any org (no number needed) sent a request with a To tag and
// `Route: <sip:GATEWAY;lr>`, and the gateway relayed it to the host and port its
// Request-URI named, over UDP or TCP. Only the gateway's own MAC'd Record-Routes are
// followed now, and only to the dialog's other side.
TEST_F(SipCallTest, AgentCannotUseTheGatewayAsARelay) {
  startSip(2, "192.0.2.0/24");  // the agent's address is known only as an agent's
  uint16_t agentPort = freeSipPort(kAgentIp);
  createAgent("sip:agent@" + std::string(kAgentIp) + ":" + std::to_string(agentPort), "proxy");
  const std::string victim = "127.0.0.4:" + std::to_string(freeSipPort("127.0.0.4"));

  for (const std::string& target : {victim, victim + ";transport=tcp"}) {
    SippOptions o;
    o.scenario = "uac_relay.xml";
    o.remote = sip_;
    o.localIp = kAgentIp;
    o.localPort = agentPort;
    o.timeout = std::chrono::seconds(5);
    o.keys = {{"target", target}};
    auto r = runSipp(o);
    EXPECT_TRUE(r.ok()) << "to " << target << ": " << r.describe();
  }
  EXPECT_EQ(sipCounter("forwardedRequests"), 0u);
  EXPECT_EQ(sipCounter("routeDenials"), 2u);
}

// An agent calling out: a sipp UAC on the agent's own address and port. The gateway knows
// it by that address, checks the caller ID and sends the INVITE to the provider's
// termination URI - through --sip-outbound-proxy, here a sipp UAS playing Twilio's
// termination - and the rest of the call (ACK, BYE) follows its Record-Route.
class SipOutboundTest : public SipCallTest {
 protected:
  static constexpr const char* kTerminationIp = "127.0.0.3";
  static constexpr const char* kCalled = "+12125550100";

  struct AgentCaller {
    std::string agentId;
    uint16_t port = 0;
  };

  // A proxy-mode agent whose URI is 127.0.0.2:<free port>, linked to `number`.
  AgentCaller agentLinkedTo(const Number& number) {
    AgentCaller a;
    a.port = freeSipPort(kAgentIp);
    a.agentId =
        createAgent("sip:agent@" + std::string(kAgentIp) + ":" + std::to_string(a.port), "proxy");
    link(number, a.agentId);
    return a;
  }

  SippOptions fromAgent(const AgentCaller& a, const std::string& scenario,
                        const std::string& callerId) {
    SippOptions o;
    o.scenario = scenario;
    o.remote = sip_;
    o.service = kCalled;
    o.localIp = kAgentIp;
    o.localPort = a.port;
    o.keys = {{"caller_id", callerId}};
    return o;
  }
};

TEST_F(SipOutboundTest, AgentCallWithLinkedNumberAsCallerIdGoesToTheTerminationUri) {
  SippOptions t;
  t.scenario = "uas_answer.xml";
  t.localIp = kTerminationIp;
  SippProcess termination(t);
  termination.waitUntilListening();
  startSip(2, "127.0.0.0/8", {"--sip-outbound-proxy", termination.address()});
  auto number = importNumber();
  auto agent = agentLinkedTo(number);
  auto provider = call(gateway(), "GET", "/api/v1/providers/" + s_.providerId);
  ASSERT_EQ(provider.status, 200) << provider.describe();
  auto terminationUri = stringMember(parseJson(provider.body), "terminationUri");
  ASSERT_TRUE(terminationUri && !terminationUri->empty()) << provider.describe();

  auto caller = runSipp(fromAgent(agent, "uac_call.xml", number.phoneNumber));
  auto answered = termination.wait();

  EXPECT_TRUE(caller.ok()) << caller.describe();
  EXPECT_TRUE(answered.ok()) << answered.describe();
  EXPECT_EQ(answered.logged("invite"),
            std::string("INVITE sip:") + kCalled + "@" + *terminationUri);
}

TEST_F(SipOutboundTest, AgentCallWithCallerIdNotImportedOrNotItsOwnIsForbidden) {
  startSip(2);
  auto linked = importNumber(0);
  auto other = importNumber(1);  // imported, linked to no agent, not the agent's caller ID
  auto agent = agentLinkedTo(linked);

  for (const std::string& callerId : {std::string("+15005550006"), other.phoneNumber}) {
    auto o = fromAgent(agent, "uac_reject.xml", callerId);
    o.keys.emplace_back("expected_status", "403");
    auto r = runSipp(o);
    EXPECT_TRUE(r.ok()) << "caller ID " << callerId << ": " << r.describe();
  }
  EXPECT_GE(sipCounter("responsesSentByStatus", "403"), 2u);
}

// The harness and the scenarios on their own: the caller and agent scenarios complete a
// call when they talk to each other directly, so a failure above is the gateway's.
class SippScenarioTest : public ::testing::TestWithParam<SipTransport> {};

TEST_P(SippScenarioTest, CallerAndAgentScenariosCompleteACallDirectly) {
  SippOptions agentOptions;
  agentOptions.scenario = "uas_answer.xml";
  agentOptions.localIp = kAgentIp;
  agentOptions.transport = GetParam();
  SippProcess agent(agentOptions);
  agent.waitUntilListening();
  SippOptions callerOptions;
  callerOptions.scenario = "uac_call.xml";
  callerOptions.remote = agent.address();
  callerOptions.service = "+14155550100";
  callerOptions.localIp = kCallerIp;
  callerOptions.transport = GetParam();

  auto caller = runSipp(callerOptions);
  auto answered = agent.wait();

  EXPECT_TRUE(caller.ok()) << caller.describe();
  EXPECT_TRUE(answered.ok()) << answered.describe();
  EXPECT_EQ(answered.logged("invite"), "INVITE sip:+14155550100@" + agent.address());
}

INSTANTIATE_TEST_SUITE_P(Transports, SippScenarioTest,
                         ::testing::Values(SipTransport::kUdp, SipTransport::kTcp),
                         [](const auto& info) {
                           return info.param == SipTransport::kUdp ? "Udp" : "Tcp";
                         });

}  // namespace
}  // namespace gw::integration
