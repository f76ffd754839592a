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

// A provider record as schema 2 wrote it: format 1, which is format 2 without the
// allowedAddresses list at the end.
std::string providerFormat1(Provider p) {
  p.allowedAddresses.clear();
  std::string bytes = codec::encode(p);
  EXPECT_EQ(bytes.substr(bytes.size() - 4), std::string(4, '\0'));  // the empty list
  bytes.resize(bytes.size() - 4);
  bytes[0] = 1;
  return bytes;
}

TEST(CodecTest, ProviderRoundTripsAllowedAddresses) {
  Provider p = testing::sampleProvider("p1");
  ASSERT_EQ(p.allowedAddresses.size(), 3u);
  EXPECT_EQ(codec::decodeProvider(codec::encode(p)).allowedAddresses, p.allowedAddresses);
  p.allowedAddresses = {std::string("a\0b", 3), ""};
  EXPECT_EQ(codec::decodeProvider(codec::encode(p)).allowedAddresses, p.allowedAddresses);
  EXPECT_EQ(codec::encode(p)[0], 2);
}

TEST(CodecTest, ProviderFormat1DecodesWithTwilioRanges) {
  Provider p = testing::sampleProvider("p1", "org-1", 77);
  Provider back = codec::decodeProvider(providerFormat1(p));
  ASSERT_EQ(back.allowedAddresses.size(), 8u);
  EXPECT_EQ(back.allowedAddresses, defaultAllowedAddresses());
  EXPECT_EQ(back.allowedAddresses.front(), "54.172.60.0/30");
  EXPECT_EQ(back.allowedAddresses.back(), "177.71.206.192/30");
  back.allowedAddresses = p.allowedAddresses;
  EXPECT_EQ(back, p);
  // Written back, it becomes format 2 and keeps the ranges.
  Provider rewritten =
      codec::decodeProvider(codec::encode(codec::decodeProvider(providerFormat1(p))));
  EXPECT_EQ(rewritten.allowedAddresses, defaultAllowedAddresses());
}

TEST(CodecTest, ProviderFormatsOutsideTheKnownOnesAreErrors) {
  std::string bytes = codec::encode(testing::sampleProvider("p1"));
  for (char format : {0, 4, 99}) {  // 3 holds a sealed token (secret_box_test.cpp)
    bytes[0] = format;
    try {
      codec::decodeProvider(bytes);
      FAIL() << "format " << int{format};
    } catch (const StoreError& e) {
      EXPECT_NE(std::string(e.what()).find("provider record has format " + std::to_string(format)),
                std::string::npos)
          << e.what();
    }
  }
  // Format 1 with a format 2 tail is longer than its format.
  bytes[0] = 1;
  EXPECT_THROW(codec::decodeProvider(bytes), StoreError);
}

TEST(CodecTest, TruncatedOrOverlongProviderListsAreErrors) {
  std::string bytes = codec::encode(testing::sampleProvider("p1"));
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_THROW(codec::decodeProvider(std::string_view(bytes).substr(0, cut)), StoreError) << cut;
  }
  // A list count far beyond the bytes left must be refused, not allocated.
  Provider empty = testing::sampleProvider("p1");
  empty.allowedAddresses.clear();
  std::string huge = codec::encode(empty);
  huge.replace(huge.size() - 4, 4, "\xff\xff\xff\x7f");
  EXPECT_THROW(codec::decodeProvider(huge), StoreError);
}

TEST(CodecTest, AgentRoundTripsEveryField) {
  Agent a = testing::sampleAgent("a1", "org-1", -9);
  a.outboundPhoneNumberId = "n1";
  a.name = std::string("with\0nul", 8);
  EXPECT_EQ(codec::decodeAgent(codec::encode(a)), a);
  EXPECT_EQ(codec::decodeAgent(codec::encode(Agent{})), Agent{});
}

TEST(CodecTest, TruncatedOverlongOrUnknownAgentRecordsAreErrors) {
  std::string bytes = codec::encode(testing::sampleAgent("a1"));
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_THROW(codec::decodeAgent(std::string_view(bytes).substr(0, cut)), StoreError) << cut;
  }
  EXPECT_THROW(codec::decodeAgent(bytes + "x"), StoreError);
  bytes[0] = 2;
  EXPECT_THROW(codec::decodeAgent(bytes), StoreError);
  EXPECT_THROW(codec::decodeAgent(codec::encode(testing::sampleNumber(1))), StoreError);
}

}  // namespace
}  // namespace gw::store
