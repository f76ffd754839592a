#include "sip/proxy.hpp"

#include <gtest/gtest.h>

#include "sip/uri.hpp"
#include "tests/sip/proxy_fixture.hpp"
#include "tests/sip/proxy_test_world.hpp"

namespace gw::sip {
namespace {

using test::ip;
using test::Parsed;
using test::Request;

// --- Gateway-generated answers --------------------------------------------------------

TEST_F(ProxyTest, AnswersOptionsWith200AndAllow) {
  Request r;
  r.method = "OPTIONS";
  r.uri = "sip:gw.example.com";
  ASSERT_TRUE(send(r.text()));
  EXPECT_EQ(out().statusCode, 200);
  EXPECT_EQ(out_->named("Allow"), "INVITE, ACK, BYE, CANCEL, OPTIONS");
  EXPECT_EQ(sent_->to, kCaller);
  EXPECT_FALSE(sent_->onSourceConnection);
  EXPECT_EQ(count(counters().requestsByMethod[static_cast<size_t>(Method::kOptions)]), 1u);
  EXPECT_EQ(count(counters().responsesSentByStatus[200 - 100]), 1u);
}

TEST_F(ProxyTest, OptionsWithMaxForwardsZeroIsStillAnswered) {
  Request r;
  r.method = "OPTIONS";
  r.maxForwards = 0;
  ASSERT_TRUE(send(r.text()));
  EXPECT_EQ(out().statusCode, 200);  // RFC 3261 16.3 step 3
}

TEST_F(ProxyTest, UntrustedSourceGets403AndIsCounted) {
  Request r;
  ASSERT_TRUE(send(r.text(), kStranger));
  EXPECT_EQ(out().statusCode, 403);
  r.method = "OPTIONS";
  ASSERT_TRUE(send(r.text(), kStranger));
  EXPECT_EQ(out().statusCode, 403);
  EXPECT_EQ(count(counters().aclDenials), 2u);
  EXPECT_EQ(count(counters().forwardedRequests), 0u);
}

TEST_F(ProxyTest, ProviderAllowedAddressMayCallIn) {
  ASSERT_TRUE(send(Request{}.text(), kCarrier));
  EXPECT_TRUE(out().isRequest);  // forwarded to the agent
  EXPECT_EQ(count(counters().aclDenials), 0u);
}

TEST_F(ProxyTest, RegisterAndUnknownMethodsAre405WithAllow) {
  for (const char* method : {"REGISTER", "SUBSCRIBE", "FOOBAR"}) {
    Request r;
    r.method = method;
    ASSERT_TRUE(send(r.text())) << method;
    EXPECT_EQ(out().statusCode, 405) << method;
    EXPECT_EQ(out_->named("Allow"), "INVITE, ACK, BYE, CANCEL, OPTIONS");
  }
}

TEST_F(ProxyTest, UnsupportedUriSchemeIs416) {
  Request r;
  r.uri = "mailto:someone@example.com";
  ASSERT_TRUE(send(r.text()));
  EXPECT_EQ(out().statusCode, 416);
}

TEST_F(ProxyTest, MaxForwardsZeroIs483) {
  Request r;
  r.maxForwards = 0;
  ASSERT_TRUE(send(r.text()));
  EXPECT_EQ(out().statusCode, 483);
}

TEST_F(ProxyTest, ProxyRequireIs420WithUnsupported) {
  Request r;
  r.extra = "Proxy-Require: foo\r\n";
  ASSERT_TRUE(send(r.text()));
  EXPECT_EQ(out().statusCode, 420);
  EXPECT_EQ(out_->named("Unsupported"), "foo");
  r.method = "BYE";  // in-dialog requests too
  r.to += ";tag=x";
  r.extra += "Route: <sip:gw.example.com;lr>\r\n";
  ASSERT_TRUE(send(r.text()));
  EXPECT_EQ(out().statusCode, 420);
}

TEST_F(ProxyTest, UnknownNumberIs404WithAStableToTag) {
  Request r;
  r.uri = "sip:+14155559999@gw.example.com";
  ASSERT_TRUE(send(r.text()));
  EXPECT_EQ(out().statusCode, 404);
  std::string to = out_->value(HeaderId::kTo);
  auto tag = parseNameAddr(to)->tag();
  ASSERT_TRUE(tag);
  EXPECT_EQ(*tag, Proxy::localTag(r.callId));
  // A retransmission gets the same tag (no state kept); another call another tag.
  ASSERT_TRUE(send(r.text()));
  EXPECT_EQ(out_->value(HeaderId::kTo), to);
  EXPECT_NE(Proxy::localTag("other-call"), Proxy::localTag(r.callId));
}

TEST_F(ProxyTest, UnlinkedNumberIs480) {
  Request r;
  r.uri = std::string("sip:") + test::kUnlinked + "@gw.example.com";
  ASSERT_TRUE(send(r.text()));
  EXPECT_EQ(out().statusCode, 480);
}

TEST_F(ProxyTest, RedirectAgentIs302WithContact) {
  Request r;
  r.uri = std::string("sip:") + test::kRedirected + "@gw.example.com";
  ASSERT_TRUE(send(r.text()));
  EXPECT_EQ(out().statusCode, 302);
  EXPECT_EQ(out_->value(HeaderId::kContact), "<sip:sales@agents.example.com>");
}

TEST_F(ProxyTest, UnresolvedAgentIs503) {
  Request r;
  r.uri = std::string("sip:") + test::kUnresolved + "@gw.example.com";
  ASSERT_TRUE(send(r.text()));
  EXPECT_EQ(out().statusCode, 503);
}

TEST_F(ProxyTest, TelUriAndVisualSeparatorsRoute) {
  Request r;
  r.uri = "tel:+1-415-555-0100";
  ASSERT_TRUE(send(r.text()));
  EXPECT_TRUE(out().isRequest);
  EXPECT_EQ(out().requestUri, world_.agent.sipUri);
}

TEST_F(ProxyTest, AckOfOurOwnFinalResponseIsAbsorbed) {
  Request r;
  r.uri = "sip:+14155559999@gw.example.com";
  ASSERT_TRUE(send(r.text()));
  ASSERT_EQ(out().statusCode, 404);
  Request ack = r;
  ack.method = "ACK";
  ack.to = r.to + ";tag=" + Proxy::localTag(r.callId);
  EXPECT_FALSE(send(ack.text()));
  EXPECT_EQ(count(counters().absorbedAcks), 1u);
}

TEST_F(ProxyTest, CancelOfARejectedCallIs481) {
  Request r;
  r.method = "CANCEL";
  r.uri = "sip:+14155559999@gw.example.com";
  ASSERT_TRUE(send(r.text()));
  EXPECT_EQ(out().statusCode, 481);
}

// --- Stateless forwarding (RFC 3261 16.6, 16.11) ----------------------------------------

TEST_F(ProxyTest, ProxiedInviteGoesToTheAgentRewritten) {
  Request r;
  r.extra = "X-Gateway-Phone-Number-Id: forged\r\nContact: <sip:caller@203.0.113.9>\r\n";
  r.body = "v=0\r\no=- 1 1 IN IP4 203.0.113.9\r\n";
  ASSERT_TRUE(send(r.text()));
  ASSERT_TRUE(out().isRequest);
  EXPECT_EQ(sent_->to, kAgent);
  EXPECT_TRUE(sent_->resolveHost.empty());
  EXPECT_EQ(out().method, Method::kInvite);
  EXPECT_EQ(out().requestUri, world_.agent.sipUri);

  auto vias = out_->all(HeaderId::kVia);
  ASSERT_EQ(vias.size(), 2u);
  auto ours = parseVia(vias[0]);
  ASSERT_TRUE(ours);
  EXPECT_EQ(ours->transport, "UDP");
  EXPECT_EQ(ours->host, "gw.example.com");
  EXPECT_EQ(ours->port, 5060);
  EXPECT_EQ(ours->branch()->substr(0, 7), "z9hG4bK");
  EXPECT_EQ(vias[1], "SIP/2.0/UDP 203.0.113.9:5060;branch=z9hG4bKcaller1");

  EXPECT_EQ(out().maxForwards, 69);
  // The MAC parameter is what makes in-dialog requests of this call pass (proxy_dialog_test).
  auto recordRoutes = out_->all(HeaderId::kRecordRoute);
  ASSERT_EQ(recordRoutes.size(), 1u);
  EXPECT_EQ(recordRoutes[0].rfind("<sip:gw.example.com:5060;lr;x-gw-dlg=i~10.0.0.5~", 0), 0u)
      << recordRoutes[0];
  EXPECT_EQ(out_->named("X-Gateway-Phone-Number-Id"), formatUuid(test::uuidTagged(0x70, 0)));
  EXPECT_EQ(out_->named("X-Gateway-Provider-Id"), formatUuid(world_.provider.id));
  EXPECT_EQ(out_->all(HeaderId::kOther).size(), 2u);  // the forged one is gone
  EXPECT_EQ(out().body, r.body);
  EXPECT_EQ(out().contentLength, r.body.size());
  EXPECT_EQ(out_->value(HeaderId::kContact), "<sip:caller@203.0.113.9>");
  EXPECT_EQ(count(counters().forwardedRequests), 1u);
}

TEST_F(ProxyTest, MissingMaxForwardsBecomes70) {
  Request r;
  r.maxForwards.reset();
  ASSERT_TRUE(send(r.text()));
  EXPECT_EQ(out().maxForwards, 70);
}

TEST_F(ProxyTest, TcpAgentGetsATcpViaAndDoubleRecordRoute) {
  Request r;
  r.uri = std::string("sip:") + test::kProxiedTcp + "@gw.example.com";
  ASSERT_TRUE(send(r.text()));
  EXPECT_EQ(sent_->to, (Peer{ip("10.0.0.7"), 5080, Transport::kTcp}));
  EXPECT_EQ(parseVia(out().topVia)->transport, "TCP");
  // First value for the callee's side (TCP), last for the caller's (UDP): RFC 5658.
  auto recordRoutes = out_->all(HeaderId::kRecordRoute);
  ASSERT_EQ(recordRoutes.size(), 2u);
  EXPECT_EQ(recordRoutes[0].rfind("<sip:gw.example.com:5060;transport=tcp;lr;x-gw-dlg=", 0), 0u)
      << recordRoutes[0];
  EXPECT_EQ(recordRoutes[1].rfind("<sip:gw.example.com:5060;lr;x-gw-dlg=", 0), 0u)
      << recordRoutes[1];
}

TEST_F(ProxyTest, BranchIsStableForRetransmissionsCancelAndNon2xxAck) {
  Request invite;
  ASSERT_TRUE(send(invite.text()));
  std::string branch = topBranch();
  ASSERT_FALSE(branch.empty());

  ASSERT_TRUE(send(invite.text()));
  EXPECT_EQ(topBranch(), branch) << "retransmission";

  Request cancel = invite;
  cancel.method = "CANCEL";
  ASSERT_TRUE(send(cancel.text()));
  ASSERT_TRUE(out().isRequest);
  EXPECT_EQ(topBranch(), branch) << "CANCEL matches the INVITE's transaction";
  EXPECT_EQ(out().requestUri, world_.agent.sipUri);
  EXPECT_TRUE(out_->all(HeaderId::kRecordRoute).empty());

  Request ack = invite;
  ack.method = "ACK";
  ack.to += ";tag=agent-tag";  // the ACK of the agent's 486
  ASSERT_TRUE(send(ack.text()));
  ASSERT_TRUE(out().isRequest);
  EXPECT_EQ(out().method, Method::kAck);
  EXPECT_EQ(topBranch(), branch) << "non-2xx ACK matches the INVITE's transaction";

  Request other = invite;
  other.vias = {"SIP/2.0/UDP 203.0.113.9:5060;branch=z9hG4bKcaller2"};
  ASSERT_TRUE(send(other.text()));
  EXPECT_NE(topBranch(), branch);
  Request otherHost = invite;
  otherHost.vias = {"SIP/2.0/UDP 203.0.113.10:5060;branch=z9hG4bKcaller1"};
  ASSERT_TRUE(send(otherHost.text(), Peer{ip("203.0.113.10"), 5060, Transport::kUdp}));
  EXPECT_NE(topBranch(), branch) << "the same branch from another sent-by";
}

TEST_F(ProxyTest, Rfc2543BranchlessRequestsStillMatchTheirCancel) {
  Request invite;
  invite.vias = {"SIP/2.0/UDP 203.0.113.9:5060"};
  ASSERT_TRUE(send(invite.text()));
  std::string branch = topBranch();
  Request cancel = invite;
  cancel.method = "CANCEL";
  ASSERT_TRUE(send(cancel.text()));
  EXPECT_EQ(topBranch(), branch);
  Request next = invite;
  next.cseq = 2;
  ASSERT_TRUE(send(next.text()));
  EXPECT_NE(topBranch(), branch);
}

TEST_F(ProxyTest, ReceivedAndRportAreSetWhenSentByDiffers) {
  Request r;
  r.vias = {"SIP/2.0/UDP carrier.example.com:5060;branch=z9hG4bKx;rport;received=6.6.6.6"};
  ASSERT_TRUE(send(r.text(), Peer{ip("203.0.113.9"), 40000, Transport::kUdp}));
  auto vias = out_->all(HeaderId::kVia);
  ASSERT_EQ(vias.size(), 2u);
  EXPECT_EQ(vias[1],
            "SIP/2.0/UDP carrier.example.com:5060;branch=z9hG4bKx;rport=40000;"
            "received=203.0.113.9");

  r.vias = {"SIP/2.0/UDP 203.0.113.9:5060;branch=z9hG4bKy"};  // same address: untouched
  ASSERT_TRUE(send(r.text()));
  EXPECT_EQ(out_->all(HeaderId::kVia)[1], r.vias[0]);
}

TEST_F(ProxyTest, ViaLinesWithSeveralValuesKeepTheRest) {
  Request r;
  r.vias = {"SIP/2.0/UDP 203.0.113.9;branch=z9hG4bKa, SIP/2.0/UDP 10.9.9.9;branch=z9hG4bKb"};
  ASSERT_TRUE(send(r.text()));
  auto vias = out_->all(HeaderId::kVia);
  ASSERT_EQ(vias.size(), 2u);
  EXPECT_EQ(vias[1], r.vias[0]);
}

// --- Responses ------------------------------------------------------------------------

TEST_F(ProxyTest, ResponsesPopOurViaAndGoToTheNextOne) {
  Request r;
  r.vias = {"SIP/2.0/UDP 203.0.113.9:5060;branch=z9hG4bKcaller1;rport"};
  ASSERT_TRUE(send(r.text(), Peer{ip("203.0.113.9"), 41000, Transport::kUdp}));
  auto vias = out_->all(HeaderId::kVia);
  ASSERT_EQ(vias.size(), 2u);

  std::string body = "v=0\r\n";
  std::string ok = "SIP/2.0 200 OK\r\nVia: " + vias[0] + "\r\nVia: " + vias[1] +
                   "\r\nFrom: " + r.from + "\r\nTo: " + r.to +
                   ";tag=agent1\r\nCall-ID: " + r.callId +
                   "\r\nCSeq: 1 INVITE\r\nContact: <sip:support@10.0.0.5:5070>\r\n"
                   "Record-Route: <sip:gw.example.com:5060;lr>\r\n"
                   "Content-Length: " +
                   std::to_string(body.size()) + "\r\n\r\n" + body;
  ASSERT_TRUE(send(ok, kAgent));
  EXPECT_EQ(out().statusCode, 200);
  EXPECT_EQ(sent_->to, (Peer{ip("203.0.113.9"), 41000, Transport::kUdp}));  // rport
  EXPECT_EQ(out_->all(HeaderId::kVia), std::vector<std::string>{vias[1]});
  EXPECT_EQ(out().body, body);
  EXPECT_EQ(count(counters().forwardedResponses), 1u);
}

TEST_F(ProxyTest, ResponsesNotForUsAreDropped) {
  std::string foreign =
      "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP elsewhere.example.com;branch=z9hG4bKgw0\r\n"
      "Via: SIP/2.0/UDP 203.0.113.9\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\n"
      "Call-ID: x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
  EXPECT_FALSE(send(foreign, kAgent));
  // Our sent-by but a branch we never make.
  std::string forged =
      "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP gw.example.com:5060;branch=z9hG4bKother\r\n"
      "Via: SIP/2.0/UDP 203.0.113.9\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\n"
      "Call-ID: x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
  EXPECT_FALSE(send(forged, kAgent));
  // Ours, but nobody below us.
  std::string last =
      "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP gw.example.com:5060;branch=z9hG4bKgw1\r\n"
      "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n"
      "Content-Length: 0\r\n\r\n";
  EXPECT_FALSE(send(last, kAgent));
  // Our prefix, but not the branch derived from the Via below: nobody can make the gateway
  // send a response to an address of their choosing.
  std::string reflected =
      "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP gw.example.com:5060;branch=z9hG4bKgw0123\r\n"
      "Via: SIP/2.0/UDP 192.0.2.99:5060;branch=z9hG4bKvictim\r\nFrom: <sip:a@b>;tag=1\r\n"
      "To: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
  EXPECT_FALSE(send(reflected, kAgent));
  EXPECT_EQ(count(counters().dropped), 4u);
  EXPECT_EQ(count(counters().forwardedResponses), 0u);
}

TEST_F(ProxyTest, ResponsesWhoseViasWereAlteredAreDropped) {
  Request r;
  ASSERT_TRUE(send(r.text()));
  auto vias = out_->all(HeaderId::kVia);
  ASSERT_EQ(vias.size(), 2u);
  std::string altered = vias[1];
  altered.replace(altered.find("203.0.113.9"), 11, "192.0.2.99");
  std::string ok = "SIP/2.0 200 OK\r\nVia: " + vias[0] + "\r\nVia: " + altered +
                   "\r\nFrom: " + r.from + "\r\nTo: " + r.to + ";tag=a\r\nCall-ID: " + r.callId +
                   "\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
  EXPECT_FALSE(send(ok, kAgent));
}

TEST_F(ProxyTest, ResponsesToBranchlessCallersAreRelayed) {
  Request r;
  r.vias = {"SIP/2.0/UDP 203.0.113.9:5070"};  // RFC 2543: no branch
  ASSERT_TRUE(send(r.text()));
  auto vias = out_->all(HeaderId::kVia);
  ASSERT_EQ(vias.size(), 2u);
  std::string ok = "SIP/2.0 200 OK\r\nVia: " + vias[0] + "\r\nVia: " + vias[1] +
                   "\r\nFrom: " + r.from + "\r\nTo: " + r.to + ";tag=a\r\nCall-ID: " + r.callId +
                   "\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
  ASSERT_TRUE(send(ok, kAgent));
  EXPECT_EQ(sent_->to, (Peer{ip("203.0.113.9"), 5070, Transport::kUdp}));
}

TEST_F(ProxyTest, ResponsesForTcpCallersGoBackOnTheirConnection) {
  Peer tcpCaller{ip("203.0.113.9"), 45123, Transport::kTcp};
  Request r;
  r.vias = {"SIP/2.0/TCP 203.0.113.9:5060;branch=z9hG4bKtcp1"};
  ASSERT_TRUE(send(r.text(), tcpCaller));
  auto vias = out_->all(HeaderId::kVia);
  ASSERT_EQ(vias.size(), 2u);
  std::string ringing = "SIP/2.0 180 Ringing\r\nVia: " + vias[0] + ", " + vias[1] +
                        "\r\nFrom: " + r.from + "\r\nTo: " + r.to +
                        ";tag=a\r\nCall-ID: " + r.callId +
                        "\r\nCSeq: 1 INVITE\r\n\r\n";  // UDP: no Content-Length
  ASSERT_TRUE(send(ringing, kAgent));
  EXPECT_EQ(out().statusCode, 180);
  EXPECT_EQ(sent_->to, tcpCaller);
  EXPECT_EQ(sent_->reconnectPort, 5060);
  EXPECT_EQ(out_->all(HeaderId::kVia), std::vector<std::string>{vias[1]});
  EXPECT_EQ(out().contentLength, 0u);  // added: the next hop is a stream
}

TEST_F(ProxyTest, AnswersToTcpRequestsUseTheirConnection) {
  Request r;
  r.method = "OPTIONS";
  r.vias = {"SIP/2.0/TCP 203.0.113.9:5060;branch=z9hG4bKtcp2"};
  Peer tcpCaller{ip("203.0.113.9"), 45124, Transport::kTcp};
  ASSERT_TRUE(send(r.text(), tcpCaller));
  EXPECT_TRUE(sent_->onSourceConnection);
  EXPECT_EQ(sent_->to, tcpCaller);
}

// --- Outbound (agent to PSTN) ---------------------------------------------------------

TEST_F(ProxyTest, OutboundCallWithImportedCallerIdGoesToTheTerminationUri) {
  Request r;
  r.uri = "sip:+442071838750@gw.example.com";
  r.vias = {"SIP/2.0/UDP 10.0.0.5:5070;branch=z9hG4bKout1"};
  r.from = std::string("<sip:") + test::kCallerId + "@10.0.0.5>;tag=a";
  r.to = "<sip:+442071838750@gw.example.com>";
  ASSERT_TRUE(send(r.text(), kAgent));
  ASSERT_TRUE(out().isRequest);
  EXPECT_EQ(out().requestUri, "sip:+442071838750@trunk1.pstn.twilio.com");
  EXPECT_EQ(sent_->resolveHost, "trunk1.pstn.twilio.com");
  EXPECT_EQ(sent_->to.port, 5060);
  EXPECT_EQ(out_->all(HeaderId::kRecordRoute).size(), 1u);
}

TEST_F(ProxyTest, OutboundCallGoesToTheOutboundProxyWhenSet) {
  ProxyOptions o = options();
  o.outboundProxy = Peer{ip("127.0.0.1"), 5099, Transport::kUdp};
  Proxy proxy(world_.routes, o);
  Request r;
  r.uri = "sip:+442071838750@gw.example.com";
  r.vias = {"SIP/2.0/UDP 10.0.0.5:5070;branch=z9hG4bKout2"};
  r.from = std::string("<sip:") + test::kCallerId + "@10.0.0.5>;tag=a";
  std::string text = r.text();
  auto sent = proxy.onDatagram(std::span<char>(text.data(), text.size()), kAgent, world_.directory);
  ASSERT_TRUE(sent);
  EXPECT_EQ(sent->to, *o.outboundProxy);
  EXPECT_TRUE(sent->resolveHost.empty());
}

TEST_F(ProxyTest, OutboundCallWithForeignCallerIdIs403) {
  Request r;
  r.uri = "sip:+442071838750@gw.example.com";
  r.vias = {"SIP/2.0/UDP 10.0.0.5:5070;branch=z9hG4bKout3"};
  r.from = "<sip:+19995550000@10.0.0.5>;tag=a";
  ASSERT_TRUE(send(r.text(), kAgent));
  EXPECT_EQ(out().statusCode, 403);
  EXPECT_EQ(out().reason, "Caller ID not imported");
}

// --- Malformed input ------------------------------------------------------------------

TEST_F(ProxyTest, GarbageIsDroppedAndCounted) {
  for (std::string junk :
       {std::string("hello"), std::string("\x01\x02\x03", 3), std::string("INVITE\r\n\r\n"),
        std::string("SIP/2.0 abc\r\n\r\n"), std::string(2000, 'A')}) {
    EXPECT_FALSE(send(junk));
  }
  EXPECT_EQ(count(counters().parseErrors), 5u);
}

TEST_F(ProxyTest, AnswerableMalformedRequestIs400) {
  Request r;
  std::string text = r.text();
  // Claims more body than the datagram has.
  text.replace(text.find("Content-Length: 0"), 17, "Content-Length: 50");
  ASSERT_TRUE(send(text));
  EXPECT_EQ(out().statusCode, 400);
  EXPECT_EQ(count(counters().parseErrors), 1u);
}

TEST_F(ProxyTest, RequestsMissingMandatoryHeadersAreDropped) {
  std::string noCallId =
      "INVITE sip:+14155550100@gw SIP/2.0\r\nVia: SIP/2.0/UDP 203.0.113.9;branch=z9hG4bK1\r\n"
      "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
  EXPECT_FALSE(send(noCallId));
  std::string noVia =
      "OPTIONS sip:gw SIP/2.0\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\n"
      "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
  EXPECT_FALSE(send(noVia));
}

TEST_F(ProxyTest, BadViaOrToIs400) {
  Request r;
  r.vias = {"garbage"};
  ASSERT_TRUE(send(r.text()));
  EXPECT_EQ(out().statusCode, 400);
  Request bad;
  bad.to = "<sip:unterminated";
  ASSERT_TRUE(send(bad.text()));
  EXPECT_EQ(out().statusCode, 400);
}

// RFC 3261 20.42: Via = "Via" HCOLON via-parm *(COMMA via-parm). An empty element is a
// syntax error, not something to skip: the response would otherwise go to the second Via.
TEST_F(ProxyTest, LeadingEmptyViaElementIs400) {
  Request r;
  r.vias = {", SIP/2.0/UDP 203.0.113.9;branch=z9hG4bKa"};
  ASSERT_TRUE(send(r.text()));
  EXPECT_EQ(out().statusCode, 400);
  EXPECT_EQ(out().reason, "Bad Via");
  EXPECT_EQ(out_->all(HeaderId::kVia), std::vector<std::string>{r.vias[0]});  // echoed as sent
}

TEST_F(ProxyTest, MalformedAckIsNeverAnswered) {
  Request r;
  r.method = "ACK";
  r.vias = {"garbage"};
  EXPECT_FALSE(send(r.text()));
  r.vias = {"SIP/2.0/UDP 203.0.113.9;branch=z9hG4bKa"};
  r.uri = "mailto:x@y";
  EXPECT_FALSE(send(r.text()));
  r.uri = "sip:+14155559999@gw";  // unknown number: a 404 would be due, but not to an ACK
  EXPECT_FALSE(send(r.text()));
}

// A datagram cut short anywhere is never forwarded. It is answered 400 once it holds the
// complete lines of Via, From, To, Call-ID and CSeq (what a response needs to reach the
// caller and match its transaction: the header section is unterminated or the body shorter
// than Content-Length), and dropped before that. Only the whole request is forwarded.
TEST_F(ProxyTest, EveryPrefixOfARequestIsDroppedOrAnswered400) {
  Request r;
  r.body = "v=0\r\n";
  r.extra = "Route: <sip:gw.example.com;lr>\r\nRecord-Route: <sip:x;lr>\r\n";
  const std::string full = r.text();
  // Request::text() writes CSeq last of the five, so its line end is where 400s start.
  const size_t cseq = full.find("\r\nCSeq: ");
  ASSERT_NE(cseq, std::string::npos);
  for (const char* before : {"\r\nVia: ", "\r\nFrom: ", "\r\nTo: ", "\r\nCall-ID: "}) {
    ASSERT_LT(full.find(before), cseq) << before;
  }
  const size_t answerable = full.find("\r\n", cseq + 2) + 2;
  for (size_t n = 0; n < full.size(); ++n) {
    const bool answered = send(full.substr(0, n));
    if (n < answerable) {
      EXPECT_FALSE(answered) << "a prefix of " << n << " bytes was answered:\n" << bytes_;
      continue;
    }
    ASSERT_TRUE(answered) << "a prefix of " << n << " bytes was dropped";
    EXPECT_EQ(out().statusCode, 400) << n << " bytes";
    EXPECT_EQ(out_->value(HeaderId::kCSeq), "1 INVITE") << n << " bytes";
    EXPECT_EQ(out().callId, r.callId) << n << " bytes";
    EXPECT_EQ(sent_->to, kCaller) << n << " bytes";
  }
  EXPECT_EQ(count(counters().parseErrors), full.size());
  EXPECT_EQ(count(counters().forwardedRequests), 0u);
  ASSERT_TRUE(send(full));
  EXPECT_TRUE(out().isRequest);
  EXPECT_EQ(count(counters().forwardedRequests), 1u);
}

}  // namespace
}  // namespace gw::sip
