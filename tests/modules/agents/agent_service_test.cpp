// AgentService called directly, without HTTP: each refusal as the DomainError it returns
// (kInvalid with the field, kNotFound, kConflict with the linked numbers), in the order the
// API documents, and what each accepted change leaves in the store and the routes.
#include "modules/agents/agent_service.hpp"

#include "sip/proxy.hpp"
#include "tests/modules/agents/module_fixture.hpp"

namespace gw::agents {
namespace {

namespace asio = boost::asio;
using admin::Fault;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::kNumber1;
using testing::kOrg;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

class AgentServiceTest : public testing::ModuleFixture {
 protected:
  void SetUp() override {
    ModuleFixture::SetUp();
    service_ = std::make_unique<AgentService>(*ctx_);
  }
  void TearDown() override {
    service_.reset();
    ModuleFixture::TearDown();
  }

  // Runs `op` on the fixture's io_context until it is done.
  template <typename T>
  T run(asio::awaitable<T> op) {
    std::optional<T> out;
    std::exception_ptr error;
    asio::co_spawn(
        io_, [&]() -> asio::awaitable<void> { out.emplace(co_await std::move(op)); },
        [&](std::exception_ptr e) { error = e; });
    io_.restart();
    io_.run();
    if (error) std::rethrow_exception(error);
    return std::move(*out);
  }

  static AgentChanges createBody(const std::string& name, const std::string& sipUri,
                                 const std::string& mode = "proxy") {
    AgentChanges c;
    c.name = name;
    c.sipUri = sipUri;
    c.mode = mode;
    return c;
  }

  store::Agent mustCreate(const std::string& name, const std::string& sipUri) {
    auto created = run(service_->create(kOrg, createBody(name, sipUri)));
    EXPECT_TRUE(created.ok()) << (created.ok() ? "" : created.error().detail);
    return created.ok() ? *created : store::Agent{};
  }

  size_t storedAgents() {
    auto txn = store_->read();
    return store_->listAllAgents(txn).size();
  }

  std::unique_ptr<AgentService> service_;
};

TEST_F(AgentServiceTest, CreateStoresAndPublishesTheAgent) {
  auto c = createBody("Desk", "sip:desk@10.0.0.5:5070");
  c.outboundPhoneNumberId = number1_.id;

  auto created = run(service_->create(kOrg, c));

  ASSERT_TRUE(created.ok()) << created.error().detail;
  EXPECT_TRUE(isUuid(created->id));
  EXPECT_EQ(created->orgId, kOrg);
  EXPECT_EQ(created->mode, "proxy");
  EXPECT_EQ(created->outboundPhoneNumberId, number1_.id);
  EXPECT_NE(holder_.load()->agent(*parseUuid(created->id)), nullptr);
  auto got = service_->get(kOrg, created->id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->agent.name, "Desk");
  EXPECT_EQ(got->inboundPhoneNumberCount, 0u);
}

TEST_F(AgentServiceTest, CreateRefusesAnotherOrgsNumberAsCallerId) {
  auto foreign = addNumber(addProvider("org-2"), "+14155550199");
  auto c = createBody("Desk", "sip:desk@10.0.0.5");
  c.outboundPhoneNumberId = foreign.id;

  auto created = run(service_->create(kOrg, c));

  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().fault, Fault::kInvalid);
  ASSERT_EQ(created.error().fields.size(), 1u);
  EXPECT_EQ(created.error().fields[0].first, "outboundPhoneNumberId");
  EXPECT_THAT(created.error().fields[0].second, HasSubstr("No phone number with id"));
  EXPECT_EQ(storedAgents(), 0u);
}

TEST_F(AgentServiceTest, CreateRefusesASipsUriInProxyMode) {
  auto created = run(service_->create(kOrg, createBody("A", "sips:a@10.0.0.1")));

  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().fault, Fault::kInvalid);
  ASSERT_EQ(created.error().fields.size(), 1u);
  EXPECT_EQ(created.error().fields[0].first, "sipUri");
  EXPECT_EQ(storedAgents(), 0u);
}

TEST_F(AgentServiceTest, CreateAndPatchRefuseAUriOfTheGatewaysOwnListener) {
  sip::ProxyOptions self;
  self.host = "gw.example.com";
  self.listenAddress = asio::ip::make_address("0.0.0.0");
  self.listenPort = 5070;
  ctx_->sipSelf = &self;
  const std::string loop = "sip:a@127.0.0.1:5070";
  auto a = mustCreate("A", "sip:a@10.0.0.1");

  auto created = run(service_->create(kOrg, createBody("B", loop)));
  AgentPatch patch;
  patch.changes.sipUri = loop;
  auto patched = run(service_->patch(kOrg, a.id, patch));
  auto unknown = run(service_->patch(kOrg, newUuid(), patch));

  ASSERT_FALSE(created.ok());
  ASSERT_FALSE(patched.ok());
  ASSERT_FALSE(unknown.ok());
  for (const auto* r : {&created.error(), &patched.error()}) {
    EXPECT_EQ(r->fault, Fault::kInvalid);
    ASSERT_EQ(r->fields.size(), 1u);
    EXPECT_EQ(r->fields[0].first, "sipUri");
    EXPECT_THAT(r->fields[0].second, HasSubstr("own SIP listener"));
  }
  EXPECT_EQ(unknown.error().fault, Fault::kNotFound);
  EXPECT_EQ(service_->get(kOrg, a.id)->agent.sipUri, "sip:a@10.0.0.1");
  ctx_->sipSelf = nullptr;
}

TEST_F(AgentServiceTest, GetFindsOnlyTheOrgsAgentsByUuid) {
  auto a = mustCreate("A", "sip:a@10.0.0.1");

  auto notUuid = service_->get(kOrg, "not-a-uuid");
  auto missing = service_->get(kOrg, newUuid());
  auto foreign = service_->get("org-2", a.id);

  ASSERT_FALSE(notUuid.ok());
  EXPECT_EQ(notUuid.error().fault, Fault::kInvalid);
  EXPECT_THAT(notUuid.error().fields, ElementsAre(Pair("id", "The agent id must be a UUID.")));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().fault, Fault::kNotFound);
  EXPECT_THAT(missing.error().detail, HasSubstr("No agent with id"));
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.error().detail, "No agent with id " + a.id + ".");
}

TEST_F(AgentServiceTest, ListPagesThroughTheOrgsAgents) {
  for (int i = 0; i < 5; ++i) mustCreate("A" + std::to_string(i), "sip:a@10.0.0.1");

  auto all = service_->list(kOrg, 0, 20);
  auto page = service_->list(kOrg, 3, 3);
  auto beyond = service_->list(kOrg, 9, 20);

  ASSERT_EQ(all.items.size(), 5u);
  EXPECT_EQ(page.totalCount, 5u);
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0].agent.id, all.items[3].agent.id);
  EXPECT_THAT(beyond.items, IsEmpty());
  EXPECT_EQ(service_->list("org-2", 0, 20).totalCount, 0u);
}

TEST_F(AgentServiceTest, PatchAppliesTheChangesAndCountsLinkedNumbers) {
  auto a = mustCreate("A", "sip:a@10.0.0.1");
  ASSERT_TRUE(run(service_->link(kOrg, number1_.id, a.id)).ok());
  AgentPatch patch;
  patch.changes.name = "Renamed";
  patch.changes.mode = "redirect";
  patch.changes.outboundPhoneNumberId = number2_.id;

  auto patched = run(service_->patch(kOrg, a.id, patch));

  ASSERT_TRUE(patched.ok()) << patched.error().detail;
  EXPECT_EQ(patched->agent.name, "Renamed");
  EXPECT_EQ(patched->agent.mode, "redirect");
  EXPECT_EQ(patched->inboundPhoneNumberCount, 1u);
  EXPECT_EQ(holder_.load()->agent(*parseUuid(a.id))->mode, sip::AgentMode::kRedirect);
  EXPECT_EQ(service_->get(kOrg, a.id)->agent.outboundPhoneNumberId, number2_.id);
}

TEST_F(AgentServiceTest, PatchFindsTheAgentBeforeReportingTheBodyErrors) {
  auto a = mustCreate("A", "sip:a@10.0.0.1");
  AgentPatch patch;
  patch.errors = {{"mode", "mode must be \"proxy\" or \"redirect\"."}};

  auto notUuid = run(service_->patch(kOrg, "nope", patch));
  auto missing = run(service_->patch(kOrg, newUuid(), patch));
  auto found = run(service_->patch(kOrg, a.id, patch));

  EXPECT_EQ(notUuid.error().fault, Fault::kInvalid);
  EXPECT_EQ(notUuid.error().fields[0].first, "id");
  EXPECT_EQ(missing.error().fault, Fault::kNotFound);
  EXPECT_EQ(found.error().fault, Fault::kInvalid);
  EXPECT_EQ(found.error().fields, patch.errors);
}

TEST_F(AgentServiceTest, PatchBlamesModeWhenOnlyModeMakesTheUriUnusable) {
  auto redirected = run(service_->create(kOrg, createBody("A", "sips:a@10.0.0.1", "redirect")));
  ASSERT_TRUE(redirected.ok());
  AgentPatch toProxy;
  toProxy.changes.mode = "proxy";
  AgentPatch withUri = toProxy;
  withUri.changes.sipUri = "sips:a@10.0.0.2";

  auto modeOnly = run(service_->patch(kOrg, redirected->id, toProxy));
  auto both = run(service_->patch(kOrg, redirected->id, withUri));

  EXPECT_EQ(modeOnly.error().fields[0].first, "mode");
  EXPECT_EQ(both.error().fields[0].first, "sipUri");
  EXPECT_EQ(service_->get(kOrg, redirected->id)->agent.mode, "redirect");
}

TEST_F(AgentServiceTest, RemovingALinkedAgentIsAConflictUntilForced) {
  auto a = mustCreate("A", "sip:a@10.0.0.1");
  for (const auto& n : {number1_, number2_})
    ASSERT_TRUE(run(service_->link(kOrg, n.id, a.id)).ok());

  auto refused = run(service_->remove(kOrg, a.id, false));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().fault, Fault::kConflict);
  EXPECT_THAT(refused.error().detail, HasSubstr("is linked to 2 phone number(s)"));
  ASSERT_TRUE(refused.error().linkedPhoneNumberIds.has_value());
  EXPECT_THAT(*refused.error().linkedPhoneNumberIds,
              UnorderedElementsAre(number1_.id, number2_.id));
  EXPECT_EQ(routedAgent(kNumber1), *parseUuid(a.id));

  EXPECT_TRUE(run(service_->remove(kOrg, a.id, true)).ok());
  EXPECT_EQ(routedAgent(kNumber1), UuidBytes{});
  EXPECT_EQ(service_->get(kOrg, a.id).error().fault, Fault::kNotFound);
  EXPECT_EQ(run(service_->remove(kOrg, a.id, true)).error().fault, Fault::kNotFound);
}

TEST_F(AgentServiceTest, LinkUnlinkAndAffectedAgents) {
  auto a = mustCreate("A", "sip:a@10.0.0.1");

  auto linked = run(service_->link(kOrg, number1_.id, a.id));
  ASSERT_TRUE(linked.ok()) << linked.error().detail;
  EXPECT_EQ(linked->incomingCallsAgentId, a.id);
  EXPECT_EQ(routedAgent(kNumber1), *parseUuid(a.id));
  auto uses = service_->affectedAgents(kOrg, number1_.id);
  ASSERT_TRUE(uses.ok());
  ASSERT_EQ(uses->size(), 1u);
  EXPECT_EQ((*uses)[0].agentId, a.id);
  EXPECT_EQ((*uses)[0].usage, "inbound");

  EXPECT_TRUE(run(service_->unlink(kOrg, number1_.id)).ok());
  EXPECT_EQ(routedAgent(kNumber1), UuidBytes{});
  EXPECT_TRUE(run(service_->unlink(kOrg, number1_.id)).ok());  // nothing to unlink
  EXPECT_THAT(*service_->affectedAgents(kOrg, number1_.id), IsEmpty());
}

TEST_F(AgentServiceTest, LinksNeedTheOrgsNumberAndAgent) {
  auto a = mustCreate("A", "sip:a@10.0.0.1");

  auto unknownAgent = run(service_->link(kOrg, number1_.id, newUuid()));
  auto unknownNumber = run(service_->link(kOrg, newUuid(), a.id));
  auto foreign = run(service_->link("org-2", number1_.id, a.id));
  auto unlinkForeign = run(service_->unlink("org-2", number1_.id));
  auto usesNotUuid = service_->affectedAgents(kOrg, "x");

  EXPECT_EQ(unknownAgent.error().fault, Fault::kNotFound);
  EXPECT_THAT(unknownAgent.error().detail, HasSubstr("No agent with id"));
  EXPECT_EQ(unknownNumber.error().fault, Fault::kNotFound);
  EXPECT_THAT(unknownNumber.error().detail, HasSubstr("No phone number with id"));
  EXPECT_EQ(foreign.error().fault, Fault::kNotFound);
  EXPECT_EQ(unlinkForeign.error().fault, Fault::kNotFound);
  EXPECT_EQ(usesNotUuid.error().fault, Fault::kInvalid);
  EXPECT_THAT(usesNotUuid.error().fields,
              ElementsAre(Pair("id", "The phone number id must be a UUID.")));
  EXPECT_EQ(routedAgent(kNumber1), UuidBytes{});
}

}  // namespace
}  // namespace gw::agents
