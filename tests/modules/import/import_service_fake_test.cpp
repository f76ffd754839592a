// The import service against an in-memory Twilio (FakeTwilio) instead of the emulator: what
// the emulator cannot do on cue, such as Twilio refusing the credentials after the second
// attachment of an import.
#include "modules/import/import_service.hpp"

#include <algorithm>
#include <cstdio>
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

std::string sidOf(int i) {
  char sid[35];
  std::snprintf(sid, sizeof sid, "PN%032x", i);
  return sid;
}

class ImportServiceFakeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 1; i <= 5; ++i) twilio_.addNumber(sidOf(i), "+1415555010" + std::to_string(i));
    provider_.id = newUuid();
    provider_.orgId = "org-1";
    provider_.accountSid = kAccount;
    provider_.authToken = std::string(32, 'f');
    provider_.trunkSid = twilio_.addTrunk("TK" + std::string(32, 'b'));
    auto txn = store_->write();
    store_->putProvider(txn, provider_);
    txn.commit();
    service_ = std::make_unique<ImportService>(*ctx_);
  }
  void TearDown() override {
    service_.reset();
    store_.reset();
  }

  ImportOutcome run(const std::vector<std::string>& sids) {
    std::optional<ImportOutcome> out;
    std::exception_ptr error;
    asio::co_spawn(
        io_, [&]() -> asio::awaitable<void> { out = co_await service_->run(provider_, sids); },
        [&](std::exception_ptr e) { error = e; });
    io_.restart();
    io_.run();
    if (error) std::rethrow_exception(error);
    return std::move(*out);
  }

  std::vector<std::string> stored() {
    std::vector<std::string> sids;
    auto txn = store_->read();
    for (const auto& n : store_->listNumbersOfProvider(txn, provider_.id))
      sids.push_back(n.phoneNumberSid);
    std::sort(sids.begin(), sids.end());
    return sids;
  }

  testing::FakeTwilio twilio_{kAccount};
  store::Provider provider_;
  admin::testing::AdminStack stack_{twilio_, "gw-import-fake"};
  asio::io_context& io_ = stack_.io;
  std::unique_ptr<store::Store>& store_ = stack_.store;
  admin::Context* ctx_ = &stack_.ctx;
  std::unique_ptr<ImportService> service_;
};

TEST_F(ImportServiceFakeTest, ImportsWhatTheAccountHasAndReportsTheRest) {
  auto out = run({sidOf(1), sidOf(9), sidOf(2)});
  EXPECT_EQ(out.successCount, 2u);
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].phoneNumberSid, sidOf(9));
  EXPECT_EQ(out.errors[0].errorMessage, "Not found");
  EXPECT_EQ(twilio_.onTrunk(provider_.trunkSid), (std::vector<std::string>{sidOf(1), sidOf(2)}));
  EXPECT_EQ(stored(), (std::vector<std::string>{sidOf(1), sidOf(2)}));
}

// Credentials revoked after two attachments: the two on the trunk are imported (trunk and
// store agree), the other three fail with the reason and are neither attached nor stored.
TEST_F(ImportServiceFakeTest, CredentialsRevokedMidImportImportWhatReachedTheTrunk) {
  size_t attached = 0;
  twilio_.failAttach([&](const std::string&) -> std::optional<twilio::TwilioError> {
    if (attached == 2) return testing::FakeTwilio::authFailure();
    ++attached;
    return std::nullopt;
  });
  auto out = run({sidOf(1), sidOf(2), sidOf(3), sidOf(4), sidOf(5)});
  EXPECT_FALSE(out.credentialsRejected.has_value());
  EXPECT_EQ(out.successCount, 2u);
  ASSERT_EQ(out.errors.size(), 3u);
  for (const auto& e : out.errors) {
    EXPECT_NE(e.errorMessage.find("Twilio rejected the provider's credentials during the import"),
              std::string::npos)
        << e.errorMessage;
  }
  const auto onTrunk = twilio_.onTrunk(provider_.trunkSid);
  EXPECT_EQ(onTrunk.size(), 2u);
  EXPECT_EQ(stored(), onTrunk);
}

// Twilio carries out an attachment but answers only after the import's deadline. That
// attachment may have been carried out, so the import detaches it again before it answers;
// when Twilio does not answer the detachment either, the answer waits for it only until the
// undo window ends. The SID stays in the attachment journal, and the sweep takes it off the
// trunk once Twilio answers again (a detachment of the sweep's already waiting is answered
// then).
TEST_F(ImportServiceFakeTest, AnUnansweredDetachmentDoesNotHoldTheAnswerPastTheUndoWindow) {
  ImportOptions options;
  options.deadline = std::chrono::milliseconds(300);
  options.undoWindow = std::chrono::milliseconds(100);
  service_ = std::make_unique<ImportService>(*ctx_, options);
  twilio_.attachOutlastsDeadline(sidOf(2));
  twilio_.detachNeverAnswers(true);

  const std::vector<std::string> sids{sidOf(1), sidOf(2), sidOf(3)};
  std::optional<ImportOutcome> out;
  std::vector<std::string> journaledAtAnswer;
  asio::co_spawn(
      io_, [&]() -> asio::awaitable<void> { out = co_await service_->run(provider_, sids); },
      [&](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
        auto txn = store_->read();
        journaledAtAnswer = store_->journaledAttachments(txn, provider_.id);
        twilio_.detachNeverAnswers(false);
      });
  // Without the window the detachment would wait forever; a test that waits 10 s says so.
  io_.restart();
  while (!out && io_.run_one_for(std::chrono::seconds(10)) > 0) {
  }
  ASSERT_TRUE(out.has_value()) << "no answer while Twilio did not answer the detachment";
  EXPECT_EQ(out->successCount, 1u);
  EXPECT_EQ(out->errors.size(), 2u);
  EXPECT_EQ(journaledAtAnswer, std::vector<std::string>{sidOf(2)});
  EXPECT_EQ(stored(), std::vector<std::string>{sidOf(1)});

  io_.run();  // the sweep
  EXPECT_EQ(twilio_.onTrunk(provider_.trunkSid), std::vector<std::string>{sidOf(1)});
  auto txn = store_->read();
  EXPECT_TRUE(store_->journaledAttachments(txn, provider_.id).empty());
}

}  // namespace
}  // namespace gw::import
