// Which answer the proxy core gives when several could apply, and the answers that need no
// route: the order of the checks on an INVITE from outside against the ACL (docs/sip.md, "An
// INVITE from outside"), a BYE outside any dialog, an agent's outbound call for a provider
// without a termination URI.
#include <gtest/gtest.h>

#include <string>

#include "sip/proxy.hpp"
#include "tests/sip/proxy_fixture.hpp"
#include "tests/sip/proxy_test_world.hpp"

namespace gw::sip {
namespace {

using test::Request;

// --- Checks on the request itself come before the ACL ---------------------------------

// docs/sip.md, "An INVITE from outside": 420 (Proxy-Require, row 2), 416 (Request-URI
// scheme, row 3) and 483 (Max-Forwards 0, row 4) are answered before the source is checked
// (row 6, 403). They depend on the request alone and say nothing about the called number,
// so an untrusted source learns nothing from them; every other answer waits for the ACL.
TEST_F(ProxyTest, RequestChecksComeBeforeTheAclForAnUntrustedInvite) {
  struct Case {
    const char* what;
    bool proxyRequire;
    bool mailto;
    bool maxForwardsZero;
    int status;
  };
  const Case cases[] = {
      {"nothing wrong with the request", false, false, false, 403},
      {"Proxy-Require", true, false, false, 420},
      {"mailto: Request-URI", false, true, false, 416},
      {"Max-Forwards: 0", false, false, true, 483},
      // Among themselves: 420, then 416, then 483.
      {"Proxy-Require, mailto: and Max-Forwards: 0", true, true, true, 420},
      {"Proxy-Require and Max-Forwards: 0", true, false, true, 420},
      {"mailto: and Max-Forwards: 0", false, true, true, 416},
  };
  for (const Case& c : cases) {
    Request r;
    if (c.proxyRequire) r.extra = "Proxy-Require: foo\r\n";
    if (c.mailto) r.uri = "mailto:someone@example.com";
    if (c.maxForwardsZero) r.maxForwards = 0;
    ASSERT_TRUE(send(r.text(), kStranger)) << c.what;
    EXPECT_EQ(out().statusCode, c.status) << c.what;
  }
  // Only the request that reached the ACL was refused by it.
  EXPECT_EQ(count(counters().aclDenials), 1u);
  EXPECT_EQ(count(counters().forwardedRequests), 0u);
}

// The same checks on the same INVITE from a trusted source: what the stranger got above
// came from the request, not from where it came.
TEST_F(ProxyTest, RequestChecksAnswerATrustedInviteTheSameWay) {
  Request proxyRequire;
  proxyRequire.extra = "Proxy-Require: foo\r\n";
  ASSERT_TRUE(send(proxyRequire.text(), kCaller));
  EXPECT_EQ(out().statusCode, 420);
  Request mailto;
  mailto.uri = "mailto:someone@example.com";
  ASSERT_TRUE(send(mailto.text(), kCaller));
  EXPECT_EQ(out().statusCode, 416);
  Request hops;
  hops.maxForwards = 0;
  ASSERT_TRUE(send(hops.text(), kCaller));
  EXPECT_EQ(out().statusCode, 483);
  ASSERT_TRUE(send(Request{}.text(), kCaller));
  EXPECT_TRUE(out().isRequest);  // nothing wrong: forwarded to the agent
}

// Requests other than INVITE, CANCEL and ACK need a known source before anything else
// (docs/sip.md, "Other methods"): a stranger gets 403 even where a known source would be
// answered without the ACL mattering (OPTIONS with Max-Forwards 0 is answered 200).
TEST_F(ProxyTest, OtherMethodsFromAnUntrustedSourceGet403First) {
  Request options;
  options.method = "OPTIONS";
  options.maxForwards = 0;
  ASSERT_TRUE(send(options.text(), kStranger));
  EXPECT_EQ(out().statusCode, 403);
  ASSERT_TRUE(send(options.text(), kCaller));
  EXPECT_EQ(out().statusCode, 200);
  EXPECT_EQ(count(counters().aclDenials), 1u);
}

// --- BYE outside a dialog ---------------------------------------------------------------

// A BYE without To tag belongs to no dialog the gateway could have record-routed: 481 to a
// source the gateway knows (trusted, a provider's allowedAddresses, an agent), 403 to others.
TEST_F(ProxyTest, ByeOutsideADialogIs481FromAKnownSource) {
  Request bye;
  bye.method = "BYE";
  for (const Peer& known : {kCaller, kCarrier, kAgent}) {
    ASSERT_TRUE(send(bye.text(), known)) << known.address.to_string();
    EXPECT_EQ(out().statusCode, 481) << known.address.to_string();
    EXPECT_EQ(out().reason, "Call/Transaction Does Not Exist");
    EXPECT_EQ(sent_->to, known);
  }
  ASSERT_TRUE(send(bye.text(), kStranger));
  EXPECT_EQ(out().statusCode, 403);
  EXPECT_EQ(count(counters().responsesSentByStatus[481 - 100]), 3u);
  EXPECT_EQ(count(counters().aclDenials), 1u);
  EXPECT_EQ(count(counters().forwardedRequests), 0u);
}

// --- Outbound call for a provider without a termination URI ---------------------------

// A trunk Twilio gave no domain name leaves the provider without a termination URI: the
// agent's call has nowhere to go, with or without --sip-outbound-proxy (the Request-URI
// names the termination domain either way), and is answered 503, not forwarded.
TEST_F(ProxyTest, OutboundCallForAProviderWithoutTerminationUriIs503) {
  world_.provider.terminationUri.clear();
  world_.rebuild();
  Request r;
  r.uri = "sip:+442071838750@gw.example.com";
  r.vias = {"SIP/2.0/UDP 10.0.0.5:5070;branch=z9hG4bKout9"};
  r.from = std::string("<sip:") + test::kCallerId + "@10.0.0.5>;tag=a";
  r.to = "<sip:+442071838750@gw.example.com>";
  ASSERT_TRUE(send(r.text(), kAgent));
  EXPECT_EQ(out().statusCode, 503);
  EXPECT_EQ(sent_->to, kAgent);
  EXPECT_EQ(count(counters().forwardedRequests), 0u);

  ProxyOptions o = options();
  o.outboundProxy = Peer{test::ip("127.0.0.1"), 5099, Transport::kUdp};
  Proxy viaOutboundProxy(world_.routes, o);
  std::string text = r.text();
  auto sent = viaOutboundProxy.onDatagram(std::span<char>(text.data(), text.size()), kAgent,
                                          world_.directory);
  ASSERT_TRUE(sent);
  test::Parsed answer(sent->bytes);
  ASSERT_TRUE(answer.ok);
  EXPECT_EQ(answer.message.statusCode, 503);
  EXPECT_EQ(sent->to, kAgent);
}

}  // namespace
}  // namespace gw::sip
