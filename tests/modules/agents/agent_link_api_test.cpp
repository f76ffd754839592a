// Number-to-agent links through the handlers: the route after each change, and the
// conflicts agents cause for number and provider deletes.
#include "modules/agents/agent_link_api.hpp"

#include <cctype>

#include "tests/modules/agents/module_fixture.hpp"

namespace gw::agents {
namespace {

namespace asio = boost::asio;
using testing::kNumber1;
using testing::kNumber2;
using testing::kOrg;
using testing::parse;
using testing::str;

class AgentLinkApiTest : public testing::ModuleFixture {};

TEST_F(AgentLinkApiTest, LinkingSetsTheRouteBeforeTheAnswerAndReplacesThePreviousAgent) {
  std::string a = createAgent("A", "sip:a@10.0.0.1");
  std::string b = createAgent("B", "sip:b@10.0.0.2");
  const std::string link = "/api/v1/sip-phone-numbers/" + number1_.id + "/agent-link";

  auto first = call("PUT", link + "?agentId=" + a);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(str(parse(first.body), "incomingCallsAgentId"), a);
  EXPECT_EQ(routedAgent(kNumber1), *parseUuid(a));

  auto second = call("PUT", link + "?agentId=" + b + "&mode=inbound");
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(routedAgent(kNumber1), *parseUuid(b));
  EXPECT_EQ(parse(call("GET", "/api/v1/agents/" + a).body)["inboundPhoneNumberCount"].GetInt(), 0);
  EXPECT_EQ(parse(call("GET", "/api/v1/agents/" + b).body)["inboundPhoneNumberCount"].GetInt(), 1);

  EXPECT_EQ(call("DELETE", link).status, 204);
  EXPECT_EQ(routedAgent(kNumber1), UuidBytes{});
  EXPECT_EQ(call("DELETE", link).status, 204);  // idempotent
}

// Ids are UUIDs and are accepted in any case: stored and answered in lower case. An
// upper-case id used to answer 404, and an upper-case caller ID was refused.
TEST_F(AgentLinkApiTest, IdsAreAcceptedInAnyCase) {
  auto upper = [](std::string id) {
    for (char& c : id) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return id;
  };
  std::string a = createAgent("A", "sip:a@10.0.0.1");
  ASSERT_NE(upper(a), a);
  EXPECT_EQ(call("GET", "/api/v1/agents/" + upper(a)).status, 200);

  auto linked = call(
      "PUT", "/api/v1/sip-phone-numbers/" + upper(number1_.id) + "/agent-link?agentId=" + upper(a));
  ASSERT_EQ(linked.status, 200) << linked.body;
  EXPECT_EQ(str(parse(linked.body), "incomingCallsAgentId"), a);
  EXPECT_EQ(routedAgent(kNumber1), *parseUuid(a));

  auto patched = call("PATCH", "/api/v1/agents/" + upper(a),
                      R"({"outboundPhoneNumberId":")" + upper(number2_.id) + R"("})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(str(parse(patched.body), "outboundPhoneNumberId"), number2_.id);
  auto uses = call("GET", "/api/v1/sip-phone-numbers/" + upper(number2_.id) + "/affected-agents");
  ASSERT_EQ(uses.status, 200) << uses.body;
  EXPECT_EQ(parse(uses.body)["totalCount"].GetInt(), 1);
  EXPECT_EQ(
      call("DELETE", "/api/v1/sip-phone-numbers/" + upper(number1_.id) + "/agent-link").status,
      204);
  EXPECT_EQ(routedAgent(kNumber1), UuidBytes{});
}

TEST_F(AgentLinkApiTest, RefusedLinksChangeNothing) {
  std::string a = createAgent("A", "sip:a@10.0.0.1");
  const std::string link = "/api/v1/sip-phone-numbers/" + number1_.id + "/agent-link";

  auto unknownAgent = call("PUT", link + "?agentId=" + std::string(newUuid()));
  auto badMode = call("PUT", link + "?agentId=" + a + "&mode=outbound");
  auto noAgent = call("PUT", link);
  auto otherOrg = call("PUT", link + "?agentId=" + a, std::nullopt, "org-2");

  EXPECT_EQ(unknownAgent.status, 404) << unknownAgent.body;
  EXPECT_THAT(str(parse(unknownAgent.body), "detail"), ::testing::HasSubstr("No agent with id"));
  EXPECT_EQ(badMode.status, 400) << badMode.body;
  EXPECT_TRUE(parse(badMode.body)["errors"].HasMember("mode"));
  EXPECT_EQ(noAgent.status, 400) << noAgent.body;
  EXPECT_TRUE(parse(noAgent.body)["errors"].HasMember("agentId"));
  EXPECT_EQ(otherOrg.status, 404) << otherOrg.body;
  EXPECT_EQ(routedAgent(kNumber1), UuidBytes{});
}

TEST_F(AgentLinkApiTest, NumberAndProviderDeletesAreConflictsWhileAgentsUseTheNumber) {
  std::string a = createAgent("Inbound", "sip:a@10.0.0.1");
  std::string b = createAgent("Caller", "sip:b@10.0.0.2");
  ASSERT_EQ(
      call("PUT", "/api/v1/sip-phone-numbers/" + number1_.id + "/agent-link?agentId=" + a).status,
      200);
  ASSERT_EQ(
      call("PATCH", "/api/v1/agents/" + b, R"({"outboundPhoneNumberId":")" + number1_.id + R"("})")
          .status,
      200);

  auto affected = call("GET", "/api/v1/sip-phone-numbers/" + number1_.id + "/affected-agents");
  auto numberDelete =
      call("DELETE", "/api/v1/providers/twilio/" + provider_.id + "/phone-numbers/" + number1_.id);
  auto providerDelete = call("DELETE", "/api/v1/providers/" + provider_.id);

  ASSERT_EQ(affected.status, 200) << affected.body;
  auto doc = parse(affected.body);
  EXPECT_EQ(doc["totalCount"].GetInt(), 2);
  EXPECT_EQ(str(doc["items"][0], "agentId"), a);
  EXPECT_EQ(str(doc["items"][0], "usage"), "inbound");
  EXPECT_EQ(str(doc["items"][1], "agentId"), b);
  EXPECT_EQ(str(doc["items"][1], "name"), "Caller");
  EXPECT_EQ(str(doc["items"][1], "usage"), "outbound");
  for (const auto* resp : {&numberDelete, &providerDelete}) {
    ASSERT_EQ(resp->status, 409) << resp->body;
    auto problem = parse(resp->body);
    ASSERT_TRUE(problem["affectedAgents"].IsArray()) << resp->body;
    EXPECT_EQ(problem["affectedAgents"].Size(), 2u);
  }
  // Refused before Twilio was asked anything, and nothing changed locally.
  EXPECT_EQ(twilio_->stats().requests, 0u);
  auto txn = store_->read();
  EXPECT_TRUE(store_->getNumber(txn, number1_.id).has_value());
  EXPECT_TRUE(store_->getProvider(txn, provider_.id).has_value());
  EXPECT_EQ(store_->getAgent(txn, b)->outboundPhoneNumberId, number1_.id);
}

}  // namespace
}  // namespace gw::agents
