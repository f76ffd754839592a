#include "sip/uri_target.hpp"

#include <gtest/gtest.h>

#include <string>

namespace gw::sip {
namespace {

Result<UriTarget, UriTargetError> targetOfText(std::string_view text) {
  auto uri = parseUri(text);
  if (!uri) {
    ADD_FAILURE() << "does not parse: " << text;
    return UriTargetError::kNotSip;
  }
  return uriTarget(*uri);
}

TEST(UriTargetTest, SipDefaultsToUdpOnPort5060) {
  auto t = targetOfText("sip:agent@10.0.0.5");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->peer.address.to_string(), "10.0.0.5");
  EXPECT_EQ(t->peer.port, 5060);
  EXPECT_EQ(t->peer.transport, Transport::kUdp);
  EXPECT_TRUE(t->host.empty());
  EXPECT_FALSE(t->tls);
}

TEST(UriTargetTest, SchemeAndTransportAreCaseInsensitive) {
  for (const char* text :
       {"SIP:agent@pbx.example.com;Transport=TCP", "Sip:pbx.example.com;transport=tcp",
        "sip:agent@pbx.example.com;TRANSPORT=tcp;lr"}) {
    auto t = targetOfText(text);
    ASSERT_TRUE(t) << text;
    EXPECT_EQ(t->host, "pbx.example.com") << text;
    EXPECT_EQ(t->peer.transport, Transport::kTcp) << text;
    EXPECT_EQ(t->peer.port, 5060) << text;
  }
  auto udp = targetOfText("sip:agent@pbx.example.com:5070;transport=UDP");
  ASSERT_TRUE(udp);
  EXPECT_EQ(udp->peer.transport, Transport::kUdp);
  EXPECT_EQ(udp->peer.port, 5070);
}

TEST(UriTargetTest, SipsIsTlsOverTcpOnPort5061) {
  for (const char* text : {"sips:agent@example.com", "SIPS:agent@example.com;transport=tcp"}) {
    auto t = targetOfText(text);
    ASSERT_TRUE(t) << text;
    EXPECT_TRUE(t->tls) << text;
    EXPECT_EQ(t->peer.transport, Transport::kTcp) << text;
    EXPECT_EQ(t->peer.port, 5061) << text;
  }
  auto explicitPort = targetOfText("sips:agent@10.0.0.6:5071");
  ASSERT_TRUE(explicitPort);
  EXPECT_EQ(explicitPort->peer.port, 5071);
  EXPECT_EQ(explicitPort->peer.address.to_string(), "10.0.0.6");
}

TEST(UriTargetTest, RefusesWhatNoSupportedTransportReaches) {
  for (const char* text : {"sip:a@h.example.com;transport=tls",
                           "sip:a@h.example.com;transport=sctp", "sip:a@h.example.com;transport=ws",
                           "sip:a@h.example.com;transport", "sip:a@h.example.com;transport="}) {
    auto t = targetOfText(text);
    ASSERT_FALSE(t) << text;
    EXPECT_EQ(t.error(), UriTargetError::kUnsupportedTransport) << text;
  }
  auto sipsUdp = targetOfText("sips:a@h.example.com;transport=udp");
  ASSERT_FALSE(sipsUdp);
  EXPECT_EQ(sipsUdp.error(), UriTargetError::kSipsOverUdp);
  EXPECT_NE(describe(UriTargetError::kSipsOverUdp).find("TCP"), std::string_view::npos);
  EXPECT_NE(describe(UriTargetError::kUnsupportedTransport).find(";transport=tcp"),
            std::string_view::npos);
}

TEST(UriTargetTest, IpLiteralsBecomeAddressesAndNamesStayToResolve) {
  auto v6 = targetOfText("sip:agent@[2001:db8::1]:5070;transport=tcp");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->host.empty());
  EXPECT_EQ(v6->peer.address.to_string(), "2001:db8::1");
  EXPECT_EQ(v6->peer.port, 5070);
  auto mapped = targetOfText("sip:[::ffff:10.0.0.1]");
  ASSERT_TRUE(mapped);
  EXPECT_TRUE(mapped->peer.address.is_v4());
  EXPECT_EQ(mapped->peer.address.to_string(), "10.0.0.1");
  auto name = targetOfText("sip:agent@PBX.example.com");
  ASSERT_TRUE(name);
  EXPECT_EQ(name->host, "PBX.example.com");  // as written: resolved by name
  EXPECT_TRUE(name->peer.address.is_unspecified());
}

TEST(UriTargetTest, RoutesOnTheHostWhateverTheUserPartAndOtherParameters) {
  // An '@' in a password must be escaped (RFC 3261 25.1); maddr is not honoured.
  auto t = targetOfText("sip:user:p%40ss@10.0.0.7;maddr=192.0.2.9;lr;user=phone");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->peer.address.to_string(), "10.0.0.7");
  EXPECT_EQ(t->peer.port, 5060);
}

TEST(UriTargetTest, OnlySipAndSipsHaveATarget) {
  auto tel = targetOfText("tel:+14155550100");
  ASSERT_FALSE(tel);
  EXPECT_EQ(tel.error(), UriTargetError::kNotSip);
  auto other = targetOfText("mailto:agent@example.com");
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error(), UriTargetError::kNotSip);
  Uri noHost;
  noHost.scheme = "sip";
  auto t = uriTarget(noHost);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error(), UriTargetError::kNoHost);
}

TEST(UriTargetTest, MalformedUrisNeverGetThatFar) {
  // What parseUri refuses cannot be targeted at all: bad ports, no host, an unescaped '@'
  // in the password, an unclosed IPv6 literal.
  for (const char* text : {"sip:a@10.0.0.5:0", "sip:a@10.0.0.5:65536", "sip:a@", "sip:",
                           "sip:user:p@ss@host.example.com", "sip:a@[2001:db8::1", "sip:a@[]"}) {
    EXPECT_FALSE(parseUri(text)) << text;
  }
}

}  // namespace
}  // namespace gw::sip
