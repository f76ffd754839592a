// Agents and their links through the admin API of a real gatewayd: CRUD and validation,
// org isolation, linking and unlinking numbers, the agents a number affects, the 409s that
// protect links on agent, number and provider deletes (and ?force=true), provider updates,
// and persistence across a restart.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <regex>

#include "harness/gateway_fixture.hpp"

namespace gw::integration {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

const std::regex kUuid{"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"};

std::string agentPath(const std::string& id) {
  return "/api/v1/agents/" + id;
}
std::string linkPath(const std::string& numberId) {
  return "/api/v1/sip-phone-numbers/" + numberId + "/agent-link";
}
std::string numberDeletePath(const std::string& providerId, const std::string& numberId) {
  return "/api/v1/providers/twilio/" + providerId + "/phone-numbers/" + numberId;
}

// "<agentId> <name> <usage>" of each entry of an affectedAgents / items array.
std::vector<std::string> usesOf(const rapidjson::Value& arr) {
  std::vector<std::string> out;
  if (!arr.IsArray()) return {"<not an array>"};
  for (const auto& u : arr.GetArray()) {
    out.push_back(stringMember(u, "agentId").value_or("?") + " " +
                  stringMember(u, "name").value_or("?") + " " +
                  stringMember(u, "usage").value_or("?"));
  }
  return out;
}

class AgentsTest : public GatewayTest {
 protected:
  // One provider with `count` imported numbers; numbers_ in the emulator's order.
  Setup startWithImported(int count, GatewayOptions go = {}) {
    auto s = startWithProvider(count, std::move(go));
    auto result = importNumbers(*s.gateway, s.providerId, sidsOf(s.numbers));
    if (result.successCount != count) throw std::runtime_error("import failed");
    std::map<std::string, std::string> idBySid;
    for (const auto& n : allNumbers(*s.gateway)) idBySid[n.phoneNumberSid] = n.id;
    numberIds_.clear();
    for (const auto& n : s.numbers) numberIds_.push_back(idBySid.at(n.sid));
    return s;
  }

  HttpResponse postAgent(GatewayProcess& gw, const std::string& body, Token token = std::nullopt) {
    return call(gw, "POST", "/api/v1/agents", body, std::move(token));
  }
  std::string createAgent(GatewayProcess& gw, const std::string& name, const std::string& sipUri,
                          const std::string& mode = "proxy", Token token = std::nullopt) {
    auto resp = postAgent(gw, objectBody({{"name", name}, {"sipUri", sipUri}, {"mode", mode}}),
                          std::move(token));
    if (resp.status != 201) throw std::runtime_error("creating an agent: " + resp.describe());
    return stringMember(parseJson(resp.body), "id").value_or("");
  }
  rapidjson::Document getAgent(GatewayProcess& gw, const std::string& id) {
    auto resp = call(gw, "GET", agentPath(id));
    if (resp.status != 200) throw std::runtime_error("getting agent: " + resp.describe());
    return parseJson(resp.body);
  }
  HttpResponse link(GatewayProcess& gw, const std::string& numberId, const std::string& agentId,
                    Token token = std::nullopt) {
    return call(gw, "PUT", linkPath(numberId) + "?agentId=" + agentId, std::nullopt,
                std::move(token));
  }
  // incomingCallsAgentId of a number ("" when null).
  std::string linkedAgent(GatewayProcess& gw, const std::string& numberId) {
    auto resp = call(gw, "GET", "/api/v1/sip-phone-numbers/" + numberId);
    if (resp.status != 200) throw std::runtime_error("getting number: " + resp.describe());
    return stringMember(parseJson(resp.body), "incomingCallsAgentId").value_or("");
  }
  // The SIP status routes/explain gives for a number called from a Twilio address.
  int64_t explainStatus(GatewayProcess& gw, const std::string& e164) {
    auto resp =
        call(gw, "GET", "/api/v1/routes/explain?to=" + urlEncode(e164) + "&source=54.172.60.1");
    if (resp.status != 200) throw std::runtime_error("explain: " + resp.describe());
    auto doc = parseJson(resp.body);
    return doc.HasMember("sip") ? intMember(doc["sip"], "status").value_or(-1) : -1;
  }

  std::vector<std::string> numberIds_;
};

TEST_F(AgentsTest, CreatesGetsListsAndPatchesAgents) {
  auto s = startWithProvider(1);

  auto created = postAgent(
      *s.gateway, objectBody({{"name", "Front desk"}, {"sipUri", "sip:desk@10.0.0.5:5070"}}));

  ASSERT_EQ(created.status, 201) << created.describe();
  auto doc = parseJson(created.body);
  std::string id = stringMember(doc, "id").value_or("");
  EXPECT_TRUE(std::regex_match(id, kUuid)) << id;
  EXPECT_EQ(created.header("Location"), agentPath(id));
  EXPECT_EQ(stringMember(doc, "orgId"), "default");
  EXPECT_EQ(stringMember(doc, "name"), "Front desk");
  EXPECT_EQ(stringMember(doc, "sipUri"), "sip:desk@10.0.0.5:5070");
  EXPECT_EQ(stringMember(doc, "mode"), "proxy");
  ASSERT_TRUE(doc.HasMember("outboundPhoneNumberId"));
  EXPECT_TRUE(doc["outboundPhoneNumberId"].IsNull());
  EXPECT_EQ(intMember(doc, "inboundPhoneNumberCount"), 0);
  EXPECT_TRUE(stringMember(doc, "createdTime").has_value());
  EXPECT_TRUE(stringMember(doc, "lastUpdateTime").has_value());

  EXPECT_EQ(stringMember(getAgent(*s.gateway, id), "name"), "Front desk");
  std::string second = createAgent(*s.gateway, "Night line", "sips:night@10.0.0.6", "redirect");
  auto list = call(*s.gateway, "GET", "/api/v1/agents?take=1&skip=1");
  ASSERT_EQ(list.status, 200) << list.describe();
  auto page = parseJson(list.body);
  EXPECT_EQ(intMember(page, "totalCount"), 2);
  EXPECT_EQ(intMember(page, "skip"), 1);
  EXPECT_EQ(intMember(page, "take"), 1);
  ASSERT_EQ(page["items"].Size(), 1u);

  auto patched = call(*s.gateway, "PATCH", agentPath(id),
                      objectBody({{"name", "Reception"}, {"mode", "redirect"}}));
  ASSERT_EQ(patched.status, 200) << patched.describe();
  auto after = getAgent(*s.gateway, id);
  EXPECT_EQ(stringMember(after, "name"), "Reception");
  EXPECT_EQ(stringMember(after, "mode"), "redirect");
  EXPECT_EQ(stringMember(after, "sipUri"), "sip:desk@10.0.0.5:5070");  // not sent: unchanged
  EXPECT_EQ(stringMember(after, "createdTime"), stringMember(doc, "createdTime"));

  EXPECT_EQ(call(*s.gateway, "DELETE", agentPath(second)).status, 204);
  EXPECT_EQ(call(*s.gateway, "GET", agentPath(second)).status, 404);
  EXPECT_EQ(call(*s.gateway, "DELETE", agentPath(second)).status, 404);
}

TEST_F(AgentsTest, RejectsEachInvalidFieldAndChangesNothing) {
  auto s = startWithProvider(1);
  const std::string ok = "sip:agent@10.0.0.5";
  struct Case {
    std::string body;
    std::string field;
  };
  std::vector<Case> cases = {
      {objectBody({{"sipUri", ok}}), "name"},
      {objectBody({{"name", ""}, {"sipUri", ok}}), "name"},
      {objectBody({{"name", std::string(101, 'n')}, {"sipUri", ok}}), "name"},
      {objectBody({{"name", "A"}}), "sipUri"},
      {objectBody({{"name", "A"}, {"sipUri", "tel:+14155550100"}}), "sipUri"},
      {objectBody({{"name", "A"}, {"sipUri", "http://10.0.0.5"}}), "sipUri"},
      {objectBody({{"name", "A"}, {"sipUri", "sip:agent@"}}), "sipUri"},
      {objectBody({{"name", "A"}, {"sipUri", "sip:agent@10.0.0.5:70000"}}), "sipUri"},
      {objectBody({{"name", "A"}, {"sipUri", "sip:agent@10.0.0.5;transport=sctp"}}), "sipUri"},
      {objectBody({{"name", "A"}, {"sipUri", ok}, {"mode", "forward"}}), "mode"},
      {objectBody({{"name", "A"}, {"sipUri", ok}, {"outboundPhoneNumberId", "n1"}}),
       "outboundPhoneNumberId"},
      {objectBody({{"name", "A"}, {"sipUri", ok}, {"outboundPhoneNumberId", randomUuid()}}),
       "outboundPhoneNumberId"},
  };
  for (const auto& c : cases) {
    auto resp = postAgent(*s.gateway, c.body);
    EXPECT_EQ(resp.status, 400) << c.body << ": " << resp.describe();
    if (resp.status == 400) {
      EXPECT_THAT(validationErrorKeys(resp.body), ElementsAre(c.field)) << c.body;
    }
  }
  auto port = postAgent(*s.gateway, objectBody({{"name", "A"}, {"sipUri", "sip:a@10.0.0.5:0"}}));
  EXPECT_THAT(port.body, HasSubstr("1 to 65535"));
  auto scheme = postAgent(*s.gateway, objectBody({{"name", "A"}, {"sipUri", "10.0.0.5"}}));
  EXPECT_THAT(scheme.body, HasSubstr("must start with sip: or sips:"));
  EXPECT_EQ(intMember(parseJson(call(*s.gateway, "GET", "/api/v1/agents").body), "totalCount"), 0);

  std::string id = createAgent(*s.gateway, "A", ok);
  auto before = call(*s.gateway, "GET", agentPath(id)).body;
  for (const std::string body :
       {R"({"name":"B","sipUri":"sip:b@10.0.0.6:0"})", R"({"name":null})", R"({"mode":"x"})",
        R"({"name":"B","outboundPhoneNumberId":"not-a-uuid"})"}) {
    auto resp = call(*s.gateway, "PATCH", agentPath(id), body);
    EXPECT_EQ(resp.status, 400) << body << ": " << resp.describe();
  }
  EXPECT_EQ(call(*s.gateway, "GET", agentPath(id)).body, before);
  EXPECT_EQ(call(*s.gateway, "GET", agentPath("agent-1")).status, 400);
}

// Root cause: an agent sipUri naming the gateway's own SIP listener was accepted, and the
// proxy then sent every INVITE for the agent's numbers back to itself (over TCP, 59 times,
// until the header limit). Refused on create and PATCH, in both modes, by address or name.
TEST_F(AgentsTest, RefusesAgentUriPointingAtTheGatewaysOwnListener) {
  GatewayOptions go;
  go.publicSipUri.reset();  // advertised = bound: 127.0.0.1 and the port it picked
  auto s = startWithProvider(1, go);
  const std::string port = std::to_string(s.gateway->sipAddress().port);
  const std::vector<std::string> selves = {"sip:agent@127.0.0.1:" + port,
                                           "sip:+14155550100@127.0.0.1:" + port + ";transport=tcp",
                                           "sip:agent@localhost:" + port + ";transport=tcp"};
  for (const auto& uri : selves) {
    for (const char* mode : {"proxy", "redirect"}) {
      auto resp =
          postAgent(*s.gateway, objectBody({{"name", "A"}, {"sipUri", uri}, {"mode", mode}}));
      EXPECT_EQ(resp.status, 400) << uri << " " << mode << ": " << resp.describe();
      if (resp.status != 400) continue;
      EXPECT_THAT(validationErrorKeys(resp.body), ElementsAre("sipUri")) << uri;
      EXPECT_THAT(resp.body, HasSubstr("own SIP listener")) << uri;
    }
  }
  EXPECT_EQ(intMember(parseJson(call(*s.gateway, "GET", "/api/v1/agents").body), "totalCount"), 0);

  // Another loopback address on the same port is another host.
  std::string id = createAgent(*s.gateway, "A", "sip:agent@127.0.0.2:" + port);
  auto before = call(*s.gateway, "GET", agentPath(id)).body;
  for (const auto& uri : selves) {
    auto resp = call(*s.gateway, "PATCH", agentPath(id), objectBody({{"sipUri", uri}}));
    EXPECT_EQ(resp.status, 400) << uri << ": " << resp.describe();
    EXPECT_THAT(validationErrorKeys(resp.body), ElementsAre("sipUri")) << uri;
  }
  EXPECT_EQ(call(*s.gateway, "GET", agentPath(id)).body, before);
}

TEST_F(AgentsTest, AnotherOrgsAgentAnswers404) {
  std::string otherToken = randomAdminToken();
  GatewayOptions go;
  go.tokensFile = writeTokensFile({{otherToken, "org-b"}});
  auto s = startWithImported(1, go);
  std::string mine = createAgent(*s.gateway, "Mine", "sip:mine@10.0.0.5");
  std::string theirs =
      createAgent(*s.gateway, "Theirs", "sip:theirs@10.0.0.6", "proxy", otherToken);

  EXPECT_EQ(call(*s.gateway, "GET", agentPath(mine), std::nullopt, otherToken).status, 404);
  EXPECT_EQ(
      call(*s.gateway, "PATCH", agentPath(mine), objectBody({{"name", "x"}}), otherToken).status,
      404);
  EXPECT_EQ(call(*s.gateway, "DELETE", agentPath(mine), std::nullopt, otherToken).status, 404);
  auto foreignLink = link(*s.gateway, numberIds_[0], theirs);
  EXPECT_EQ(foreignLink.status, 404) << foreignLink.describe();
  EXPECT_THAT(foreignLink.body, HasSubstr(theirs));
  EXPECT_EQ(link(*s.gateway, numberIds_[0], mine, otherToken).status, 404);  // not their number
  auto list = parseJson(call(*s.gateway, "GET", "/api/v1/agents", std::nullopt, otherToken).body);
  EXPECT_EQ(intMember(list, "totalCount"), 1);
  EXPECT_EQ(stringMember(list["items"][0], "id"), theirs);
  EXPECT_EQ(stringMember(getAgent(*s.gateway, mine), "name"), "Mine");
  EXPECT_EQ(linkedAgent(*s.gateway, numberIds_[0]), "");
}

TEST_F(AgentsTest, LinksReplacesAndUnlinksTheInboundAgent) {
  auto s = startWithImported(2);
  std::string a = createAgent(*s.gateway, "A", "sip:a@10.0.0.5");
  std::string b = createAgent(*s.gateway, "B", "sip:b@10.0.0.6", "redirect");

  auto linked = link(*s.gateway, numberIds_[0], a);
  ASSERT_EQ(linked.status, 200) << linked.describe();
  auto doc = parseJson(linked.body);
  EXPECT_EQ(stringMember(doc, "id"), numberIds_[0]);
  EXPECT_EQ(stringMember(doc, "incomingCallsAgentId"), a);
  EXPECT_EQ(linkedAgent(*s.gateway, numberIds_[0]), a);
  EXPECT_EQ(intMember(getAgent(*s.gateway, a), "inboundPhoneNumberCount"), 1);
  EXPECT_EQ(listNumbers(*s.gateway, "linkedAgentId=" + a).totalCount, 1);
  EXPECT_EQ(listNumbers(*s.gateway, "unlinkedOnly=true").totalCount, 1);
  EXPECT_EQ(explainStatus(*s.gateway, s.numbers[0].phoneNumber), 100);  // proxied

  auto replaced =
      call(*s.gateway, "PUT", linkPath(numberIds_[0]) + "?agentId=" + b + "&mode=inbound");
  ASSERT_EQ(replaced.status, 200) << replaced.describe();
  EXPECT_EQ(linkedAgent(*s.gateway, numberIds_[0]), b);
  EXPECT_EQ(intMember(getAgent(*s.gateway, a), "inboundPhoneNumberCount"), 0);
  EXPECT_EQ(intMember(getAgent(*s.gateway, b), "inboundPhoneNumberCount"), 1);
  EXPECT_EQ(explainStatus(*s.gateway, s.numbers[0].phoneNumber), 302);

  EXPECT_EQ(call(*s.gateway, "DELETE", linkPath(numberIds_[0])).status, 204);
  EXPECT_EQ(linkedAgent(*s.gateway, numberIds_[0]), "");
  EXPECT_EQ(explainStatus(*s.gateway, s.numbers[0].phoneNumber), 480);
  EXPECT_EQ(call(*s.gateway, "DELETE", linkPath(numberIds_[0])).status, 204);  // idempotent
  EXPECT_EQ(call(*s.gateway, "DELETE", linkPath(randomUuid())).status, 404);
}

TEST_F(AgentsTest, RefusedLinksChangeNothing) {
  auto s = startWithImported(1);
  std::string a = createAgent(*s.gateway, "A", "sip:a@10.0.0.5");
  std::string ghost = randomUuid();

  auto unknownAgent = link(*s.gateway, numberIds_[0], ghost);
  auto unknownNumber = link(*s.gateway, randomUuid(), a);
  auto badMode =
      call(*s.gateway, "PUT", linkPath(numberIds_[0]) + "?agentId=" + a + "&mode=outbound");
  auto noAgent = call(*s.gateway, "PUT", linkPath(numberIds_[0]));
  auto badAgent = link(*s.gateway, numberIds_[0], "agent-1");

  EXPECT_EQ(unknownAgent.status, 404) << unknownAgent.describe();
  EXPECT_THAT(unknownAgent.body, HasSubstr(ghost));
  EXPECT_EQ(unknownNumber.status, 404) << unknownNumber.describe();
  EXPECT_EQ(badMode.status, 400) << badMode.describe();
  EXPECT_THAT(validationErrorKeys(badMode.body), ElementsAre("mode"));
  EXPECT_EQ(noAgent.status, 400) << noAgent.describe();
  EXPECT_THAT(validationErrorKeys(noAgent.body), ElementsAre("agentId"));
  EXPECT_EQ(badAgent.status, 400) << badAgent.describe();
  EXPECT_EQ(linkedAgent(*s.gateway, numberIds_[0]), "");
}

TEST_F(AgentsTest, ListsTheAgentsANumberAffects) {
  auto s = startWithImported(2);
  std::string a = createAgent(*s.gateway, "Inbound", "sip:a@10.0.0.5");
  std::string b = createAgent(*s.gateway, "Caller", "sip:b@10.0.0.6");
  ASSERT_EQ(link(*s.gateway, numberIds_[0], a).status, 200);
  auto patched = call(*s.gateway, "PATCH", agentPath(b),
                      objectBody({{"outboundPhoneNumberId", numberIds_[0]}}));
  ASSERT_EQ(patched.status, 200) << patched.describe();
  EXPECT_EQ(stringMember(parseJson(patched.body), "outboundPhoneNumberId"), numberIds_[0]);

  auto used =
      call(*s.gateway, "GET", "/api/v1/sip-phone-numbers/" + numberIds_[0] + "/affected-agents");
  auto unused =
      call(*s.gateway, "GET", "/api/v1/sip-phone-numbers/" + numberIds_[1] + "/affected-agents");

  ASSERT_EQ(used.status, 200) << used.describe();
  auto doc = parseJson(used.body);
  EXPECT_EQ(intMember(doc, "totalCount"), 2);
  EXPECT_THAT(usesOf(doc["items"]), ElementsAre(a + " Inbound inbound", b + " Caller outbound"));
  ASSERT_EQ(unused.status, 200) << unused.describe();
  EXPECT_EQ(intMember(parseJson(unused.body), "totalCount"), 0);
  EXPECT_EQ(
      call(*s.gateway, "GET", "/api/v1/sip-phone-numbers/" + randomUuid() + "/affected-agents")
          .status,
      404);

  auto cleared = call(*s.gateway, "PATCH", agentPath(b), R"({"outboundPhoneNumberId":null})");
  ASSERT_EQ(cleared.status, 200) << cleared.describe();
  auto again = parseJson(
      call(*s.gateway, "GET", "/api/v1/sip-phone-numbers/" + numberIds_[0] + "/affected-agents")
          .body);
  EXPECT_THAT(usesOf(again["items"]), ElementsAre(a + " Inbound inbound"));
}

TEST_F(AgentsTest, DeletingALinkedAgentIsAConflictUntilForced) {
  auto s = startWithImported(3);
  std::string a = createAgent(*s.gateway, "A", "sip:a@10.0.0.5");
  ASSERT_EQ(link(*s.gateway, numberIds_[0], a).status, 200);
  ASSERT_EQ(link(*s.gateway, numberIds_[1], a).status, 200);

  auto refused = call(*s.gateway, "DELETE", agentPath(a));

  ASSERT_EQ(refused.status, 409) << refused.describe();
  EXPECT_THAT(refused.header("Content-Type").value_or(""), HasSubstr("application/problem+json"));
  auto problem = parseJson(refused.body);
  EXPECT_THAT(stringMember(problem, "detail").value_or(""), HasSubstr("2 phone number"));
  std::vector<std::string> linked;
  for (const auto& v : problem["linkedPhoneNumberIds"].GetArray()) linked.push_back(v.GetString());
  EXPECT_THAT(linked, UnorderedElementsAre(numberIds_[0], numberIds_[1]));
  EXPECT_EQ(linkedAgent(*s.gateway, numberIds_[0]), a);
  EXPECT_EQ(explainStatus(*s.gateway, s.numbers[0].phoneNumber), 100);
  EXPECT_EQ(call(*s.gateway, "DELETE", agentPath(a) + "?force=maybe").status, 400);

  auto forced = call(*s.gateway, "DELETE", agentPath(a) + "?force=true");

  ASSERT_EQ(forced.status, 204) << forced.describe();
  EXPECT_EQ(call(*s.gateway, "GET", agentPath(a)).status, 404);
  EXPECT_EQ(linkedAgent(*s.gateway, numberIds_[0]), "");
  EXPECT_EQ(linkedAgent(*s.gateway, numberIds_[1]), "");
  EXPECT_EQ(listNumbers(*s.gateway, "unlinkedOnly=true").totalCount, 3);
  EXPECT_EQ(explainStatus(*s.gateway, s.numbers[0].phoneNumber), 480);
}

TEST_F(AgentsTest, DeletingANumberAgentsUseIsAConflictUntilForced) {
  auto s = startWithImported(2);
  std::string trunk = providerTrunk(*s.gateway, s.providerId);
  std::string a = createAgent(*s.gateway, "Inbound", "sip:a@10.0.0.5");
  std::string b = createAgent(*s.gateway, "Caller", "sip:b@10.0.0.6");
  ASSERT_EQ(link(*s.gateway, numberIds_[0], a).status, 200);
  ASSERT_EQ(call(*s.gateway, "PATCH", agentPath(b),
                 objectBody({{"outboundPhoneNumberId", numberIds_[0]}}))
                .status,
            200);
  auto before = snapshot(*s.gateway, *s.emulator, {s.account});

  auto refused = call(*s.gateway, "DELETE", numberDeletePath(s.providerId, numberIds_[0]));

  ASSERT_EQ(refused.status, 409) << refused.describe();
  auto problem = parseJson(refused.body);
  EXPECT_THAT(usesOf(problem["affectedAgents"]),
              ElementsAre(a + " Inbound inbound", b + " Caller outbound"));
  EXPECT_EQ(snapshot(*s.gateway, *s.emulator, {s.account}), before);  // Twilio untouched too

  auto forced =
      call(*s.gateway, "DELETE", numberDeletePath(s.providerId, numberIds_[0]) + "?force=true");

  ASSERT_EQ(forced.status, 204) << forced.describe();
  EXPECT_EQ(call(*s.gateway, "GET", "/api/v1/sip-phone-numbers/" + numberIds_[0]).status, 404);
  EXPECT_THAT(sidsOnTrunk(s.emulator->numbers(s.account.sid), trunk),
              ElementsAre(s.numbers[1].sid));
  auto caller = getAgent(*s.gateway, b);
  ASSERT_TRUE(caller.HasMember("outboundPhoneNumberId"));
  EXPECT_TRUE(caller["outboundPhoneNumberId"].IsNull());
  EXPECT_EQ(intMember(getAgent(*s.gateway, a), "inboundPhoneNumberCount"), 0);
  EXPECT_EQ(explainStatus(*s.gateway, s.numbers[0].phoneNumber), 404);
  // An unused number needs no force.
  EXPECT_EQ(call(*s.gateway, "DELETE", numberDeletePath(s.providerId, numberIds_[1])).status, 204);
}

TEST_F(AgentsTest, DeletingAProviderWhoseNumbersAgentsUseIsAConflictUntilForced) {
  auto s = startWithImported(2);
  std::string a = createAgent(*s.gateway, "A", "sip:a@10.0.0.5");
  ASSERT_EQ(link(*s.gateway, numberIds_[1], a).status, 200);
  ASSERT_EQ(call(*s.gateway, "PATCH", agentPath(a),
                 objectBody({{"outboundPhoneNumberId", numberIds_[0]}}))
                .status,
            200);
  std::string trunk = providerTrunk(*s.gateway, s.providerId);

  auto refused = call(*s.gateway, "DELETE", "/api/v1/providers/" + s.providerId);

  ASSERT_EQ(refused.status, 409) << refused.describe();
  EXPECT_THAT(usesOf(parseJson(refused.body)["affectedAgents"]),
              UnorderedElementsAre(a + " A outbound", a + " A inbound"));
  EXPECT_EQ(s.emulator->trunkStatus(s.account, trunk), 200);
  EXPECT_EQ(allNumbers(*s.gateway).size(), 2u);

  auto forced = call(*s.gateway, "DELETE", "/api/v1/providers/" + s.providerId + "?force=true");

  ASSERT_EQ(forced.status, 204) << forced.describe();
  EXPECT_EQ(call(*s.gateway, "GET", "/api/v1/providers/" + s.providerId).status, 404);
  EXPECT_THAT(allNumbers(*s.gateway), IsEmpty());
  auto agent = getAgent(*s.gateway, a);
  EXPECT_TRUE(agent["outboundPhoneNumberId"].IsNull());
  EXPECT_EQ(intMember(agent, "inboundPhoneNumberCount"), 0);
  EXPECT_EQ(explainStatus(*s.gateway, s.numbers[1].phoneNumber), 403);  // no provider allows it
}

TEST_F(AgentsTest, ProviderCreateTakesAllowedAddressesAndDefaultsToTwilios) {
  auto first = randomAccount();
  auto second = randomAccount();
  EmulatorOptions eo;
  eo.accounts = {first, second};
  startEmulator(eo);
  auto& gw = startGateway();

  auto bad = call(gw, "POST", "/api/v1/providers/twilio",
                  R"({"accountSid":")" + first.sid + R"(","authToken":")" + first.token +
                      R"(","allowedAddresses":["10.0.0.1/8","203.0.113.0/24"]})");
  auto custom = call(gw, "POST", "/api/v1/providers/twilio",
                     R"({"accountSid":")" + first.sid + R"(","authToken":")" + first.token +
                         R"(","allowedAddresses":["203.0.113.7","2001:DB8::/32"]})");
  std::string defaulted = createProvider(gw, second);

  EXPECT_EQ(bad.status, 400) << bad.describe();
  EXPECT_THAT(validationErrorKeys(bad.body), ElementsAre("allowedAddresses[0]"));
  ASSERT_EQ(custom.status, 201) << custom.describe();
  std::vector<std::string> cidrs;
  // The document must outlive the loop: a temporary's array would dangle (ASan saw it).
  const auto customBody = parseJson(custom.body);
  for (const auto& v : customBody["allowedAddresses"].GetArray()) cidrs.push_back(v.GetString());
  EXPECT_THAT(cidrs, ElementsAre("203.0.113.7/32", "2001:db8::/32"));
  auto d = getProvider(gw, defaulted);
  ASSERT_TRUE(d["allowedAddresses"].IsArray());
  EXPECT_EQ(d["allowedAddresses"].Size(), 8u);
  EXPECT_EQ(std::string(d["allowedAddresses"][0].GetString()), "54.172.60.0/30");
}

TEST_F(AgentsTest, PutProviderChangesOnlyTheFieldsSent) {
  auto s = startWithImported(1);
  auto before = getProvider(*s.gateway, s.providerId);
  const std::string path = "/api/v1/providers/twilio/" + s.providerId;

  auto renamed = call(*s.gateway, "PUT", path, objectBody({{"name", "Renamed"}}));
  ASSERT_EQ(renamed.status, 200) << renamed.describe();
  auto after = getProvider(*s.gateway, s.providerId);
  EXPECT_EQ(stringMember(after, "name"), "Renamed");
  EXPECT_EQ(stringMember(after, "region"), stringMember(before, "region"));
  EXPECT_EQ(stringMember(after, "trunkSid"), stringMember(before, "trunkSid"));
  EXPECT_EQ(after["allowedAddresses"].Size(), before["allowedAddresses"].Size());
  EXPECT_EQ(intMember(after, "phoneNumberCount"), 1);

  auto changed = call(*s.gateway, "PUT", path,
                      R"({"region":"ie1","supportsCallTransfer":true,
                          "allowedAddresses":["198.51.100.0/24"]})");
  ASSERT_EQ(changed.status, 200) << changed.describe();
  auto doc = parseJson(changed.body);
  EXPECT_EQ(stringMember(doc, "name"), "Renamed");
  EXPECT_EQ(stringMember(doc, "region"), "ie1");
  EXPECT_TRUE(doc["supportsCallTransfer"].GetBool());
  ASSERT_EQ(doc["allowedAddresses"].Size(), 1u);
  // The SIP side follows at once: Twilio's ranges no longer call in, the new one does.
  EXPECT_EQ(explainStatus(*s.gateway, s.numbers[0].phoneNumber), 403);
  auto fromNew = call(
      *s.gateway, "GET",
      "/api/v1/routes/explain?to=" + urlEncode(s.numbers[0].phoneNumber) + "&source=198.51.100.9");
  EXPECT_THAT(fromNew.body, HasSubstr(R"("match":"198.51.100.0/24")"));

  auto unchanged = getProvider(*s.gateway, s.providerId);
  for (const std::string body :
       {R"({"allowedAddresses":["not-an-ip"]})", R"({"allowedAddresses":[]})",
        R"({"region":"mars"})", R"({"name":""})", R"({"name":"  "})", R"({"accountSid":"AC0"})",
        R"({"terminationUri":"x.pstn.twilio.com"})", R"({"supportsCallTransfer":"yes"})"}) {
    auto resp = call(*s.gateway, "PUT", path, body);
    EXPECT_EQ(resp.status, 400) << body << ": " << resp.describe();
  }
  EXPECT_EQ(stringMember(getProvider(*s.gateway, s.providerId), "lastUpdateTime"),
            stringMember(unchanged, "lastUpdateTime"));
  EXPECT_EQ(call(*s.gateway, "PUT", "/api/v1/providers/twilio/" + randomUuid(),
                 objectBody({{"name", "x"}}))
                .status,
            404);
}

TEST_F(AgentsTest, KeepsAgentsLinksAndCallerIdsAcrossRestart) {
  GatewayOptions go;
  go.storeSync = true;
  // No verification at start-up: it would move the provider's lastVerifiedAt, and the
  // provider must come back exactly as it was stored.
  go.extraArgs = {"--verify-interval", "0"};
  auto s = startWithImported(2, go);
  std::string a = createAgent(*s.gateway, "Desk", "sip:desk@10.0.0.5:5070", "redirect");
  ASSERT_EQ(link(*s.gateway, numberIds_[0], a).status, 200);
  ASSERT_EQ(call(*s.gateway, "PATCH", agentPath(a),
                 objectBody({{"outboundPhoneNumberId", numberIds_[1]}}))
                .status,
            200);
  ASSERT_EQ(call(*s.gateway, "PUT", "/api/v1/providers/twilio/" + s.providerId,
                 R"({"allowedAddresses":["54.172.60.0/30","198.51.100.0/24"]})")
                .status,
            200);
  auto agentBefore = call(*s.gateway, "GET", agentPath(a)).body;
  auto providerBefore = call(*s.gateway, "GET", "/api/v1/providers/" + s.providerId).body;

  auto stopped = s.gateway->stop();
  ASSERT_TRUE(stopped && stopped->clean()) << (stopped ? stopped->describe() : "still running");
  s.gateway->start();

  EXPECT_EQ(call(*s.gateway, "GET", agentPath(a)).body, agentBefore);
  EXPECT_EQ(call(*s.gateway, "GET", "/api/v1/providers/" + s.providerId).body, providerBefore);
  EXPECT_EQ(linkedAgent(*s.gateway, numberIds_[0]), a);
  // The routing table and directory were rebuilt from the store.
  auto explained = call(
      *s.gateway, "GET",
      "/api/v1/routes/explain?to=" + urlEncode(s.numbers[0].phoneNumber) + "&source=198.51.100.1");
  ASSERT_EQ(explained.status, 200) << explained.describe();
  auto doc = parseJson(explained.body);
  EXPECT_EQ(stringMember(doc, "action"), "redirect");
  EXPECT_EQ(stringMember(doc["sip"], "contact"), "<sip:desk@10.0.0.5:5070>");
}

}  // namespace
}  // namespace gw::integration
