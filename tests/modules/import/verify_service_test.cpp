// Provider verification, token rotation and drift repair without HTTP, against an in-memory
// Twilio (FakeTwilio) whose numbers are moved about as an account's owner would in the
// Twilio console.
#include "modules/import/verify_service.hpp"

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/uuid.hpp"
#include "modules/import/provider_service.hpp"
#include "store/store.hpp"
#include "tests/modules/admin/admin_stack.hpp"
#include "tests/modules/import/fake_twilio.hpp"

namespace gw::import {
namespace {

using admin::Fault;

const std::string kAccount = "AC" + std::string(32, 'a');
const std::string kToken = std::string(32, 'f');
const std::string kNewToken = std::string(32, 'e');
const std::string kOrg = "org-1";
const std::string kOtherTrunk = "TK" + std::string(32, '9');

std::string sidOf(int i) {
  char sid[35];
  std::snprintf(sid, sizeof sid, "PN%032x", i);
  return sid;
}

// code -> SID ("" for a provider-wide issue), in the order reported.
std::vector<std::pair<std::string, std::string>> codesOf(const store::Verification& v) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& i : v.issues) out.emplace_back(i.code, i.phoneNumberSid);
  return out;
}

class VerifyServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 1; i <= 5; ++i) fake_.addNumber(sidOf(i), "+1415555010" + std::to_string(i));
    imports_ = std::make_unique<ImportService>(stack_.ctx);
    providers_ = std::make_unique<ProviderService>(stack_.ctx, *imports_);
    verify_ = std::make_unique<VerifyService>(stack_.ctx);
    ProviderDraft d;
    d.accountSid = kAccount;
    d.authToken = kToken;
    d.name = "Main";
    auto created = stack_.run(providers_->create(kOrg, std::move(d), "req-1"));
    ASSERT_TRUE(created.ok()) << created.error().detail;
    provider_ = *created;
  }
  void TearDown() override {
    verify_.reset();
    providers_.reset();
    imports_.reset();
  }

  // Numbers 1..n on the provider's trunk and stored; returns their ids by SID.
  void imported(int n) {
    auto txn = stack_.store->write();
    for (int i = 1; i <= n; ++i) {
      fake_.attachOutside(sidOf(i), provider_.trunkSid);
      store::PhoneNumber number;
      number.id = newUuid();
      number.orgId = kOrg;
      number.providerId = provider_.id;
      number.phoneNumberSid = sidOf(i);
      number.phoneNumber = "+1415555010" + std::to_string(i);
      stack_.store->insertNumber(txn, number);
      ids_[sidOf(i)] = number.id;
    }
    txn.commit();
  }
  store::Verification stored() {
    auto v = stack_.store->getVerification(stack_.store->read(), provider_.id);
    EXPECT_TRUE(v.has_value());
    return v.value_or(store::Verification{});
  }
  ProviderView verified() {
    auto r = stack_.run(verify_->verify(kOrg, provider_.id, "req-v"));
    EXPECT_TRUE(r.ok()) << r.error().detail;
    return r.ok() ? *r : ProviderView{};
  }

  testing::FakeTwilio fake_{kAccount};
  admin::testing::AdminStack stack_{fake_, "gw-verify-service"};
  std::unique_ptr<ImportService> imports_;
  std::unique_ptr<ProviderService> providers_;
  std::unique_ptr<VerifyService> verify_;
  store::Provider provider_;
  std::map<std::string, std::string> ids_;
};

TEST_F(VerifyServiceTest, HealthyProviderIsVerifiedAndTheResultStored) {
  imported(3);
  const auto view = verified();
  ASSERT_TRUE(view.verification.has_value());
  EXPECT_EQ(view.verification->status, kVerified);
  EXPECT_TRUE(view.verification->issues.empty());
  EXPECT_GT(view.verification->verifiedMs, 0);
  EXPECT_EQ(stored(), *view.verification);
  EXPECT_EQ(view.phoneNumberCount, 3u);
  // Every provider rendering reads it back.
  auto got = providers_->get(kOrg, provider_.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->verification, view.verification);
}

TEST_F(VerifyServiceTest, ReportsEachKindOfDriftWithItsOwnCode) {
  imported(4);
  fake_.detachOutside(sidOf(1));
  fake_.release(sidOf(2));
  fake_.moveOutside(sidOf(3), kOtherTrunk);
  fake_.attachOutside(sidOf(5), provider_.trunkSid);  // on our trunk, never imported

  const auto view = verified();
  ASSERT_TRUE(view.verification.has_value());
  EXPECT_EQ(view.verification->status, kWarning);
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(codesOf(*view.verification),
            (std::vector<P>{P{kNumberDetached, sidOf(1)}, P{kNumberReleased, sidOf(2)},
                            P{kNumberMoved, sidOf(3)}, P{kNumberNotImported, sidOf(5)}}));
  const auto& issues = view.verification->issues;
  EXPECT_EQ(issues[0].phoneNumberId, ids_[sidOf(1)]);
  EXPECT_EQ(issues[1].phoneNumberId, ids_[sidOf(2)]);
  EXPECT_NE(issues[2].message.find(kOtherTrunk), std::string::npos) << issues[2].message;
  EXPECT_EQ(issues[3].phoneNumberId, "");
  for (const auto& i : issues) EXPECT_EQ(i.message.find(kToken), std::string::npos);
  EXPECT_EQ(stored(), *view.verification);
}

TEST_F(VerifyServiceTest, RefusedCredentialsFailTheVerification) {
  fake_.rotateToken(kNewToken);
  const auto view = verified();
  ASSERT_TRUE(view.verification.has_value());
  EXPECT_EQ(view.verification->status, kFailed);
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(codesOf(*view.verification), (std::vector<P>{P{kCredentialsRejected, ""}}));
}

TEST_F(VerifyServiceTest, MissingTrunkFailsTheVerification) {
  ASSERT_TRUE(stack_.run(fake_.deleteTrunk({kAccount, kToken}, provider_.trunkSid)).ok());
  const auto view = verified();
  EXPECT_EQ(view.verification->status, kFailed);
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(codesOf(*view.verification), (std::vector<P>{P{kTrunkMissing, ""}}));
}

TEST_F(VerifyServiceTest, OriginationUrlNotPointingHereIsAWarning) {
  fake_.clearOriginationUrls(provider_.trunkSid);
  const auto view = verified();
  EXPECT_EQ(view.verification->status, kWarning);
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(codesOf(*view.verification), (std::vector<P>{P{kOriginationUrlMissing, ""}}));
  EXPECT_NE(view.verification->issues[0].message.find("sip:gw"), std::string::npos);
}

TEST_F(VerifyServiceTest, UnreachableTwilioIsUpstreamAndKeepsTheLastResult) {
  imported(1);
  const auto first = verified();
  fake_.detachOutside(sidOf(1));
  fake_.setUnreachable(true);
  auto r = stack_.run(verify_->verify(kOrg, provider_.id, "req-v"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().fault, Fault::kUpstream);
  EXPECT_EQ(stored(), *first.verification);
}

TEST_F(VerifyServiceTest, VerifyOfAnotherOrgsProviderIsNotFound) {
  auto r = stack_.run(verify_->verify("org-2", provider_.id, "req-v"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().fault, Fault::kNotFound);
}

TEST_F(VerifyServiceTest, RotatedTokenIsCheckedStoredAndVerified) {
  imported(1);
  fake_.rotateToken(kNewToken);
  EXPECT_EQ(verified().verification->status, kFailed);

  auto r = stack_.run(verify_->rotateToken(kOrg, provider_.id, kNewToken, "req-t"));
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r->verification->status, kVerified);
  auto p = stack_.store->getProvider(stack_.store->read(), provider_.id);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->authToken, kNewToken);
  EXPECT_EQ(stored().status, kVerified);
}

TEST_F(VerifyServiceTest, TokenTwilioRefusesIsRejectedAndChangesNothing) {
  fake_.rotateToken(kNewToken);
  const auto before = stack_.store->getProvider(stack_.store->read(), provider_.id);
  auto r = stack_.run(verify_->rotateToken(kOrg, provider_.id, std::string(32, 'd'), "req-t"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().fault, Fault::kRejected);
  EXPECT_EQ(r.error().detail.find(std::string(32, 'd')), std::string::npos);
  EXPECT_EQ(stack_.store->getProvider(stack_.store->read(), provider_.id), before);
  EXPECT_FALSE(stack_.store->getVerification(stack_.store->read(), provider_.id).has_value());
}

TEST_F(VerifyServiceTest, TokenCheckWithTwilioUnreachableIsUpstreamAndChangesNothing) {
  const auto before = stack_.store->getProvider(stack_.store->read(), provider_.id);
  fake_.setUnreachable(true);
  auto r = stack_.run(verify_->rotateToken(kOrg, provider_.id, kNewToken, "req-t"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().fault, Fault::kUpstream);
  EXPECT_EQ(stack_.store->getProvider(stack_.store->read(), provider_.id), before);
}

TEST_F(VerifyServiceTest, ReconcileReattachesDetachedNumbersAndReportsTheRest) {
  imported(3);
  fake_.detachOutside(sidOf(1));
  fake_.release(sidOf(2));
  fake_.moveOutside(sidOf(3), kOtherTrunk);

  auto r = stack_.run(verify_->reconcile(kOrg, provider_.id, "req-r"));
  ASSERT_TRUE(r.ok()) << r.error().detail;
  ASSERT_EQ(r->items.size(), 3u);
  EXPECT_EQ(r->items[0].phoneNumberSid, sidOf(1));
  EXPECT_EQ(r->items[0].action, "reattached");
  EXPECT_EQ(r->items[1].code, kNumberReleased);
  EXPECT_EQ(r->items[1].action, "none");
  EXPECT_EQ(r->items[2].code, kNumberMoved);
  EXPECT_EQ(r->items[2].action, "none");
  EXPECT_EQ(fake_.onTrunk(provider_.trunkSid), std::vector<std::string>{sidOf(1)});
  // Verified again after the repair: only what the operator must handle is left.
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(codesOf(*r->provider.verification),
            (std::vector<P>{P{kNumberReleased, sidOf(2)}, P{kNumberMoved, sidOf(3)}}));
}

TEST_F(VerifyServiceTest, ReconcileWithRefusedCredentialsIsRejected) {
  imported(1);
  fake_.detachOutside(sidOf(1));
  fake_.rotateToken(kNewToken);
  auto r = stack_.run(verify_->reconcile(kOrg, provider_.id, "req-r"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().fault, Fault::kRejected);
  EXPECT_EQ(stored().status, kFailed);
}

TEST_F(VerifyServiceTest, ReimportReattachesADetachedNumberAndKeepsAlreadyImportedOnTheTrunk) {
  imported(2);
  fake_.detachOutside(sidOf(1));
  EXPECT_EQ(verified().verification->status, kWarning);

  ImportOutcome outcome;
  outcome.errors = {{sidOf(1), "Already imported"}, {sidOf(2), "Already imported"}};
  stack_.run([&]() -> boost::asio::awaitable<int> {
    co_await reattachReimported(*verify_, provider_, outcome, "req-i");
    co_return 0;
  }());
  EXPECT_EQ(outcome.successCount, 1u);
  ASSERT_EQ(outcome.errors.size(), 1u);
  EXPECT_EQ(outcome.errors[0].phoneNumberSid, sidOf(2));
  EXPECT_EQ(outcome.errors[0].errorMessage, "Already imported");
  EXPECT_EQ(fake_.onTrunk(provider_.trunkSid), (std::vector<std::string>{sidOf(1), sidOf(2)}));
  // The stored verification forgets the repaired number.
  EXPECT_EQ(stored().status, kVerified);
  EXPECT_TRUE(stored().issues.empty());
}

TEST_F(VerifyServiceTest, ReimportLeavesANumberStoredUnderAnotherSidOffTheTrunk) {
  imported(1);
  // Released and bought again: the same E.164 number under a new SID, on no trunk.
  fake_.release(sidOf(1));
  fake_.addNumber(sidOf(9), "+14155550101");

  ImportOutcome outcome;
  outcome.errors = {{sidOf(9), "Already imported"}};
  stack_.run([&]() -> boost::asio::awaitable<int> {
    co_await reattachReimported(*verify_, provider_, outcome, "req-i");
    co_return 0;
  }());
  EXPECT_EQ(outcome.successCount, 0u);
  ASSERT_EQ(outcome.errors.size(), 1u);
  EXPECT_TRUE(fake_.onTrunk(provider_.trunkSid).empty());
}

}  // namespace
}  // namespace gw::import
