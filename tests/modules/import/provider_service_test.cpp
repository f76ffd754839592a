// The provider service without HTTP, against an in-memory Twilio (FakeTwilio): each domain
// error it answers, and what create, update, delete and the available numbers leave behind.
#include "modules/import/provider_service.hpp"

#include <cstdio>
#include <functional>
#include <map>
#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include "common/uuid.hpp"
#include "store/store.hpp"
#include "tests/modules/admin/admin_stack.hpp"
#include "tests/modules/import/fake_twilio.hpp"

namespace gw::import {
namespace {

namespace asio = boost::asio;
using admin::Fault;

const std::string kAccount = "AC" + std::string(32, 'a');
const std::string kToken = std::string(32, 'f');
const std::string kOrg = "org-1";

std::string sidOf(int i) {
  char sid[35];
  std::snprintf(sid, sizeof sid, "PN%032x", i);
  return sid;
}

twilio::TwilioError unavailable() {
  return twilio::TwilioError{503, 20500, "Service Unavailable", {}};
}

// FakeTwilio with failures scripted for the operations it cannot fail on its own, and a
// record of the calls made, in order.
class ScriptedTwilio final : public twilio::Api {
 public:
  explicit ScriptedTwilio(testing::FakeTwilio& fake) : fake_(fake) {}

  std::map<std::string, std::function<std::optional<twilio::TwilioError>()>> fail;
  std::vector<std::string> calls;

  size_t concurrency() const override { return 1; }
  asio::awaitable<twilio::Outcome<twilio::Account>> fetchAccount(
      const twilio::Credentials& c) override {
    if (auto e = failing("fetchAccount")) co_return *e;
    co_return co_await fake_.fetchAccount(c);
  }
  asio::awaitable<twilio::Outcome<twilio::IncomingNumber>> fetchNumber(
      const twilio::Credentials& c, std::string_view sid) override {
    co_return co_await fake_.fetchNumber(c, sid);
  }
  asio::awaitable<twilio::Outcome<twilio::NumberListing>> listNumbers(const twilio::Credentials& c,
                                                                      size_t pages) override {
    if (auto e = failing("listNumbers")) co_return *e;
    co_return co_await fake_.listNumbers(c, pages);
  }
  asio::awaitable<twilio::Outcome<twilio::NumberListing>> listNumberPages(
      const twilio::Credentials& c, size_t pages, const twilio::NumberPageSink& sink) override {
    co_return co_await fake_.listNumberPages(c, pages, sink);
  }
  asio::awaitable<twilio::Outcome<twilio::Trunk>> createTrunk(const twilio::Credentials& c,
                                                              std::string_view name) override {
    if (auto e = failing("createTrunk")) co_return *e;
    co_return co_await fake_.createTrunk(c, name);
  }
  asio::awaitable<twilio::Outcome<twilio::Trunk>> fetchTrunk(const twilio::Credentials& c,
                                                             std::string_view sid) override {
    if (auto e = failing("fetchTrunk")) co_return *e;
    co_return co_await fake_.fetchTrunk(c, sid);
  }
  asio::awaitable<twilio::Outcome<bool>> deleteTrunk(const twilio::Credentials& c,
                                                     std::string_view sid) override {
    if (auto e = failing("deleteTrunk " + std::string(sid))) co_return *e;
    co_return co_await fake_.deleteTrunk(c, sid);
  }
  asio::awaitable<twilio::Outcome<std::string>> createOriginationUrl(
      const twilio::Credentials& c, std::string_view trunk, std::string_view url,
      std::string_view name) override {
    if (auto e = failing("createOriginationUrl")) co_return *e;
    co_return co_await fake_.createOriginationUrl(c, trunk, url, name);
  }
  asio::awaitable<twilio::Outcome<bool>> deleteOriginationUrl(const twilio::Credentials& c,
                                                              std::string_view trunk,
                                                              std::string_view sid) override {
    if (auto e = failing("deleteOriginationUrl")) co_return *e;
    co_return co_await fake_.deleteOriginationUrl(c, trunk, sid);
  }
  asio::awaitable<twilio::Outcome<std::vector<twilio::OriginationUrl>>> listOriginationUrls(
      const twilio::Credentials& c, std::string_view trunk) override {
    if (auto e = failing("listOriginationUrls")) co_return *e;
    co_return co_await fake_.listOriginationUrls(c, trunk);
  }
  asio::awaitable<twilio::Outcome<bool>> attachNumber(const twilio::Credentials& c,
                                                      std::string_view trunk,
                                                      std::string_view sid) override {
    co_return co_await fake_.attachNumber(c, trunk, sid);
  }
  asio::awaitable<twilio::Outcome<bool>> detachNumber(const twilio::Credentials& c,
                                                      std::string_view trunk,
                                                      std::string_view sid) override {
    if (auto e = failing("detachNumber " + std::string(sid))) co_return *e;
    co_return co_await fake_.detachNumber(c, trunk, sid);
  }

 private:
  std::optional<twilio::TwilioError> failing(const std::string& call) {
    calls.push_back(call);
    auto op = call.substr(0, call.find(' '));
    for (const auto& key : {call, op}) {
      auto it = fail.find(key);
      if (it != fail.end()) return it->second();
    }
    return std::nullopt;
  }

  testing::FakeTwilio& fake_;
};

class ProviderServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 1; i <= 3; ++i) fake_.addNumber(sidOf(i), "+1415555010" + std::to_string(i));
    imports_ = std::make_unique<ImportService>(*ctx_);
    service_ = std::make_unique<ProviderService>(*ctx_, *imports_);
  }
  void TearDown() override {
    service_.reset();
    imports_.reset();
    store_.reset();
  }

  template <typename T>
  T run(asio::awaitable<T> task) {
    return stack_.run(std::move(task));
  }

  ProviderDraft draft() {
    ProviderDraft d;
    d.accountSid = kAccount;
    d.authToken = kToken;
    d.name = "Main";
    return d;
  }
  store::Provider created(ProviderDraft d) {
    auto r = run(service_->create(kOrg, std::move(d), "req-1"));
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().detail);
    return r.ok() ? *r : store::Provider{};
  }
  // A provider on an adopted trunk, with numbers 1 and 2 imported (on the trunk and stored).
  store::Provider adoptedWithNumbers() {
    auto d = draft();
    d.trunkSid = fake_.addTrunk("TK" + std::string(32, 'b'));
    auto p = created(std::move(d));
    for (int i = 1; i <= 2; ++i) {
      EXPECT_TRUE(run(fake_.attachNumber({kAccount, kToken}, p.trunkSid, sidOf(i))).ok());
    }
    auto txn = store_->write();
    for (int i = 1; i <= 2; ++i) {
      store::PhoneNumber n;
      n.id = newUuid();
      n.orgId = kOrg;
      n.providerId = p.id;
      n.phoneNumberSid = sidOf(i);
      n.phoneNumber = "+1415555010" + std::to_string(i);
      store_->insertNumber(txn, n);
      numberIds_.push_back(n.id);
    }
    txn.commit();
    return p;
  }
  // An agent of the org using number `numberId` as its caller ID.
  std::string agentUsing(const std::string& numberId) {
    store::Agent a;
    a.id = newUuid();
    a.orgId = kOrg;
    a.name = "desk";
    a.sipUri = "sip:desk@192.0.2.10";
    a.outboundPhoneNumberId = numberId;
    auto txn = store_->write();
    store_->putAgent(txn, a);
    txn.commit();
    return a.id;
  }
  std::vector<store::Provider> providers() {
    auto txn = store_->read();
    return store_->listProviders(txn, kOrg);
  }

  testing::FakeTwilio fake_{kAccount};
  ScriptedTwilio twilio_{fake_};
  admin::testing::AdminStack stack_{twilio_, "gw-provider-service"};
  asio::io_context& io_ = stack_.io;
  std::unique_ptr<store::Store>& store_ = stack_.store;
  admin::Context* ctx_ = &stack_.ctx;
  std::unique_ptr<ImportService> imports_;
  std::unique_ptr<ProviderService> service_;
  std::vector<std::string> numberIds_;
};

// --- create ---

TEST_F(ProviderServiceTest, CreateMakesATrunkPointingHereAndStoresTheProvider) {
  auto p = created(draft());
  EXPECT_TRUE(isUuid(p.id));
  EXPECT_EQ(p.orgId, kOrg);
  EXPECT_EQ(p.name, "Main");
  EXPECT_TRUE(p.trunkCreatedByGateway);
  EXPECT_FALSE(p.trunkSid.empty());
  EXPECT_EQ(p.originationUrlSid, "OU" + std::string(32, '0'));
  EXPECT_EQ(p.terminationUri, "fake.pstn.twilio.com");
  EXPECT_EQ(p.allowedAddresses, store::defaultAllowedAddresses());
  EXPECT_EQ(providers(), std::vector<store::Provider>{p});
  EXPECT_EQ(twilio_.calls,
            (std::vector<std::string>{"fetchAccount", "createTrunk", "createOriginationUrl"}));
}

TEST_F(ProviderServiceTest, CreateAdoptsTheTrunkSentAndNamesTheProviderAfterTheAccount) {
  auto d = draft();
  d.name.reset();
  d.trunkSid = fake_.addTrunk("TK" + std::string(32, 'b'));
  d.allowedAddresses = std::vector<std::string>{"10.0.0.0/8"};
  auto p = created(std::move(d));
  EXPECT_EQ(p.name, "fake");  // FakeTwilio's friendly name of the account
  EXPECT_EQ(p.trunkSid, "TK" + std::string(32, 'b'));
  EXPECT_FALSE(p.trunkCreatedByGateway);
  EXPECT_EQ(p.allowedAddresses, std::vector<std::string>{"10.0.0.0/8"});
  EXPECT_EQ(twilio_.calls, (std::vector<std::string>{"fetchAccount", "fetchTrunk"}));
}

TEST_F(ProviderServiceTest, CreateRefusesASecondProviderForTheSameAccount) {
  auto first = created(draft());
  twilio_.calls.clear();
  auto r = run(service_->create(kOrg, draft(), ""));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().fault, Fault::kConflict);
  EXPECT_EQ(r.error().detail, "A provider for account " + kAccount +
                                  " already exists: " + first.id + ". Use it, or delete it first.");
  EXPECT_TRUE(twilio_.calls.empty());  // refused before Twilio is asked
}

TEST_F(ProviderServiceTest, CreateIsRejectedWhenTwilioRefusesTheCredentials) {
  auto d = draft();
  d.accountSid = "AC" + std::string(32, 'c');  // FakeTwilio knows only kAccount
  auto r = run(service_->create(kOrg, std::move(d), ""));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().fault, Fault::kRejected);
  EXPECT_EQ(
      r.error().detail.rfind(
          "Twilio rejected the credentials of account AC" + std::string(32, 'c') + " (401", 0),
      0u)
      << r.error().detail;
  EXPECT_TRUE(providers().empty());
}

TEST_F(ProviderServiceTest, CreateNamesAMissingTrunkAsAFieldError) {
  auto d = draft();
  d.trunkSid = "TK" + std::string(32, 'e');
  auto r = run(service_->create(kOrg, std::move(d), ""));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().fault, Fault::kInvalid);
  EXPECT_EQ(r.error().fields,
            (admin::FieldErrors{{"trunkSid", "Trunk TK" + std::string(32, 'e') +
                                                 " does not exist in account " + kAccount + "."}}));
  EXPECT_TRUE(providers().empty());
}

TEST_F(ProviderServiceTest, CreateDeletesTheNewTrunkWhenItsOriginationUrlFails) {
  twilio_.fail["createOriginationUrl"] = [] { return unavailable(); };
  auto r = run(service_->create(kOrg, draft(), ""));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().fault, Fault::kUpstream);
  EXPECT_EQ(r.error().detail, "Twilio request failed while creating the trunk's origination URL: " +
                                  unavailable().describe() + ". Nothing was changed; retry later.");
  ASSERT_EQ(twilio_.calls.size(), 4u);
  EXPECT_EQ(twilio_.calls[3], "deleteTrunk TK" + std::string(31, '0') + "1");
  EXPECT_TRUE(providers().empty());
}

TEST_F(ProviderServiceTest, CreateReportsTwilioFailuresAsUpstream) {
  twilio_.fail["fetchAccount"] = [] { return unavailable(); };
  auto r = run(service_->create(kOrg, draft(), ""));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().fault, Fault::kUpstream);
  EXPECT_NE(r.error().detail.find("while checking the credentials"), std::string::npos);
}

// --- find, get, list ---

TEST_F(ProviderServiceTest, FindRefusesAnIdThatIsNotAUuid) {
  auto r = service_->find(kOrg, "nope");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().fault, Fault::kInvalid);
  EXPECT_EQ(r.error().fields, (admin::FieldErrors{{"id", "The provider id must be a UUID."}}));
}

TEST_F(ProviderServiceTest, AnotherOrgsProviderIsNotFound) {
  auto p = created(draft());
  auto r = service_->get("org-2", p.id);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().fault, Fault::kNotFound);
  EXPECT_EQ(r.error().detail, "No provider with id " + p.id + ".");
  EXPECT_TRUE(service_->list("org-2", 0, 20).items.empty());
}

TEST_F(ProviderServiceTest, GetAndListCountTheNumbers) {
  auto p = adoptedWithNumbers();
  auto got = service_->get(kOrg, p.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->provider, p);
  EXPECT_EQ(got->phoneNumberCount, 2u);
  auto all = service_->list(kOrg, 0, 20);
  EXPECT_EQ(all.totalCount, 1u);
  ASSERT_EQ(all.items.size(), 1u);
  EXPECT_EQ(all.items[0].provider, p);
  EXPECT_EQ(all.items[0].phoneNumberCount, 2u);
  auto past = service_->list(kOrg, 1, 20);
  EXPECT_EQ(past.totalCount, 1u);
  EXPECT_TRUE(past.items.empty());
}

// --- update ---

TEST_F(ProviderServiceTest, UpdateChangesWhatIsSentAndKeepsTheRest) {
  auto p = adoptedWithNumbers();
  ProviderChanges changes;
  changes.region = "ie1";
  changes.supportsCallTransfer = true;
  auto r = run(service_->update(kOrg, p.id, changes));
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r->provider.name, "Main");
  EXPECT_EQ(r->provider.region, "ie1");
  EXPECT_TRUE(r->provider.supportsCallTransfer);
  EXPECT_EQ(r->provider.allowedAddresses, p.allowedAddresses);
  EXPECT_EQ(r->phoneNumberCount, 2u);
  EXPECT_EQ(providers(), std::vector<store::Provider>{r->provider});
}

TEST_F(ProviderServiceTest, UpdateOfAnotherOrgsProviderIsNotFound) {
  auto p = created(draft());
  auto r = run(service_->update("org-2", p.id, ProviderChanges{.name = "x"}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().fault, Fault::kNotFound);
  EXPECT_EQ(providers()[0].name, "Main");
}

// --- remove ---

TEST_F(ProviderServiceTest, RemoveDetachesTheNumbersOfAnAdoptedTrunk) {
  auto p = adoptedWithNumbers();
  auto r = run(service_->remove(kOrg, p.id, false, ""));
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_TRUE(fake_.onTrunk(p.trunkSid).empty());
  EXPECT_TRUE(providers().empty());
  auto txn = store_->read();
  EXPECT_TRUE(store_->listNumbersOfProvider(txn, p.id).empty());
}

TEST_F(ProviderServiceTest, RemoveDeletesTheTrunkTheGatewayCreated) {
  auto p = created(draft());
  twilio_.calls.clear();
  auto r = run(service_->remove(kOrg, p.id, false, ""));
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(twilio_.calls, std::vector<std::string>{"deleteTrunk " + p.trunkSid});
  EXPECT_TRUE(providers().empty());
}

TEST_F(ProviderServiceTest, RemoveIsRefusedWhileAgentsUseTheNumbers) {
  auto p = adoptedWithNumbers();
  const auto agentId = agentUsing(numberIds_[0]);
  twilio_.calls.clear();
  auto r = run(service_->remove(kOrg, p.id, false, ""));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().fault, Fault::kConflict);
  EXPECT_EQ(r.error().detail,
            "Agents use 1 phone number link(s) or caller ID(s) of provider " + p.id +
                ". Unlink the numbers from those agents first, or delete with ?force=true to "
                "unlink them.");
  ASSERT_EQ(r.error().affectedAgents.size(), 1u);
  EXPECT_EQ(r.error().affectedAgents[0].agentId, agentId);
  EXPECT_EQ(r.error().affectedAgents[0].usage, "outbound");
  EXPECT_TRUE(twilio_.calls.empty());  // nothing touched
  EXPECT_EQ(fake_.onTrunk(p.trunkSid).size(), 2u);
  EXPECT_EQ(providers().size(), 1u);
}

TEST_F(ProviderServiceTest, ForcedRemoveClearsTheCallerIds) {
  auto p = adoptedWithNumbers();
  const auto agentId = agentUsing(numberIds_[0]);
  auto r = run(service_->remove(kOrg, p.id, true, ""));
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_TRUE(providers().empty());
  auto txn = store_->read();
  EXPECT_EQ(store_->getAgent(txn, agentId)->outboundPhoneNumberId, "");
}

TEST_F(ProviderServiceTest, RemoveStoppedAfterSomeNumbersWereDetachedSaysSo) {
  auto p = adoptedWithNumbers();
  twilio_.fail["detachNumber " + sidOf(2)] = [] { return unavailable(); };
  auto r = run(service_->remove(kOrg, p.id, false, ""));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().fault, Fault::kUpstream);
  EXPECT_EQ(r.error().detail,
            "Twilio request failed while detaching the provider's numbers from trunk " +
                p.trunkSid + ": " + unavailable().describe() +
                ". 1 of 2 numbers were detached already, so Twilio no longer sends their calls "
                "here; the provider and its numbers are still stored. Repeat the delete to "
                "detach the rest.");
  EXPECT_EQ(providers().size(), 1u);
}

TEST_F(ProviderServiceTest, RemoveChangesNothingWhenTwilioFailsFirst) {
  auto p = created(draft());
  twilio_.fail["deleteTrunk"] = [] { return unavailable(); };
  auto r = run(service_->remove(kOrg, p.id, false, ""));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().fault, Fault::kUpstream);
  EXPECT_EQ(r.error().detail, "Twilio request failed while deleting the trunk: " +
                                  unavailable().describe() + ". Nothing was changed; retry later.");
  EXPECT_EQ(providers().size(), 1u);
}

TEST_F(ProviderServiceTest, RemoveGoesOnWhenTheCredentialsWereRevoked) {
  auto p = adoptedWithNumbers();
  twilio_.fail["detachNumber"] = [] { return testing::FakeTwilio::authFailure(); };
  auto r = run(service_->remove(kOrg, p.id, false, ""));
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_TRUE(providers().empty());
  EXPECT_EQ(fake_.onTrunk(p.trunkSid).size(), 2u);  // left in the account
}

TEST_F(ProviderServiceTest, RemoveOfAMissingProviderIsNotFound) {
  auto r = run(service_->remove(kOrg, newUuid(), true, ""));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().fault, Fault::kNotFound);
}

// --- available numbers ---

TEST_F(ProviderServiceTest, AvailableNumbersMarkWhatTheOrgImported) {
  auto p = adoptedWithNumbers();
  auto r = run(service_->availableNumbers(kOrg, p.id, ""));
  ASSERT_TRUE(r.ok()) << r.error().detail;
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].number.sid, sidOf(1));
  ASSERT_TRUE((*r)[0].imported.has_value());
  EXPECT_EQ((*r)[0].imported->id, numberIds_[0]);
  EXPECT_EQ((*r)[0].imported->providerId, p.id);
  EXPECT_TRUE((*r)[1].imported.has_value());
  EXPECT_EQ((*r)[2].number.sid, sidOf(3));
  EXPECT_FALSE((*r)[2].imported.has_value());
}

TEST_F(ProviderServiceTest, AvailableNumbersReportTwilioFailuresAsUpstream) {
  auto p = created(draft());
  twilio_.fail["listNumbers"] = [] { return testing::FakeTwilio::authFailure(); };
  auto r = run(service_->availableNumbers(kOrg, p.id, ""));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().fault, Fault::kUpstream);
  EXPECT_NE(r.error().detail.find("Twilio rejected the provider's credentials while listing the "
                                  "account's numbers"),
            std::string::npos);
}

}  // namespace
}  // namespace gw::import
