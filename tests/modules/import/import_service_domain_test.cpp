// ImportService as the admin API calls it, without HTTP (FakeTwilio): provider() finds the
// caller's provider or answers kInvalid / kNotFound; importNumbers() answers kUpstream when
// Twilio refuses the credentials before any number is on the trunk, and counts each import.
#include <cstdio>
#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include "common/uuid.hpp"
#include "modules/import/import_metrics.hpp"
#include "modules/import/import_service.hpp"
#include "store/store.hpp"
#include "tests/modules/admin/admin_stack.hpp"
#include "tests/modules/import/fake_twilio.hpp"

namespace gw::import {
namespace {

namespace asio = boost::asio;

const std::string kAccount = "AC" + std::string(32, 'a');
const std::string kSid = "PN" + std::string(31, '0') + "1";

class ImportServiceDomainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    twilio_.addNumber(kSid, "+14155550101");
    provider_.id = newUuid();
    provider_.orgId = "org-1";
    provider_.accountSid = kAccount;
    provider_.authToken = std::string(32, 'f');
    provider_.trunkSid = twilio_.addTrunk("TK" + std::string(32, 'b'));
    auto txn = store_->write();
    store_->putProvider(txn, provider_);
    txn.commit();
    service_ = std::make_unique<ImportService>(*ctx_, ImportOptions{}, &metrics_);
  }
  void TearDown() override {
    service_.reset();
    store_.reset();
  }

  admin::Result<ImportOutcome> importNumbers(const store::Provider& provider) {
    std::optional<admin::Result<ImportOutcome>> out;
    std::exception_ptr error;
    const std::vector<std::string> sids{kSid};
    asio::co_spawn(
        io_,
        [&]() -> asio::awaitable<void> {
          out.emplace(co_await service_->importNumbers(provider, sids));
        },
        [&](std::exception_ptr e) { error = e; });
    io_.restart();
    io_.run();
    if (error) std::rethrow_exception(error);
    return std::move(*out);
  }

  testing::FakeTwilio twilio_{kAccount};
  store::Provider provider_;
  ImportMetrics metrics_;
  admin::testing::AdminStack stack_{twilio_, "gw-import-domain"};
  asio::io_context& io_ = stack_.io;
  std::unique_ptr<store::Store>& store_ = stack_.store;
  admin::Context* ctx_ = &stack_.ctx;
  std::unique_ptr<ImportService> service_;
};

TEST_F(ImportServiceDomainTest, ProviderIsTheCallersOrNone) {
  auto found = service_->provider("org-1", provider_.id);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->trunkSid, provider_.trunkSid);

  auto bad = service_->provider("org-1", "nope");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().fault, admin::Fault::kInvalid);
  EXPECT_EQ(bad.error().fields, (admin::FieldErrors{{"id", "The provider id must be a UUID."}}));

  auto otherOrg = service_->provider("org-2", provider_.id);
  ASSERT_FALSE(otherOrg.ok());
  EXPECT_EQ(otherOrg.error().fault, admin::Fault::kNotFound);
  EXPECT_EQ(otherOrg.error().detail, "No provider with id " + provider_.id + ".");
}

TEST_F(ImportServiceDomainTest, ImportsAndCountsTheImport) {
  auto out = importNumbers(provider_);
  ASSERT_TRUE(out.ok()) << out.error().detail;
  EXPECT_EQ(out->successCount, 1u);
  EXPECT_TRUE(out->errors.empty());
  EXPECT_EQ(metrics_.requests().at("succeeded"), 1u);
  EXPECT_EQ(metrics_.imported(), 1u);
}

TEST_F(ImportServiceDomainTest, CredentialsRejectedBeforeAnyAttachmentIsUpstream) {
  store::Provider stale = provider_;
  stale.accountSid = "AC" + std::string(32, 'e');  // an account the fake refuses
  auto out = importNumbers(stale);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().fault, admin::Fault::kUpstream);
  EXPECT_EQ(out.error().detail.rfind("Twilio rejected the credentials of provider " + provider_.id +
                                         " (account " + stale.accountSid + "): ",
                                     0),
            0u)
      << out.error().detail;
  EXPECT_NE(out.error().detail.find(". No number was imported. Update the provider's auth token "
                                    "and retry."),
            std::string::npos);
  EXPECT_EQ(metrics_.requests().at("credentials_rejected"), 1u);
  EXPECT_TRUE(twilio_.onTrunk(provider_.trunkSid).empty());
}

}  // namespace
}  // namespace gw::import
