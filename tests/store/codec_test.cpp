#include "store/codec.hpp"

#include <gtest/gtest.h>

#include "store/store.hpp"
#include "tests/store/sample_records.hpp"

namespace gw::store {
namespace {

TEST(CodecTest, NumberRoundTrips) {
  PhoneNumber n;
  n.id = "id";
  n.orgId = "org";
  n.providerId = "p";
  n.phoneNumberSid = "PN1";
  n.phoneNumber = "+1";
  n.displayName = std::string("with\0nul", 8);
  n.description = "d";
  n.incomingCallsAgentId = "a";
  n.createdMs = -5;
  n.updatedMs = 1LL << 40;
  PhoneNumber back = codec::decodeNumber(codec::encode(n));
  EXPECT_EQ(back.displayName, n.displayName);
  EXPECT_EQ(back.incomingCallsAgentId, "a");
  EXPECT_EQ(back.createdMs, -5);
  EXPECT_EQ(back.updatedMs, 1LL << 40);
}

TEST(CodecTest, TruncatedOrUnknownRecordsAreErrors) {
  PhoneNumber n;
  n.id = "id";
  std::string bytes = codec::encode(n);
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_THROW(codec::decodeNumber(std::string_view(bytes).substr(0, cut)), StoreError) << cut;
  }
  bytes[0] = 99;
  EXPECT_THROW(codec::decodeNumber(bytes), StoreError);
  EXPECT_THROW(codec::decodeProvider(""), StoreError);
}

TEST(CodecTest, ProviderRoundTripsEveryField) {
  Provider p = testing::sampleProvider("p1", "org-1", -3);
  p.authToken = std::string("se\0cret", 7);
  EXPECT_EQ(codec::decodeProvider(codec::encode(p)), p);
  EXPECT_EQ(codec::decodeProvider(codec::encode(Provider{})), Provider{});
}

TEST(CodecTest, DecodingIntoAUsedRecordReplacesEveryField) {
  PhoneNumber n = testing::sampleNumber(1);
  n.incomingCallsAgentId = std::string(100, 'a');
  PhoneNumber shorter = testing::sampleNumber(2);
  codec::decodeNumber(codec::encode(shorter), n);
  EXPECT_EQ(n, shorter);
}

TEST(CodecTest, RecordsLongerThanTheirFormatAreErrors) {
  std::string number = codec::encode(testing::sampleNumber(1));
  std::string provider = codec::encode(testing::sampleProvider("p1"));
  EXPECT_THROW(codec::decodeNumber(number + "x"), StoreError);
  EXPECT_THROW(codec::decodeProvider(provider + "x"), StoreError);
  EXPECT_THROW(codec::decodeProvider(number), StoreError);
}

}  // namespace
}  // namespace gw::store
