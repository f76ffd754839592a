#include "sip/uri.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace gw::sip {
namespace {

TEST(SipUriTest, ParsesSipUriWithUserHostPortParamsAndHeaders) {
  const auto u = parseUri("sip:alice:secret@atlanta.com:5070;transport=tcp;lr?subject=x&h=y");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->scheme, "sip");
  EXPECT_TRUE(u->isSip());
  EXPECT_FALSE(u->isTel());
  EXPECT_EQ(u->user, "alice");
  EXPECT_EQ(u->host, "atlanta.com");
  EXPECT_EQ(u->port, 5070);
  EXPECT_EQ(u->params, ";transport=tcp;lr");
  EXPECT_EQ(u->headers, "subject=x&h=y");
  EXPECT_EQ(u->param("transport"), "tcp");
  EXPECT_EQ(u->param("TRANSPORT"), "tcp");
  EXPECT_EQ(u->param("lr"), "");
  EXPECT_FALSE(u->param("maddr"));
}

TEST(SipUriTest, ParsesHostOnlyAndSips) {
  const auto u = parseUri("SIPS:gw.example.com");
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->isSip());
  EXPECT_EQ(u->user, "");
  EXPECT_EQ(u->host, "gw.example.com");
  EXPECT_EQ(u->port, 0);
  EXPECT_EQ(u->params, "");

  const auto p = parseUri("sip:10.0.0.1:5060");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->host, "10.0.0.1");
  EXPECT_EQ(p->port, 5060);
}

TEST(SipUriTest, ParsesUserParameters) {
  const auto u = parseUri("sip:+1-415-555-0100;phone-context=x@host;user=phone");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->user, "+1-415-555-0100;phone-context=x");
  EXPECT_EQ(u->userBase(), "+1-415-555-0100");
  EXPECT_EQ(u->host, "host");
  EXPECT_EQ(u->params, ";user=phone");
  EXPECT_EQ(u->param("user"), "phone");
  EXPECT_FALSE(u->param("phone-context"));  // a user parameter, not a URI parameter
}

TEST(SipUriTest, ParsesIpv6Hosts) {
  const auto u = parseUri("sip:bob@[2001:db8::10]:5061;transport=tls");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "2001:db8::10");
  EXPECT_EQ(u->port, 5061);
  EXPECT_EQ(u->param("transport"), "tls");
  const auto noPort = parseUri("sip:[::ffff:192.0.2.1]");
  ASSERT_TRUE(noPort);
  EXPECT_EQ(noPort->host, "::ffff:192.0.2.1");
  EXPECT_EQ(noPort->port, 0);
}

TEST(SipUriTest, ParsesTelUris) {
  const auto g = parseUri("tel:+1-201-555-0123");
  ASSERT_TRUE(g);
  EXPECT_TRUE(g->isTel());
  EXPECT_FALSE(g->isSip());
  EXPECT_EQ(g->user, "+1-201-555-0123");
  EXPECT_EQ(g->host, "");
  const auto l = parseUri("tel:7042;phone-context=example.com");
  ASSERT_TRUE(l);
  EXPECT_EQ(l->user, "7042");
  EXPECT_EQ(l->param("phone-context"), "example.com");
  EXPECT_EQ(parseUri("tel:(415)555.0100")->user, "(415)555.0100");
}

TEST(SipUriTest, KeepsEscapesAndOddButValidParts) {
  const auto u = parseUri("sip:%2B1415;isub=1@host-name_1.example:5060;maddr=239.255.255.1?");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->user, "%2B1415;isub=1");
  EXPECT_EQ(u->userBase(), "%2B1415");
  EXPECT_EQ(u->host, "host-name_1.example");
  EXPECT_EQ(u->param("maddr"), "239.255.255.1");
  EXPECT_EQ(u->headers, "");
  const auto pw = parseUri("sip:user:p%40ss;w=rd@h");
  ASSERT_TRUE(pw);
  EXPECT_EQ(pw->user, "user");
  EXPECT_EQ(pw->host, "h");
}

TEST(SipUriTest, RecognisesOtherSchemesWithoutParsingThem) {
  const auto u = parseUri("mailto:alice@example.com");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->scheme, "mailto");
  EXPECT_FALSE(u->isSip());
  EXPECT_FALSE(u->isTel());
  EXPECT_EQ(u->host, "");
  EXPECT_TRUE(parseUri("urn:service:sos"));
}

TEST(SipUriTest, RejectsMalformedUris) {
  for (const char* bad : {"",
                          "sip:",
                          "sip:@host",
                          "sip:user@",
                          "sip:host:0",
                          "sip:host:65536",
                          "sip:host:abc",
                          "sip:host:",
                          "sip:ho st",
                          "sip:host>",
                          "sip:<host>",
                          "sip:[2001:db8::1",
                          "sip:[]",
                          "sip:[nothex]",
                          "sip:[1.2.3.4]",
                          "sip:host/path",
                          "sip:user@host@other!",
                          "tel:",
                          "tel:+1 415",
                          "tel:abcxyz",
                          "tel:+1;a=b?c",
                          "no-scheme",
                          ":x",
                          "1sip:x",
                          "s%p:x",
                          "mailto:",
                          "sip:host\r\n",
                          "sip:a\"b@host"}) {
    EXPECT_FALSE(parseUri(bad)) << bad;
  }
}

TEST(SipUriTest, FindsParametersCaseInsensitivelyWithLws) {
  const std::string_view params = ";branch=z9hG4bK1 ; RPORT ;received = 10.0.0.1;q=\"a;b\";x";
  EXPECT_EQ(findParam(params, "branch"), "z9hG4bK1");
  EXPECT_EQ(findParam(params, "rport"), "");
  EXPECT_EQ(findParam(params, "received"), "10.0.0.1");
  EXPECT_EQ(findParam(params, "q"), "\"a;b\"");
  EXPECT_EQ(findParam(params, "x"), "");
  EXPECT_FALSE(findParam(params, "b\""));
  EXPECT_FALSE(findParam(params, "branc"));
  EXPECT_FALSE(findParam("", "x"));
  EXPECT_FALSE(findParam(";;", ""));
  EXPECT_EQ(findParam("tag=1", "tag"), "1");  // the leading ';' is optional
  EXPECT_FALSE(findParam(";q=\"unterminated\\", "x"));
}

TEST(SipNameAddrTest, ParsesQuotedDisplayNameWithEscapedQuotes) {
  const auto na = parseNameAddr(R"("Alice \"Al\" Smith" <sip:alice@example.com>;tag=abc;x=1)");
  ASSERT_TRUE(na);
  EXPECT_EQ(na->displayName, R"(Alice \"Al\" Smith)");
  EXPECT_EQ(na->uriText, "sip:alice@example.com");
  EXPECT_EQ(na->uri.user, "alice");
  EXPECT_EQ(na->params, ";tag=abc;x=1");
  EXPECT_EQ(na->tag(), "abc");
}

TEST(SipNameAddrTest, ParsesQuotedDisplayNameHoldingDelimiters) {
  const auto na = parseNameAddr(R"("<sip:evil@x>;tag=no, \\" <sip:real@host>)");
  ASSERT_TRUE(na);
  EXPECT_EQ(na->displayName, R"(<sip:evil@x>;tag=no, \\)");
  EXPECT_EQ(na->uri.user, "real");
  EXPECT_FALSE(na->tag());
}

TEST(SipNameAddrTest, ParsesTokenDisplayNameAndNoDisplayName) {
  const auto a = parseNameAddr("  Bob Smith  <sip:bob@biloxi.com> ");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->displayName, "Bob Smith");
  EXPECT_EQ(a->uri.host, "biloxi.com");
  EXPECT_EQ(a->params, "");
  const auto b = parseNameAddr("<sip:+1-415-555-0100;phone-context=x@host;user=phone>;tag=7");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->displayName, "");
  EXPECT_EQ(b->uri.userBase(), "+1-415-555-0100");
  EXPECT_EQ(b->uri.param("user"), "phone");
  EXPECT_EQ(b->tag(), "7");
  const auto c = parseNameAddr("\"\" <tel:+14155550100>");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->displayName, "");
  EXPECT_TRUE(c->uri.isTel());
}

TEST(SipNameAddrTest, BareAddrSpecParametersBelongToTheHeader) {
  const auto na = parseNameAddr("sip:alice@atlanta.com;tag=88sja8x");
  ASSERT_TRUE(na);
  EXPECT_EQ(na->uriText, "sip:alice@atlanta.com");
  EXPECT_EQ(na->uri.params, "");
  EXPECT_EQ(na->tag(), "88sja8x");
  const auto plain = parseNameAddr("sip:sipp@127.0.0.1:5061");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->uri.port, 5061);
  EXPECT_EQ(plain->params, "");
}

TEST(SipNameAddrTest, UriParametersStayWithTheUriInsideAngles) {
  const auto na = parseNameAddr("<sip:gw.example.com;lr;transport=tcp>;tag=1");
  ASSERT_TRUE(na);
  EXPECT_EQ(na->uri.params, ";lr;transport=tcp");
  EXPECT_EQ(na->params, ";tag=1");
  EXPECT_FALSE(findParam(na->params, "lr"));
}

TEST(SipNameAddrTest, RejectsMalformedValues) {
  for (const char* bad :
       {"", "   ", "\"unterminated <sip:a@b>", "\"Alice\" sip:a@b", "<sip:a@b", "<sip:a@b> junk",
        "<>", "<not a uri>", "Al\"ice <sip:a@b>", "*", "\"x\\\"", "<sip:a@b>x;tag=1"}) {
    EXPECT_FALSE(parseNameAddr(bad)) << bad;
  }
}

TEST(SipViaTest, ParsesAViaValue) {
  const auto v = parseVia("SIP/2.0/UDP 54.172.60.1:5060;branch=z9hG4bK1a2b;rport;received=1.2.3.4");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->transport, "UDP");
  EXPECT_EQ(v->host, "54.172.60.1");
  EXPECT_EQ(v->port, 5060);
  EXPECT_EQ(v->params, ";branch=z9hG4bK1a2b;rport;received=1.2.3.4");
  EXPECT_EQ(v->branch(), "z9hG4bK1a2b");
  EXPECT_EQ(v->rport(), "");
  EXPECT_EQ(v->received(), "1.2.3.4");
}

TEST(SipViaTest, ToleratesLwsAndIpv6AndMissingPort) {
  const auto v =
      parseVia("  sip / 2.0 / tcp   [2001:db8::1] : 5070 ; branch = z9hG4bKx ;rport=5071 ");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->transport, "tcp");
  EXPECT_EQ(v->host, "2001:db8::1");
  EXPECT_EQ(v->port, 5070);
  EXPECT_EQ(v->branch(), "z9hG4bKx");
  EXPECT_EQ(v->rport(), "5071");
  const auto n = parseVia("SIP/2.0/TLS proxy.example.com");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->host, "proxy.example.com");
  EXPECT_EQ(n->port, 0);
  EXPECT_EQ(n->params, "");
  EXPECT_FALSE(n->branch());
}

TEST(SipViaTest, RejectsMalformedValues) {
  for (const char* bad : {"", "SIP/2.0/UDP", "SIP/2.0/UDP ", "SIP/2.0 host", "SIP/3.0/UDP host",
                          "HTTP/2.0/UDP host", "SIP/2.0/UDPhost", "SIP/2.0/UDP host:0",
                          "SIP/2.0/UDP host:99999", "SIP/2.0/UDP host:", "SIP/2.0/UDP host junk",
                          "SIP/2.0/UDP [::1", "SIP/2.0/ UDP", "SIP/2.0/UDP host,next"}) {
    EXPECT_FALSE(parseVia(bad)) << bad;
  }
}

std::vector<std::string> elements(std::string_view value) {
  std::vector<std::string> out;
  forEachListElement(value, [&out](std::string_view e) { out.emplace_back(e); });
  return out;
}

TEST(SipListTest, SplitsOnCommasOutsideQuotesAndAngles) {
  EXPECT_EQ(elements("SIP/2.0/UDP a;branch=1, SIP/2.0/UDP b;branch=2"),
            (std::vector<std::string>{"SIP/2.0/UDP a;branch=1", "SIP/2.0/UDP b;branch=2"}));
  EXPECT_EQ(elements(R"("Doe, John" <sip:j@x;a=b,c>;p="1,2", <sip:y@z>)"),
            (std::vector<std::string>{R"("Doe, John" <sip:j@x;a=b,c>;p="1,2")", "<sip:y@z>"}));
  EXPECT_EQ(elements(R"("a\",b" <sip:x@y>)"), (std::vector<std::string>{R"("a\",b" <sip:x@y>)"}));
  EXPECT_EQ(elements(" , a,,b , "), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(elements("").empty());
  EXPECT_EQ(elements("\"x\\"), (std::vector<std::string>{"\"x\\"}));
}

TEST(SipListTest, StopsWhenTheCallbackReturnsFalse) {
  int calls = 0;
  EXPECT_FALSE(forEachListElement("a, b, c", [&calls](std::string_view) { return ++calls < 2; }));
  EXPECT_EQ(calls, 2);
  EXPECT_TRUE(forEachListElement("a, b", [](std::string_view) { return true; }));
}

TEST(SipListTest, SplitsTheFirstElementOffAndKeepsAnEmptyOne) {
  using Split = std::pair<std::string_view, std::string_view>;
  EXPECT_EQ(splitFirstListElement(" a , b"), Split("a", "b"));
  EXPECT_EQ(splitFirstListElement("a, b, c"), Split("a", "b, c"));
  EXPECT_EQ(splitFirstListElement("<sip:a,b>;x=\"1,2\", c"), Split("<sip:a,b>;x=\"1,2\"", "c"));
  EXPECT_EQ(splitFirstListElement(""), Split("", ""));
  // RFC 3261 lists have no empty element: it comes back empty for the caller to refuse,
  // not skipped.
  EXPECT_EQ(splitFirstListElement(", x"), Split("", "x"));
}

TEST(SipUriTest, ParsesPorts) {
  EXPECT_EQ(parsePort("5060"), 5060);
  EXPECT_EQ(parsePort("65535"), 65535);
  EXPECT_EQ(parsePort("1"), 1);
  for (std::string_view bad : {"", "0", "65536", "123456", "50a", "-1", " 5060"}) {
    EXPECT_FALSE(parsePort(bad)) << bad;
  }
}

}  // namespace
}  // namespace gw::sip
