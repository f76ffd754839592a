#include "sip/cidr.hpp"

#include <gtest/gtest.h>

#include "common/twilio_ranges.hpp"

namespace gw::sip {
namespace {

boost::asio::ip::address ip(const char* text) {
  return boost::asio::ip::make_address(text);
}

TEST(CidrTest, ParsesIpv4BlocksAndBareAddresses) {
  auto c = Cidr::parse("54.172.60.0/30");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->text(), "54.172.60.0/30");
  EXPECT_TRUE(c->contains(ip("54.172.60.0")));
  EXPECT_TRUE(c->contains(ip("54.172.60.3")));
  EXPECT_FALSE(c->contains(ip("54.172.60.4")));
  EXPECT_FALSE(c->contains(ip("54.172.59.255")));

  auto host = Cidr::parse("10.1.2.3");
  ASSERT_TRUE(host);
  EXPECT_EQ(host->text(), "10.1.2.3/32");
  EXPECT_TRUE(host->contains(ip("10.1.2.3")));
  EXPECT_FALSE(host->contains(ip("10.1.2.4")));
}

TEST(CidrTest, ZeroPrefixMatchesEveryAddressOfItsFamily) {
  auto all4 = Cidr::parse("0.0.0.0/0");
  ASSERT_TRUE(all4);
  EXPECT_TRUE(all4->contains(ip("203.0.113.9")));
  EXPECT_FALSE(all4->contains(ip("2001:db8::1")));
  auto all6 = Cidr::parse("::/0");
  ASSERT_TRUE(all6);
  EXPECT_TRUE(all6->contains(ip("2001:db8::1")));
}

TEST(CidrTest, ParsesIpv6AndMatchesByPrefix) {
  auto c = Cidr::parse("2001:db8:abcd::/48");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->text(), "2001:db8:abcd::/48");
  EXPECT_TRUE(c->contains(ip("2001:db8:abcd:1::5")));
  EXPECT_FALSE(c->contains(ip("2001:db8:abce::1")));
  EXPECT_FALSE(c->contains(ip("10.0.0.1")));
}

TEST(CidrTest, OddPrefixLengthsMaskPartialBytes) {
  auto c = Cidr::parse("177.71.206.192/27");
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->contains(ip("177.71.206.223")));
  EXPECT_FALSE(c->contains(ip("177.71.206.224")));
}

TEST(CidrTest, Ipv4MappedSourceMatchesIpv4Block) {
  auto c = Cidr::parse("127.0.0.0/8");
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->contains(ip("::ffff:127.0.0.1")));
  EXPECT_FALSE(c->contains(ip("::1")));
}

TEST(CidrTest, RefusesMalformedText) {
  for (const char* bad :
       {"", "/", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/8x", "10.0.0/8", "::/129", "example.com",
        "10.0.0.0/-1", "10.0.0.1/8", "fe80::1%eth0", "2001:db8::1/32", " 10.0.0.0/8"}) {
    EXPECT_FALSE(Cidr::parse(bad)) << bad;
  }
}

TEST(CidrTest, TwilioRangesAllParse) {
  for (auto r : kTwilioSignalingRanges) {
    auto c = Cidr::parse(r);
    ASSERT_TRUE(c) << r;
    EXPECT_EQ(c->text(), r);
  }
}

}  // namespace
}  // namespace gw::sip
