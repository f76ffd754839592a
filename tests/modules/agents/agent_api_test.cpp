// Agents CRUD through the handlers: the directory after each change, refused changes.
#include "modules/agents/agent_api.hpp"

#include "tests/modules/agents/module_fixture.hpp"

namespace gw::agents {
namespace {

namespace asio = boost::asio;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::kNumber1;
using testing::kNumber2;
using testing::kOrg;
using testing::parse;
using testing::str;

class AgentApiTest : public testing::ModuleFixture {};

TEST_F(AgentApiTest, CreatedAgentIsInTheDirectoryWhenTheAnswerIsWritten) {
  auto resp = call("POST", "/api/v1/agents",
                   R"({"name":"Desk","sipUri":"sip:desk@10.0.0.5:5070;transport=tcp"})");

  ASSERT_EQ(resp.status, 201) << resp.body;
  auto doc = parse(resp.body);
  std::string id = str(doc, "id");
  EXPECT_TRUE(isUuid(id)) << id;
  EXPECT_EQ(str(doc, "mode"), "proxy");
  EXPECT_EQ(str(doc, "outboundPhoneNumberId"), "<null>");
  bool hasLocation = false;
  for (const auto& h : resp.headers) {
    if (h.name == "Location") hasLocation = h.value == "/api/v1/agents/" + id;
  }
  EXPECT_TRUE(hasLocation);
  auto dir = holder_.load();
  const sip::AgentTarget* t = dir->agent(*parseUuid(id));
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->orgId, kOrg);
  EXPECT_EQ(t->sipUri, "sip:desk@10.0.0.5:5070;transport=tcp");
  EXPECT_THAT(t->addresses, ElementsAre(asio::ip::make_address("10.0.0.5")));
  EXPECT_EQ(t->port, 5070);
  EXPECT_EQ(t->transport, sip::Transport::kTcp);
}

TEST_F(AgentApiTest, RefusedCreateStoresAndPublishesNothing) {
  uint64_t version = holder_.version();

  auto resp = call("POST", "/api/v1/agents", R"({"name":"Desk","sipUri":"sip:desk@host:0"})");

  EXPECT_EQ(resp.status, 400) << resp.body;
  auto txn = store_->read();
  EXPECT_THAT(store_->listAllAgents(txn), IsEmpty());
  EXPECT_EQ(holder_.version(), version);
}

TEST_F(AgentApiTest, DeletingALinkedAgentIsAConflictUntilForcedThenUnlinksItsRoutes) {
  std::string a = createAgent("A", "sip:a@10.0.0.1");
  for (const auto& n : {number1_, number2_}) {
    ASSERT_EQ(call("PUT", "/api/v1/sip-phone-numbers/" + n.id + "/agent-link?agentId=" + a).status,
              200);
  }

  auto refused = call("DELETE", "/api/v1/agents/" + a);
  ASSERT_EQ(refused.status, 409) << refused.body;
  auto doc = parse(refused.body);
  EXPECT_THAT(str(doc, "detail"), ::testing::HasSubstr("2 phone number"));
  std::vector<std::string> linked;
  for (const auto& v : doc["linkedPhoneNumberIds"].GetArray()) linked.push_back(v.GetString());
  EXPECT_THAT(linked, ::testing::UnorderedElementsAre(number1_.id, number2_.id));
  EXPECT_EQ(routedAgent(kNumber1), *parseUuid(a));
  EXPECT_NE(holder_.load()->agent(*parseUuid(a)), nullptr);

  auto forced = call("DELETE", "/api/v1/agents/" + a + "?force=true");
  ASSERT_EQ(forced.status, 204) << forced.body;
  EXPECT_EQ(routedAgent(kNumber1), UuidBytes{});
  EXPECT_EQ(routedAgent(kNumber2), UuidBytes{});
  EXPECT_EQ(holder_.load()->agent(*parseUuid(a)), nullptr);
  EXPECT_EQ(call("GET", "/api/v1/agents/" + a).status, 404);
  auto txn = store_->read();
  EXPECT_EQ(store_->getNumber(txn, number1_.id)->incomingCallsAgentId, "");
}

TEST_F(AgentApiTest, CallerIdMustBeANumberOfTheOrgAndNullClearsIt) {
  auto other = addProvider("org-2");
  auto foreign = addNumber(other, "+14155550199");
  std::string a = createAgent("A", "sip:a@10.0.0.1");

  auto refused = call("PATCH", "/api/v1/agents/" + a,
                      R"({"name":"Renamed","outboundPhoneNumberId":")" + foreign.id + R"("})");
  ASSERT_EQ(refused.status, 400) << refused.body;
  EXPECT_TRUE(parse(refused.body)["errors"].HasMember("outboundPhoneNumberId"));
  EXPECT_EQ(str(parse(call("GET", "/api/v1/agents/" + a).body), "name"), "A");

  auto set =
      call("PATCH", "/api/v1/agents/" + a, R"({"outboundPhoneNumberId":")" + number2_.id + R"("})");
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(str(parse(set.body), "outboundPhoneNumberId"), number2_.id);
  EXPECT_EQ(holder_.load()->agent(*parseUuid(a))->outboundPhoneNumberId, *parseUuid(number2_.id));

  auto cleared = call("PATCH", "/api/v1/agents/" + a, R"({"outboundPhoneNumberId":null})");
  ASSERT_EQ(cleared.status, 200) << cleared.body;
  EXPECT_EQ(str(parse(cleared.body), "outboundPhoneNumberId"), "<null>");
  EXPECT_EQ(holder_.load()->agent(*parseUuid(a))->outboundPhoneNumberId, UuidBytes{});
}

TEST_F(AgentApiTest, PatchedModeAndUriArePublished) {
  std::string a = createAgent("A", "sip:a@10.0.0.1");

  auto resp =
      call("PATCH", "/api/v1/agents/" + a, R"({"mode":"redirect","sipUri":"sip:a@10.0.0.9:5080"})");

  ASSERT_EQ(resp.status, 200) << resp.body;
  const auto* t = holder_.load()->agent(*parseUuid(a));
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->mode, sip::AgentMode::kRedirect);
  EXPECT_EQ(t->sipUri, "sip:a@10.0.0.9:5080");
  EXPECT_THAT(t->addresses, ElementsAre(asio::ip::make_address("10.0.0.9")));
  EXPECT_EQ(t->port, 5080);
}

TEST_F(AgentApiTest, SipsUrisAreOnlyForRedirectMode) {
  uint64_t version = holder_.version();
  auto proxied = call("POST", "/api/v1/agents", R"({"name":"A","sipUri":"sips:a@example.com"})");
  ASSERT_EQ(proxied.status, 400) << proxied.body;
  EXPECT_TRUE(parse(proxied.body)["errors"].HasMember("sipUri"));
  EXPECT_THAT(proxied.body, ::testing::HasSubstr("mode \\\"redirect\\\""));
  EXPECT_EQ(holder_.version(), version);

  auto redirected = call("POST", "/api/v1/agents",
                         R"({"name":"A","sipUri":"sips:a@10.0.0.1","mode":"redirect"})");
  ASSERT_EQ(redirected.status, 201) << redirected.body;
  std::string a = str(parse(redirected.body), "id");

  // Switching it to proxy mode is refused, and names the field that was sent.
  auto toProxy = call("PATCH", "/api/v1/agents/" + a, R"({"mode":"proxy"})");
  ASSERT_EQ(toProxy.status, 400) << toProxy.body;
  EXPECT_TRUE(parse(toProxy.body)["errors"].HasMember("mode"));
  EXPECT_EQ(holder_.load()->agent(*parseUuid(a))->mode, sip::AgentMode::kRedirect);
  // Together with a sip: URI it is fine.
  auto both = call("PATCH", "/api/v1/agents/" + a,
                   R"({"mode":"proxy","sipUri":"sip:a@10.0.0.1;transport=tcp"})");
  ASSERT_EQ(both.status, 200) << both.body;
  EXPECT_EQ(holder_.load()->agent(*parseUuid(a))->mode, sip::AgentMode::kProxy);
  // And back: a sips: URI for a proxy-mode agent is refused on the sipUri field.
  auto toSips = call("PATCH", "/api/v1/agents/" + a, R"({"sipUri":"sips:a@10.0.0.1"})");
  ASSERT_EQ(toSips.status, 400) << toSips.body;
  EXPECT_TRUE(parse(toSips.body)["errors"].HasMember("sipUri"));
}

TEST_F(AgentApiTest, PatchOfAnUnknownAgentIsNotFoundWhateverItsBody) {
  const std::string path = "/api/v1/agents/" + newUuid();
  EXPECT_EQ(call("PATCH", path, R"({"name":"x"})").status, 404);
  EXPECT_EQ(call("PATCH", path, R"({"mode":"sideways"})").status, 404);
  EXPECT_EQ(call("PATCH", "/api/v1/agents/not-a-uuid", R"({"name":"x"})").status, 400);
}

TEST_F(AgentApiTest, AnotherOrgsAgentIsNotFound) {
  std::string a = createAgent("A", "sip:a@10.0.0.1");

  EXPECT_EQ(call("GET", "/api/v1/agents/" + a, std::nullopt, "org-2").status, 404);
  EXPECT_EQ(call("PATCH", "/api/v1/agents/" + a, R"({"name":"x"})", "org-2").status, 404);
  EXPECT_EQ(call("DELETE", "/api/v1/agents/" + a, std::nullopt, "org-2").status, 404);
  auto theirs = parse(call("GET", "/api/v1/agents", std::nullopt, "org-2").body);
  EXPECT_EQ(theirs["totalCount"].GetInt(), 0);
  EXPECT_EQ(str(parse(call("GET", "/api/v1/agents/" + a).body), "name"), "A");
}

TEST_F(AgentApiTest, ListPagesThroughTheOrgsAgents) {
  for (int i = 0; i < 5; ++i) createAgent("A" + std::to_string(i), "sip:a@10.0.0.1");

  auto all = parse(call("GET", "/api/v1/agents").body);
  auto page = parse(call("GET", "/api/v1/agents?skip=3&take=3").body);
  auto beyond = parse(call("GET", "/api/v1/agents?skip=9").body);

  ASSERT_EQ(all["items"].Size(), 5u);
  EXPECT_EQ(page["totalCount"].GetInt(), 5);
  EXPECT_EQ(page["skip"].GetInt(), 3);
  EXPECT_EQ(page["take"].GetInt(), 3);
  ASSERT_EQ(page["items"].Size(), 2u);
  EXPECT_EQ(str(page["items"][0], "id"), str(all["items"][3], "id"));
  EXPECT_EQ(str(page["items"][1], "id"), str(all["items"][4], "id"));
  EXPECT_EQ(beyond["items"].Size(), 0u);
  EXPECT_EQ(call("GET", "/api/v1/agents?take=0").status, 400);
}

}  // namespace
}  // namespace gw::agents
