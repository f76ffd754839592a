// NumberService without HTTP, against an in-memory Twilio (FakeTwilio): the happy paths of
// list, get and remove, and each domain error they answer (kInvalid, kNotFound, kConflict
// with the agents that use the number, kUpstream when Twilio refuses the detach).
#include "modules/import/number_service.hpp"

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

const std::string kAccount = "AC" + std::string(32, 'a');
const std::string kOrg = "org-1";
const std::string kSid1 = "PN" + std::string(31, '0') + "1";
const std::string kSid2 = "PN" + std::string(31, '0') + "2";

class NumberServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    provider_.id = newUuid();
    provider_.orgId = kOrg;
    provider_.accountSid = kAccount;
    provider_.authToken = std::string(32, 'f');
    provider_.trunkSid = twilio_.addTrunk("TK" + std::string(32, 'b'));
    service_ = std::make_unique<NumberService>(*ctx_);

    number1_ = numberOf(kSid1, "+14155550101");
    number2_ = numberOf(kSid2, "+14155550102");
    commit([&](admin::ChangeSet& change) {
      change.providersPut.push_back(provider_);
      change.numbersAdded = {number1_, number2_};
    });
  }
  void TearDown() override {
    service_.reset();
    store_.reset();
  }

  // A number of the provider, on its trunk in the fake account.
  store::PhoneNumber numberOf(const std::string& sid, const std::string& e164) {
    twilio_.addNumber(sid, e164);
    store::PhoneNumber n;
    n.id = newUuid();
    n.orgId = kOrg;
    n.providerId = provider_.id;
    n.phoneNumberSid = sid;
    n.phoneNumber = e164;
    return n;
  }

  template <typename T>
  T await(asio::awaitable<T> task) {
    return stack_.run(std::move(task));
  }

  void commit(const std::function<void(admin::ChangeSet&)>& fill) {
    await([&]() -> asio::awaitable<bool> {
      co_await writes_->commit(
          [&](const store::ReadView&, admin::ChangeSet& change) { fill(change); });
      co_return true;
    }());
  }

  void attach(const std::string& sid) {
    const twilio::Credentials creds{kAccount, provider_.authToken};
    ASSERT_TRUE(await(twilio_.attachNumber(creds, provider_.trunkSid, sid)).ok());
  }

  admin::Result<void> remove(const std::string& providerId, const std::string& numberId,
                             bool force = false, const std::string& org = kOrg) {
    return await(service_->remove(org, providerId, numberId, force));
  }

  std::optional<store::PhoneNumber> stored(const std::string& id) {
    auto txn = store_->read();
    return store_->getNumber(txn, id);
  }

  testing::FakeTwilio twilio_{kAccount};
  store::Provider provider_;
  store::PhoneNumber number1_;
  store::PhoneNumber number2_;
  admin::testing::AdminStack stack_{twilio_, "gw-number-service"};
  asio::io_context& io_ = stack_.io;
  std::unique_ptr<store::Store>& store_ = stack_.store;
  admin::LocalWritePath* writes_ = &stack_.writes;
  admin::Context* ctx_ = &stack_.ctx;
  std::unique_ptr<NumberService> service_;
};

TEST_F(NumberServiceTest, ListsTheOrgsNumbersWithFilterAndPaging) {
  auto all = service_->list(kOrg, {}, 0, 20);
  EXPECT_EQ(all.totalCount, 2u);
  ASSERT_EQ(all.items.size(), 2u);
  EXPECT_EQ(all.items[0].id, number1_.id);

  store::NumberFilter byNumber;
  byNumber.phoneNumber = "+14155550102";
  auto one = service_->list(kOrg, byNumber, 0, 20);
  ASSERT_EQ(one.items.size(), 1u);
  EXPECT_EQ(one.items[0].id, number2_.id);

  auto page = service_->list(kOrg, {}, 1, 1);
  EXPECT_EQ(page.totalCount, 2u);
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].id, number2_.id);

  // The org comes from the caller, whatever the filter says.
  store::NumberFilter otherOrg;
  otherOrg.orgId = kOrg;
  EXPECT_EQ(service_->list("org-2", otherOrg, 0, 20).totalCount, 0u);
}

TEST_F(NumberServiceTest, GetsANumberOfTheOrg) {
  auto n = service_->get(kOrg, number1_.id);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->phoneNumberSid, kSid1);
}

TEST_F(NumberServiceTest, GetRefusesABadIdAndHidesOtherOrgs) {
  auto bad = service_->get(kOrg, "not-a-uuid");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().fault, admin::Fault::kInvalid);
  EXPECT_EQ(bad.error().fields,
            (admin::FieldErrors{{"id", "The phone number id must be a UUID."}}));

  for (const auto& [org, id] :
       {std::pair{std::string("org-2"), number1_.id}, std::pair{kOrg, newUuid()}}) {
    auto missing = service_->get(org, id);
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().fault, admin::Fault::kNotFound);
    EXPECT_EQ(missing.error().detail, "No phone number with id " + id + ".");
  }
}

TEST_F(NumberServiceTest, RemoveDetachesAndDeletesTheNumber) {
  attach(kSid1);
  ASSERT_EQ(twilio_.onTrunk(provider_.trunkSid), std::vector<std::string>{kSid1});

  auto r = remove(provider_.id, number1_.id);
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_TRUE(twilio_.onTrunk(provider_.trunkSid).empty());
  EXPECT_FALSE(stored(number1_.id).has_value());
  EXPECT_TRUE(stored(number2_.id).has_value());
}

TEST_F(NumberServiceTest, RemoveChecksTheProviderFirstThenTheNumberId) {
  auto badProvider = remove("nope", "also-bad");
  ASSERT_FALSE(badProvider.ok());
  EXPECT_EQ(badProvider.error().fault, admin::Fault::kInvalid);
  EXPECT_EQ(badProvider.error().fields,
            (admin::FieldErrors{{"id", "The provider id must be a UUID."}}));

  const std::string unknown = newUuid();
  auto noProvider = remove(unknown, "also-bad");
  ASSERT_FALSE(noProvider.ok());
  EXPECT_EQ(noProvider.error().fault, admin::Fault::kNotFound);
  EXPECT_EQ(noProvider.error().detail, "No provider with id " + unknown + ".");

  auto otherOrg = remove(provider_.id, number1_.id, false, "org-2");
  ASSERT_FALSE(otherOrg.ok());
  EXPECT_EQ(otherOrg.error().fault, admin::Fault::kNotFound);

  auto badNumber = remove(provider_.id, "also-bad");
  ASSERT_FALSE(badNumber.ok());
  EXPECT_EQ(badNumber.error().fault, admin::Fault::kInvalid);
  EXPECT_EQ(badNumber.error().fields,
            (admin::FieldErrors{{"phoneNumberId", "The phone number id must be a UUID."}}));

  const std::string missing = newUuid();
  auto noNumber = remove(provider_.id, missing);
  ASSERT_FALSE(noNumber.ok());
  EXPECT_EQ(noNumber.error().fault, admin::Fault::kNotFound);
  EXPECT_EQ(noNumber.error().detail,
            "Provider " + provider_.id + " has no phone number with id " + missing + ".");
  EXPECT_TRUE(stored(number1_.id).has_value());
}

TEST_F(NumberServiceTest, RemoveOfANumberInUseIsAConflictUnlessForced) {
  store::Agent agent;
  agent.id = newUuid();
  agent.orgId = kOrg;
  agent.name = "desk";
  agent.sipUri = "sip:desk@192.0.2.10";
  agent.outboundPhoneNumberId = number1_.id;
  commit([&](admin::ChangeSet& change) { change.agentsPut.push_back(agent); });
  attach(kSid1);

  auto refused = remove(provider_.id, number1_.id);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().fault, admin::Fault::kConflict);
  EXPECT_EQ(refused.error().detail.rfind("Phone number +14155550101 is used by 1 agent", 0), 0u)
      << refused.error().detail;
  ASSERT_EQ(refused.error().affectedAgents.size(), 1u);
  EXPECT_EQ(refused.error().affectedAgents[0].agentId, agent.id);
  EXPECT_EQ(refused.error().affectedAgents[0].usage, "outbound");
  // Refused before Twilio is touched.
  EXPECT_EQ(twilio_.onTrunk(provider_.trunkSid), std::vector<std::string>{kSid1});
  EXPECT_TRUE(stored(number1_.id).has_value());

  auto forced = remove(provider_.id, number1_.id, true);
  ASSERT_TRUE(forced.ok()) << forced.error().detail;
  EXPECT_FALSE(stored(number1_.id).has_value());
  auto txn = store_->read();
  EXPECT_EQ(store_->getAgent(txn, agent.id)->outboundPhoneNumberId, "");
}

TEST_F(NumberServiceTest, TwilioRefusingTheDetachIsUpstreamAndKeepsTheNumber) {
  provider_.accountSid = "AC" + std::string(32, 'e');  // an account the fake does not know
  commit([&](admin::ChangeSet& change) { change.providersPut.push_back(provider_); });

  auto r = remove(provider_.id, number1_.id);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().fault, admin::Fault::kUpstream);
  EXPECT_EQ(r.error().detail.rfind("Twilio rejected the provider's credentials while detaching "
                                   "the number from the trunk",
                                   0),
            0u)
      << r.error().detail;
  EXPECT_TRUE(stored(number1_.id).has_value());
}

}  // namespace
}  // namespace gw::import
