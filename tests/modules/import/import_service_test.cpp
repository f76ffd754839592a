#include "modules/import/import_service.hpp"

#include <set>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <gtest/gtest.h>

#include "common/e164.hpp"
#include "common/uuid.hpp"
#include "async/task_group.hpp"
#include "sip/directory.hpp"
#include "sip/routing_table.hpp"
#include "store/store.hpp"
#include "tests/modules/import/service_stack.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/tools/twilio_emulator/emulator_harness.hpp"

namespace gw::import {
namespace {

namespace asio = boost::asio;
using emulator::testing::EmulatorHarness;
using emulator::testing::kAccountA;
using emulator::testing::kTokenA;

class ImportServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = store::Store::open(dir_.path(), store::StoreOptions{size_t{256} << 20, false});
  }
  void TearDown() override {
    stack_.reset();
    store_.reset();
  }

  void start(uint64_t numbers, double errorRate = 0.0) {
    auto o = emulator::testing::defaultTestOptions();
    o.numbersPerAccount = numbers;
    o.errorRate = errorRate;
    harness_ = std::make_unique<EmulatorHarness>(o);
    twilio::TwilioConfig config;
    config.apiUrl = config.trunkingUrl = harness_->url("");
    config.backoffBase = std::chrono::milliseconds(1);
    config.backoffCap = std::chrono::milliseconds(5);
    config.maxAttempts = 10;
    stack_ = std::make_unique<testing::ServiceStack>(io_, *store_, routes_, config);
    provider_ = addProvider(harness_->createTrunk());
  }

  store::Provider addProvider(const std::string& trunkSid, std::string account = kAccountA,
                              std::string token = kTokenA) {
    store::Provider p;
    p.id = newUuid();
    p.orgId = "org-1";
    p.accountSid = std::move(account);
    p.authToken = std::move(token);
    p.trunkSid = trunkSid;
    auto txn = store_->write();
    store_->putProvider(txn, p);
    txn.commit();
    return p;
  }

  ImportOutcome runImport(const store::Provider& p, const std::vector<std::string>& sids) {
    std::optional<ImportOutcome> out;
    std::exception_ptr error;
    asio::co_spawn(
        io_, [&]() -> asio::awaitable<void> { out = co_await stack_->service.run(p, sids); },
        [&](std::exception_ptr e) { error = e; });
    io_.restart();
    io_.run();
    if (error) std::rethrow_exception(error);
    return std::move(*out);
  }

  std::string trunkOf(const std::string& sid) {
    auto d = harness_
                 ->get("/2010-04-01/Accounts/" + std::string(kAccountA) + "/IncomingPhoneNumbers/" +
                       sid + ".json")
                 .json();
    return d["trunk_sid"].IsString() ? d["trunk_sid"].GetString() : "";
  }

  testsupport::TempDir dir_{"gw-import"};  // removed after store_ closes
  asio::io_context io_;
  std::unique_ptr<store::Store> store_;
  sip::RoutingTable routes_{6};
  std::unique_ptr<EmulatorHarness> harness_;
  std::unique_ptr<testing::ServiceStack> stack_;
  store::Provider provider_;
};

const std::string kUnknownSid = "PN" + std::string(32, '0');

TEST_F(ImportServiceTest, ReportsEachFailureInRequestOrderAndImportsTheRest) {
  start(5);
  auto sids = harness_->numberSids();
  auto out = runImport(provider_, {sids[0], kUnknownSid, sids[1], sids[0], sids[2]});
  EXPECT_EQ(out.successCount, 3u);
  ASSERT_EQ(out.errors.size(), 2u);
  EXPECT_EQ(out.errors[0].phoneNumberSid, kUnknownSid);
  EXPECT_EQ(out.errors[0].errorMessage, "Not found");
  EXPECT_EQ(out.errors[1].phoneNumberSid, sids[0]);
  EXPECT_EQ(out.errors[1].errorMessage, "Duplicate in request");
  EXPECT_EQ(trunkOf(sids[0]), provider_.trunkSid);
  EXPECT_TRUE(trunkOf(sids[3]).empty());
}

TEST_F(ImportServiceTest, ImportedNumbersAreStoredAndRoutableWhenRunReturns) {
  start(3);
  auto sids = harness_->numberSids();
  auto out = runImport(provider_, sids);
  ASSERT_EQ(out.successCount, 3u);
  auto txn = store_->read();
  for (const auto& n : out.imported) {
    auto stored = store_->findNumberBySid(txn, n.phoneNumberSid);
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->providerId, provider_.id);
    EXPECT_EQ(stored->orgId, "org-1");
    auto route = routes_.lookup(*e164Key(n.phoneNumber));
    ASSERT_TRUE(route) << n.phoneNumber;
    EXPECT_EQ(formatUuid(route->phoneNumberId), n.id);
    EXPECT_EQ(formatUuid(route->providerId), provider_.id);
  }
}

TEST_F(ImportServiceTest, SecondImportSaysAlreadyImportedPerProvider) {
  start(3);
  auto sids = harness_->numberSids();
  ASSERT_EQ(runImport(provider_, {sids[0]}).successCount, 1u);
  auto again = runImport(provider_, {sids[0]});
  ASSERT_EQ(again.errors.size(), 1u);
  EXPECT_EQ(again.errors[0].errorMessage, "Already imported");

  auto other = addProvider(harness_->createTrunk());
  auto byOther = runImport(other, {sids[0]});
  ASSERT_EQ(byOther.errors.size(), 1u);
  EXPECT_EQ(byOther.errors[0].errorMessage, "Already imported by provider " + provider_.id);
}

TEST_F(ImportServiceTest, NumberOnAnotherTrunkIsLeftAlone) {
  start(2);
  auto sids = harness_->numberSids();
  std::string foreign = harness_->createTrunk();
  ASSERT_EQ(
      harness_->post("/v1/Trunks/" + foreign + "/PhoneNumbers", "PhoneNumberSid=" + sids[0]).status,
      201);
  auto out = runImport(provider_, {sids[0], sids[1]});
  EXPECT_EQ(out.successCount, 1u);
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].errorMessage,
            "Trunk attachment failed: attached to another trunk " + foreign);
  EXPECT_EQ(trunkOf(sids[0]), foreign);
}

TEST_F(ImportServiceTest, NumberAlreadyOnOwnTrunkIsImportedWithoutReattaching) {
  // What a crash between the attachment and the commit leaves behind.
  start(1);
  auto sid = harness_->numberSids().front();
  ASSERT_EQ(
      harness_->post("/v1/Trunks/" + provider_.trunkSid + "/PhoneNumbers", "PhoneNumberSid=" + sid)
          .status,
      201);
  auto out = runImport(provider_, {sid});
  EXPECT_EQ(out.successCount, 1u);
  EXPECT_TRUE(out.errors.empty());
}

TEST_F(ImportServiceTest, NumberStoredUnderAnotherSidIsRefusedBeforeAttaching) {
  // A number released and bought again comes back with a new SID but the same E.164.
  start(1);
  auto sid = harness_->numberSids().front();
  auto d = harness_
               ->get("/2010-04-01/Accounts/" + std::string(kAccountA) + "/IncomingPhoneNumbers/" +
                     sid + ".json")
               .json();
  store::PhoneNumber old;
  old.id = newUuid();
  old.orgId = "org-1";
  old.providerId = provider_.id;
  old.phoneNumberSid = "PN" + std::string(32, 'e');
  old.phoneNumber = d["phone_number"].GetString();
  {
    auto txn = store_->write();
    store_->insertNumber(txn, old);
    txn.commit();
  }
  auto out = runImport(provider_, {sid});
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].errorMessage, "Already imported");
  EXPECT_TRUE(trunkOf(sid).empty());
}

TEST_F(ImportServiceTest, LargeImportListsTheAccountInsteadOfFetchingEachNumber) {
  start(2500);
  auto sids = harness_->numberSids();
  sids.resize(2000);
  auto out = runImport(provider_, sids);
  EXPECT_EQ(out.successCount, 2000u);
  // 2500 numbers, 1000 a page: the 2000 wanted are all on the first two, so the listing
  // stops there.
  EXPECT_EQ(out.twilioLookups, 2u);
}

TEST_F(ImportServiceTest, LargeImportWithAnUnknownSidListsTheWholeAccount) {
  start(2500);
  auto sids = harness_->numberSids();
  sids.resize(1999);
  sids.push_back(kUnknownSid);
  auto out = runImport(provider_, sids);
  EXPECT_EQ(out.successCount, 1999u);
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].phoneNumberSid, kUnknownSid);
  EXPECT_EQ(out.errors[0].errorMessage, "Not found");
  EXPECT_EQ(out.twilioLookups, 3u);  // every page, and no single fetch
}

TEST_F(ImportServiceTest, SmallImportFetchesEachNumber) {
  start(50);
  auto sids = harness_->numberSids();
  sids.resize(3);
  auto out = runImport(provider_, sids);
  EXPECT_EQ(out.successCount, 3u);
  EXPECT_EQ(out.twilioLookups, 3u);
}

TEST_F(ImportServiceTest, RejectedCredentialsImportNothing) {
  start(3);
  auto bad = addProvider(provider_.trunkSid, kAccountA, std::string(32, 'f'));
  auto out = runImport(bad, harness_->numberSids());
  ASSERT_TRUE(out.credentialsRejected.has_value());
  EXPECT_EQ(out.successCount, 0u);
  EXPECT_EQ(routes_.size(), 0u);
  auto txn = store_->read();
  EXPECT_EQ(store_->countNumbersOfProvider(txn, bad.id), 0u);
}

TEST_F(ImportServiceTest, ConcurrentOverlappingImportsImportEachNumberOnce) {
  start(60);
  auto sids = harness_->numberSids();
  std::vector<std::string> a(sids.begin(), sids.begin() + 40);
  std::vector<std::string> b(sids.begin() + 20, sids.end());
  std::reverse(b.begin(), b.end());  // opposite order: claims must not deadlock
  std::optional<ImportOutcome> outA, outB;
  asio::co_spawn(
      io_, [&]() -> asio::awaitable<void> { outA = co_await stack_->service.run(provider_, a); },
      asio::detached);
  asio::co_spawn(
      io_, [&]() -> asio::awaitable<void> { outB = co_await stack_->service.run(provider_, b); },
      asio::detached);
  io_.run();
  ASSERT_TRUE(outA && outB);
  EXPECT_EQ(outA->successCount + outB->successCount, 60u);
  EXPECT_EQ(outA->errors.size() + outB->errors.size(), 20u);
  for (const auto* out : {&*outA, &*outB}) {
    for (const auto& e : out->errors) EXPECT_EQ(e.errorMessage, "Already imported");
  }
  EXPECT_EQ(routes_.size(), 60u);
}

TEST_F(ImportServiceTest, InjectedServerErrorsAreRetriedAway) {
  start(30, 0.3);
  auto sids = harness_->numberSids();
  auto out = runImport(provider_, sids);
  EXPECT_EQ(out.successCount, 30u);
  EXPECT_GT(stack_->twilio.stats().retries, 0u);
}

}  // namespace
}  // namespace gw::import
