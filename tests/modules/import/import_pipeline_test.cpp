// ImportService against a scripted Twilio: the order of the requests it sends while the
// account is listed (attachments start before the listing ends; the listing stops once
// every wanted SID was seen, and runs to its end when one is missing).
#include <atomic>
#include <cstdio>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/uuid.hpp"
#include "modules/import/import_service.hpp"
#include "sip/directory.hpp"
#include "sip/routing_table.hpp"
#include "store/store.hpp"
#include "tests/async/io_runner.hpp"
#include "tests/twilio/scripted_http_server.hpp"
#include "tests/modules/import/service_stack.hpp"
#include "tests/support/temp_dir.hpp"

namespace gw::import {
namespace {

using twilio::testing::RecordedRequest;
using twilio::testing::ScriptedHttpServer;
using twilio::testing::ScriptedResponse;

const std::string kAccount = "AC" + std::string(32, 'a');
const std::string kToken = std::string(32, '7');
const std::string kTrunk = "TK" + std::string(32, 'c');
const std::string kAccountPath = "/2010-04-01/Accounts/" + kAccount;
const std::string kListPath = kAccountPath + "/IncomingPhoneNumbers.json";

std::string pnSid(int i) {
  char sid[35];
  std::snprintf(sid, sizeof sid, "PN%032d", i);
  return sid;
}

std::string numberJson(int n, const std::string& trunk = "") {
  return R"({"account_sid":")" + kAccount + R"(","friendly_name":"Line )" + std::to_string(n) +
         R"(","phone_number":"+1415555)" + std::to_string(1000 + n) + R"(","sid":")" + pnSid(n) +
         R"(","trunk_sid":)" + (trunk.empty() ? "null" : "\"" + trunk + "\"") + "}";
}

bool isListing(const RecordedRequest& r) {
  return r.method == "GET" && r.target.rfind(kListPath, 0) == 0;
}
bool isAttachment(const RecordedRequest& r) {
  return r.method == "POST" && r.target == "/v1/Trunks/" + kTrunk + "/PhoneNumbers";
}
bool isSingleFetch(const RecordedRequest& r) {
  return r.method == "GET" && r.target.rfind(kAccountPath + "/IncomingPhoneNumbers/", 0) == 0;
}

class ImportPipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = store::Store::open(dir_.path(), store::StoreOptions{size_t{64} << 20, false});
    twilio::TwilioConfig config;
    config.apiUrl = config.trunkingUrl = server_.url();
    config.backoffBase = std::chrono::milliseconds(1);
    config.backoffCap = std::chrono::milliseconds(5);
    config.jitterSeed = 7;
    stack_ = std::make_unique<testing::ServiceStack>(io_, *store_, routes_, config);

    provider_.id = newUuid();
    provider_.orgId = "org-1";
    provider_.accountSid = kAccount;
    provider_.authToken = kToken;
    provider_.trunkSid = kTrunk;
    auto txn = store_->write();
    store_->putProvider(txn, provider_);
    txn.commit();
  }
  void TearDown() override {
    stack_.reset();
    store_.reset();
  }

  // An account of pages x perPage numbers (PN...0 upwards), linked by next_page_uri;
  // attachments succeed, single fetches of unknown SIDs are 404. `hold` (optional) lets a
  // test keep one page's answer back until a condition holds.
  // `rejectedPage` (optional) answers 401/20003, as Twilio does for revoked credentials.
  void serveAccount(int pages, int perPage, int heldPage = -1, std::function<bool()> holdUntil = {},
                    int rejectedPage = -1) {
    server_.setHandler([=](const RecordedRequest& req) {
      if (isListing(req)) {
        int index = 0;
        if (auto at = req.target.find("&Page="); at != std::string::npos) {
          index = std::stoi(req.target.substr(at + 6));
        }
        if (index == rejectedPage) {
          auto r = ScriptedResponse::twilioError(401, 20003, "Authenticate");
          if (index == heldPage) r.holdUntil = holdUntil;
          return r;
        }
        std::string items;
        for (int i = 0; i < perPage; ++i) {
          if (i) items += ',';
          items += numberJson(index * perPage + i);
        }
        std::string next = index + 1 < pages
                               ? "\"" + kListPath +
                                     "?PageSize=1000&Page=" + std::to_string(index + 1) +
                                     "&PageToken=PA" + std::to_string(index + 1) + "\""
                               : "null";
        auto r = ScriptedResponse::json(
            200, R"({"incoming_phone_numbers":[)" + items + R"(],"next_page_uri":)" + next + "}");
        if (index == heldPage) r.holdUntil = holdUntil;
        return r;
      }
      if (isAttachment(req)) {
        int n = std::stoi(req.body.substr(req.body.find("PN") + 2));
        return ScriptedResponse::json(201, numberJson(n, kTrunk));
      }
      return ScriptedResponse::twilioError(404, 20404, "The requested resource was not found");
    });
  }

  ImportOutcome runImport(const std::vector<std::string>& sids) {
    return twilio::testing::runToCompletion(io_, stack_->service.run(provider_, sids));
  }

  size_t count(bool (*what)(const RecordedRequest&)) const {
    size_t n = 0;
    for (const auto& r : server_.requests()) n += what(r) ? 1 : 0;
    return n;
  }

  ScriptedHttpServer server_;
  testsupport::TempDir dir_{"gw-import-pipeline"};  // removed after store_ closes
  boost::asio::io_context io_;
  std::unique_ptr<store::Store> store_;
  sip::RoutingTable routes_{6};
  std::unique_ptr<testing::ServiceStack> stack_;
  store::Provider provider_;
};

TEST_F(ImportPipelineTest, AttachesTheNumbersOfAPageWhileTheNextPagesAreListed) {
  // 25 wanted SIDs: all of pages 0 and 1, half of page 2. Page 2 is only answered once
  // the numbers of pages 0 and 1 have all been attached (or after the hold limit, which
  // an import that lists first and attaches afterwards runs into).
  std::atomic<size_t> attachedBeforeLastPage{0};
  serveAccount(3, 10, 2, [this, &attachedBeforeLastPage] {
    attachedBeforeLastPage = count(isAttachment);
    return attachedBeforeLastPage >= 20;
  });
  std::vector<std::string> sids;
  for (int i = 0; i < 25; ++i) sids.push_back(pnSid(i));
  auto out = runImport(sids);

  EXPECT_EQ(attachedBeforeLastPage.load(), 20u);
  EXPECT_EQ(out.successCount, 25u);
  EXPECT_TRUE(out.errors.empty());
  EXPECT_EQ(count(isListing), 3u);
  EXPECT_EQ(count(isAttachment), 25u);
  EXPECT_EQ(out.twilioLookups, 3u);
  EXPECT_EQ(routes_.size(), 25u);
}

TEST_F(ImportPipelineTest, StopsListingOnceEveryWantedSidWasSeen) {
  serveAccount(5, 20);  // 100 numbers; the 30 wanted are on the first two pages
  std::vector<std::string> sids;
  for (int i = 0; i < 30; ++i) sids.push_back(pnSid(i));
  auto out = runImport(sids);

  EXPECT_EQ(out.successCount, 30u);
  EXPECT_EQ(count(isListing), 2u);  // the page budget (3) would allow one more
  EXPECT_EQ(count(isSingleFetch), 0u);
  EXPECT_EQ(count(isAttachment), 30u);
  EXPECT_EQ(out.twilioLookups, 2u);
}

TEST_F(ImportPipelineTest, ListsToTheEndWhenAWantedSidIsMissing) {
  serveAccount(3, 20);  // 60 numbers; 29 wanted on the first two pages, one unknown
  std::vector<std::string> sids;
  for (int i = 0; i < 15; ++i) sids.push_back(pnSid(i));
  const std::string unknown = pnSid(999);
  sids.push_back(unknown);
  for (int i = 15; i < 29; ++i) sids.push_back(pnSid(i));
  auto out = runImport(sids);

  EXPECT_EQ(out.successCount, 29u);
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].phoneNumberSid, unknown);
  EXPECT_EQ(out.errors[0].errorMessage, "Not found");
  EXPECT_EQ(count(isListing), 3u);      // a complete listing, not stopped early
  EXPECT_EQ(count(isSingleFetch), 0u);  // missing from a complete listing: not fetched
  EXPECT_EQ(count(isAttachment), 29u);
}

TEST_F(ImportPipelineTest, CredentialsRejectedOnTheFirstPageImportNothing) {
  serveAccount(3, 20, -1, {}, 0);
  std::vector<std::string> sids;
  for (int i = 0; i < 30; ++i) sids.push_back(pnSid(i));
  auto out = runImport(sids);

  ASSERT_TRUE(out.credentialsRejected.has_value());
  EXPECT_EQ(out.credentialsRejected->code, 20003);
  EXPECT_EQ(out.successCount, 0u);
  EXPECT_EQ(count(isAttachment), 0u);
  EXPECT_EQ(routes_.size(), 0u);
}

// Regression: attachments start while the account is still listed, so credentials revoked
// during an import can be refused after numbers are on the trunk. Those numbers were
// neither stored nor reported (502 "No number was imported") although Twilio had them on
// our trunk. They are imported now; only the rest fail, with the reason.
TEST_F(ImportPipelineTest, CredentialsRejectedAfterAttachmentsImportWhatIsOnTheTrunk) {
  // Page 0 (20 wanted numbers) is answered; page 1 is refused once they were all attached.
  serveAccount(
      3, 20, 1, [this] { return count(isAttachment) >= 20; }, 1);
  std::vector<std::string> sids;
  for (int i = 0; i < 30; ++i) sids.push_back(pnSid(i));
  auto out = runImport(sids);

  EXPECT_FALSE(out.credentialsRejected.has_value());
  EXPECT_EQ(out.successCount, 20u);
  ASSERT_EQ(out.errors.size(), 10u);
  for (size_t i = 0; i < out.errors.size(); ++i) {
    EXPECT_EQ(out.errors[i].phoneNumberSid, pnSid(20 + static_cast<int>(i)));
    EXPECT_THAT(out.errors[i].errorMessage,
                ::testing::HasSubstr("Twilio rejected the provider's credentials"));
  }
  EXPECT_EQ(count(isAttachment), 20u);
  EXPECT_EQ(routes_.size(), 20u);
  EXPECT_TRUE(store_->findNumberBySid(store_->read(), pnSid(0)).has_value());
  EXPECT_FALSE(store_->findNumberBySid(store_->read(), pnSid(20)).has_value());
}

}  // namespace
}  // namespace gw::import
