// Import requests the gateway must refuse as a whole (400, 401, 404, 413, 415): each answer
// is a problem document, and neither the stored numbers nor the Twilio side change.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/gateway_fixture.hpp"

namespace gw::integration {
namespace {

using ::testing::ElementsAre;
using ::testing::StartsWith;

class ImportRejectionTest : public GatewayTest {
 protected:
  void SetUp() override {
    otherOrgToken_ = randomAdminToken();
    GatewayOptions go;
    go.tokensFile = writeTokensFile({{otherOrgToken_, "org-b"}});
    s_ = startWithProvider(6, go);
    sids_ = sidsOf(s_.numbers);
    // Some state that a wrongly accepted request could disturb.
    ASSERT_EQ(importNumbers(*s_.gateway, s_.providerId, {sids_[0]}).successCount, 1);
    before_ = snapshot(*s_.gateway, *s_.emulator, {s_.account});
  }

  std::string importPath(const std::string& providerId) const {
    return "/api/v1/providers/twilio/" + providerId + "/import-numbers";
  }

  // The answer is a problem document with this status; nothing changed anywhere.
  void expectRejected(const HttpResponse& resp, long status) {
    EXPECT_EQ(resp.status, status) << resp.describe();
    EXPECT_THAT(resp.header("Content-Type").value_or(""), StartsWith("application/problem+json"))
        << resp.describe();
    if (resp.status == status) {
      auto doc = parseJson(resp.body);
      EXPECT_EQ(intMember(doc, "status"), status) << resp.describe();
      EXPECT_TRUE(stringMember(doc, "title").has_value()) << resp.describe();
    }
    EXPECT_EQ(snapshot(*s_.gateway, *s_.emulator, {s_.account}), before_);
  }

  Setup s_;
  std::vector<std::string> sids_;
  std::string otherOrgToken_;
  StateSnapshot before_;
};

TEST_F(ImportRejectionTest, RejectsInvalidSidAtIndexThree) {
  std::string upperCase = "PN" + std::string(32, 'A');  // hex, but not lowercase

  auto resp =
      postImport(*s_.gateway, s_.providerId, {sids_[1], sids_[2], sids_[3], upperCase, sids_[4]});

  expectRejected(resp, 400);
  EXPECT_THAT(validationErrorKeys(resp.body), ElementsAre("phoneNumberSids[3]"));
}

TEST_F(ImportRejectionTest, RejectsEachInvalidSidByIndex) {
  auto resp = call(*s_.gateway, "POST", importPath(s_.providerId),
                   R"({"phoneNumberSids":[")" + sids_[1] + R"(", 42, "PN123", ")" + sids_[2] +
                       R"(", null, ")" + randomSid("AC") + R"("]})");

  expectRejected(resp, 400);
  EXPECT_THAT(validationErrorKeys(resp.body),
              ElementsAre("phoneNumberSids[1]", "phoneNumberSids[2]", "phoneNumberSids[4]",
                          "phoneNumberSids[5]"));
}

TEST_F(ImportRejectionTest, RejectsEmptySidList) {
  auto resp = postImport(*s_.gateway, s_.providerId, {});

  expectRejected(resp, 400);
  EXPECT_THAT(validationErrorKeys(resp.body), ElementsAre("phoneNumberSids"));
}

TEST_F(ImportRejectionTest, RejectsMoreThanTenThousandSids) {
  std::vector<std::string> sids = {sids_[1], sids_[2]};
  while (sids.size() < 10'001) sids.push_back(randomSid("PN"));

  auto resp = postImport(*s_.gateway, s_.providerId, sids);

  expectRejected(resp, 400);
  EXPECT_THAT(validationErrorKeys(resp.body), ElementsAre("phoneNumberSids"));
}

TEST_F(ImportRejectionTest, RejectsSidsThatAreNotAnArray) {
  auto resp = call(*s_.gateway, "POST", importPath(s_.providerId),
                   R"({"phoneNumberSids":")" + sids_[1] + R"("})");

  expectRejected(resp, 400);
  EXPECT_THAT(validationErrorKeys(resp.body), ElementsAre("phoneNumberSids"));
}

TEST_F(ImportRejectionTest, RejectsBodyWithoutSids) {
  auto resp = call(*s_.gateway, "POST", importPath(s_.providerId), R"({"sids":[]})");

  expectRejected(resp, 400);
  EXPECT_THAT(validationErrorKeys(resp.body), ElementsAre("phoneNumberSids"));
}

TEST_F(ImportRejectionTest, RejectsInvalidJson) {
  auto resp = call(*s_.gateway, "POST", importPath(s_.providerId),
                   R"({"phoneNumberSids":[")" + sids_[1] + R"(",)");

  expectRejected(resp, 400);
}

TEST_F(ImportRejectionTest, RejectsBodyThatIsNotAnObject) {
  auto resp = call(*s_.gateway, "POST", importPath(s_.providerId), R"([")" + sids_[1] + R"("])");

  expectRejected(resp, 400);
}

TEST_F(ImportRejectionTest, RejectsBodyOverOneMebibyte) {
  // Valid JSON naming a real number, made too large by whitespace alone.
  std::string body =
      R"({"phoneNumberSids":[")" + sids_[1] + R"(")" + std::string(1024 * 1024 + 1, ' ') + "]}";

  auto resp = call(*s_.gateway, "POST", importPath(s_.providerId), body);

  expectRejected(resp, 413);
}

TEST_F(ImportRejectionTest, RejectsNonJsonContentType) {
  auto resp = callWithContentType(*s_.gateway, "POST", importPath(s_.providerId),
                                  sidsBody({sids_[1]}), "text/plain");

  expectRejected(resp, 415);
}

TEST_F(ImportRejectionTest, RejectsMissingContentType) {
  auto resp =
      callWithContentType(*s_.gateway, "POST", importPath(s_.providerId), sidsBody({sids_[1]}), "");

  expectRejected(resp, 415);
}

TEST_F(ImportRejectionTest, RejectsRequestWithoutToken) {
  auto resp = postImport(*s_.gateway, s_.providerId, {sids_[1]}, "");

  expectRejected(resp, 401);
  EXPECT_THAT(resp.header("WWW-Authenticate").value_or(""), StartsWith("Bearer"));
}

TEST_F(ImportRejectionTest, RejectsUnknownToken) {
  auto resp = postImport(*s_.gateway, s_.providerId, {sids_[1]}, randomAdminToken());

  expectRejected(resp, 401);
  EXPECT_THAT(resp.header("WWW-Authenticate").value_or(""), StartsWith("Bearer"));
}

TEST_F(ImportRejectionTest, RejectsTokenInAnotherScheme) {
  HttpRequest req = importRequest(*s_.gateway, s_.providerId, {sids_[1]}, "");
  req.headers.push_back("Authorization: Basic " + adminToken());

  auto resp = http().send(req);

  expectRejected(resp, 401);
}

TEST_F(ImportRejectionTest, ReportsNotFoundForUnknownProvider) {
  auto resp = postImport(*s_.gateway, randomUuid(), {sids_[1]});

  expectRejected(resp, 404);
}

TEST_F(ImportRejectionTest, RejectsProviderIdThatIsNotUuid) {
  auto resp = postImport(*s_.gateway, "provider-1", {sids_[1]});

  expectRejected(resp, 400);
  EXPECT_THAT(validationErrorKeys(resp.body), ElementsAre("id"));
}

// Another organisation's provider is answered exactly like a missing one.
TEST_F(ImportRejectionTest, ReportsNotFoundForAnotherOrgsProvider) {
  auto resp = postImport(*s_.gateway, s_.providerId, {sids_[1]}, otherOrgToken_);

  expectRejected(resp, 404);
  EXPECT_EQ(listNumbers(*s_.gateway, "", otherOrgToken_).totalCount, 0);
}

}  // namespace
}  // namespace gw::integration
