// In-dialog requests (loose routing, RFC 3261 16.4, 16.12) and what keeps the gateway from
// being a relay: it follows only a Record-Route it issued itself for the same dialog (a
// keyed MAC in its URI, bound to the Call-ID and to both sides of the call), and only to
// one of the dialog's two sides. Also loop detection (RFC 3261 16.3 step 4): a request that
// already carries the gateway's Via, or that would be sent to the gateway itself, is 482.
//
// Root cause of the relay: any request with a To tag and `Route: <sip:GATEWAY;lr>` from a
// known source (an agent of any org, no number needed) was sent to whatever host and port
// its next Route or Request-URI named.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sip/proxy.hpp"
#include "sip/uri.hpp"
#include "tests/sip/proxy_fixture.hpp"
#include "tests/sip/proxy_test_world.hpp"

namespace gw::sip {
namespace {

const Peer kVictim{ip("192.0.2.99"), 5060, Transport::kUdp};
constexpr const char* kCallerContact = "sip:caller@203.0.113.9:5062";
constexpr const char* kAgentContact = "sip:support@10.0.0.5:5070";

class DialogTest : public ProxyTest {
 protected:
  // An INVITE for the UDP proxy agent from the carrier, with `contact`.
  static Request invite(const std::string& contact = kCallerContact) {
    Request r;
    r.extra = "Contact: <" + contact + ">\r\n";
    return r;
  }

  // Proxies `r` from `from` and returns the Record-Route values the gateway added (one, or
  // two after double record-routing), first to last.
  std::vector<std::string> ourRecordRoutes(const Request& r, const Peer& from = kCaller) {
    std::vector<std::string> ours;
    if (!send(r.text(), from) || !out().isRequest) {
      ADD_FAILURE() << "not forwarded: " << bytes_;
      return ours;
    }
    for (const auto& v : out_->all(HeaderId::kRecordRoute)) {
      if (v.find("gw.example.com") != std::string::npos) ours.push_back(v);
    }
    EXPECT_FALSE(ours.empty()) << bytes_;
    return ours;
  }

  // An in-dialog request of the dialog `r` set up, with these Route values.
  static Request inDialog(const Request& r, const std::string& method, const std::string& uri,
                          const std::vector<std::string>& routes) {
    Request d;
    d.method = method;
    d.uri = uri;
    d.callId = r.callId;
    d.cseq = 2;
    d.from = r.from;
    d.to = r.to + ";tag=agent1";
    for (const auto& route : routes) d.extra += "Route: " + route + "\r\n";
    return d;
  }
  // The same request as the agent sends it (From and To swapped, its own Via).
  static Request fromAgent(const Request& r, const std::string& method, const std::string& uri,
                           const std::vector<std::string>& routes) {
    Request d = inDialog(r, method, uri, routes);
    d.vias = {"SIP/2.0/UDP 10.0.0.5:5070;branch=z9hG4bKagent" + method};
    d.from = r.to + ";tag=agent1";
    d.to = r.from;
    return d;
  }

  bool refused() const { return out_ && !out().isRequest && out().statusCode == 403; }
};

// --- The legitimate flows -----------------------------------------------------------------

TEST_F(DialogTest, AgentByeThroughOurRecordRouteGoesToTheCaller) {
  Request r = invite();
  auto rr = ourRecordRoutes(r);
  ASSERT_TRUE(send(fromAgent(r, "BYE", kCallerContact, rr).text(), kAgent));
  ASSERT_TRUE(out().isRequest) << bytes_;
  EXPECT_EQ(sent_->to, (Peer{ip("203.0.113.9"), 5062, Transport::kUdp}));
  EXPECT_TRUE(out_->all(HeaderId::kRoute).empty());
  EXPECT_EQ(out().requestUri, kCallerContact);
  EXPECT_EQ(out_->all(HeaderId::kVia).size(), 2u);
}

TEST_F(DialogTest, CallerAckAndByeThroughOurRecordRouteGoToTheAgent) {
  Request r = invite();
  auto rr = ourRecordRoutes(r);
  for (const char* method : {"ACK", "BYE", "INVITE"}) {
    ASSERT_TRUE(send(inDialog(r, method, kAgentContact, rr).text())) << method;
    ASSERT_TRUE(out().isRequest) << bytes_;
    EXPECT_EQ(sent_->to, kAgent) << method;
  }
}

TEST_F(DialogTest, RequestGoesToTheNextRouteAndKeepsIt) {
  Request r = invite();
  // Two proxies on the caller's side record-routed before the gateway.
  r.extra += "Record-Route: <sip:203.0.113.50:5070;lr>, <sip:edge.example.com;lr>\r\n";
  auto rr = ourRecordRoutes(r);
  rr.push_back("<sip:203.0.113.50:5070;lr>, <sip:edge.example.com;lr>");
  ASSERT_TRUE(send(fromAgent(r, "BYE", kCallerContact, rr).text(), kAgent));
  ASSERT_TRUE(out().isRequest) << bytes_;
  EXPECT_EQ(sent_->to, (Peer{ip("203.0.113.50"), 5070, Transport::kUdp}));
  EXPECT_EQ(out_->all(HeaderId::kRoute),
            (std::vector<std::string>{"<sip:203.0.113.50:5070;lr>, <sip:edge.example.com;lr>"}));
}

TEST_F(DialogTest, RequestToAHostNameAsksForResolution) {
  Request r = invite("sip:caller@pbx.example.com;transport=tcp");
  auto rr = ourRecordRoutes(r);
  ASSERT_TRUE(
      send(fromAgent(r, "BYE", "sip:caller@pbx.example.com;transport=tcp", rr).text(), kAgent));
  ASSERT_TRUE(out().isRequest) << bytes_;
  EXPECT_EQ(sent_->resolveHost, "pbx.example.com");
  EXPECT_EQ(sent_->to.port, 5060);
  EXPECT_EQ(sent_->to.transport, Transport::kTcp);
}

TEST_F(DialogTest, DoubleRecordRoutesAreBothStripped) {
  Request r = invite();
  r.uri = std::string("sip:") + test::kProxiedTcp + "@gw.example.com";
  auto rr = ourRecordRoutes(r);
  ASSERT_EQ(rr.size(), 2u);
  Peer tcpAgent{ip("10.0.0.7"), 40001, Transport::kTcp};
  Request bye = fromAgent(r, "BYE", kCallerContact, rr);
  bye.vias = {"SIP/2.0/TCP 10.0.0.7:5080;branch=z9hG4bKtcpbye"};
  ASSERT_TRUE(send(bye.text(), tcpAgent));
  ASSERT_TRUE(out().isRequest) << bytes_;
  EXPECT_EQ(sent_->to, (Peer{ip("203.0.113.9"), 5062, Transport::kUdp}));
  EXPECT_TRUE(out_->all(HeaderId::kRoute).empty());
  // And the caller's way: its route set is the Record-Route reversed.
  ASSERT_TRUE(
      send(inDialog(r, "BYE", "sip:tcp@10.0.0.7:5080;transport=tcp", {rr[1], rr[0]}).text()));
  ASSERT_TRUE(out().isRequest) << bytes_;
  EXPECT_EQ(sent_->to, (Peer{ip("10.0.0.7"), 5080, Transport::kTcp}));
}

TEST_F(DialogTest, OutboundCallFollowsItsRecordRouteBothWays) {
  Request r;
  r.uri = "sip:+442071838750@gw.example.com";
  r.vias = {"SIP/2.0/UDP 10.0.0.5:5070;branch=z9hG4bKout1"};
  r.from = std::string("<sip:") + test::kCallerId + "@10.0.0.5>;tag=a";
  r.to = "<sip:+442071838750@gw.example.com>";
  r.extra = std::string("Contact: <") + kAgentContact + ">\r\n";
  auto rr = ourRecordRoutes(r, kAgent);
  // The agent's BYE to the provider's side (an address of its allowedAddresses).
  Request bye = inDialog(r, "BYE", "sip:+442071838750@198.51.100.7:5060", rr);
  bye.vias = r.vias;
  ASSERT_TRUE(send(bye.text(), kAgent));
  ASSERT_TRUE(out().isRequest) << bytes_;
  EXPECT_EQ(sent_->to, (Peer{ip("198.51.100.7"), 5060, Transport::kUdp}));
  // The provider's BYE to the agent.
  Request back = inDialog(r, "BYE", kAgentContact, rr);
  back.vias = {"SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKtw"};
  ASSERT_TRUE(send(back.text(), Peer{ip("198.51.100.7"), 5060, Transport::kUdp}));
  ASSERT_TRUE(out().isRequest) << bytes_;
  EXPECT_EQ(sent_->to, kAgent);
}

// --- The relay --------------------------------------------------------------------------

TEST_F(DialogTest, RouteTheGatewayNeverIssuedIsRefused) {
  Request r = invite();
  for (const char* route : {"<sip:gw.example.com;lr>", "<sip:gw.example.com:5060;lr>",
                            "<sip:gw.example.com:5060;transport=tcp;lr>"}) {
    for (const char* target :
         {"sip:victim@192.0.2.99:5060", "sip:victim@192.0.2.99:5060;transport=tcp"}) {
      ASSERT_TRUE(send(fromAgent(r, "BYE", target, {route}).text(), kAgent)) << target;
      EXPECT_TRUE(refused()) << route << " " << target << ":\n" << bytes_;
      // An ACK is never answered, and not relayed either.
      EXPECT_FALSE(send(fromAgent(r, "ACK", target, {route}).text(), kAgent)) << bytes_;
    }
  }
  EXPECT_EQ(count(counters().forwardedRequests), 0u);
  EXPECT_EQ(count(counters().routeDenials), 12u);  // the ACKs too
}

TEST_F(DialogTest, AgentCannotSendItsDialogElsewhere) {
  Request r = invite();
  auto rr = ourRecordRoutes(r);
  for (const char* target : {"sip:victim@192.0.2.99:5060", "sip:victim@192.0.2.99;transport=tcp",
                             "sip:caller@203.0.113.9:5099", "sip:victim@victim.example.com"}) {
    ASSERT_TRUE(send(fromAgent(r, "BYE", target, rr).text(), kAgent)) << target;
    EXPECT_TRUE(refused()) << target << ":\n" << bytes_;
  }
  // Through a Route of its own after ours: the next hop is that Route, which is not the
  // caller's side either.
  auto viaRoute = rr;
  viaRoute.push_back("<sip:192.0.2.99:5060;lr>");
  ASSERT_TRUE(send(fromAgent(r, "BYE", kCallerContact, viaRoute).text(), kAgent));
  EXPECT_TRUE(refused()) << bytes_;
}

TEST_F(DialogTest, CallerCannotSendItsDialogElsewhere) {
  Request r = invite();
  auto rr = ourRecordRoutes(r);
  ASSERT_TRUE(send(inDialog(r, "BYE", "sip:victim@192.0.2.99:5060", rr).text()));
  EXPECT_TRUE(refused()) << bytes_;
}

TEST_F(DialogTest, RecordRouteOfOneCallDoesNotOpenAnother) {
  Request r = invite();
  auto rr = ourRecordRoutes(r);
  Request other = r;
  other.callId = "call-2@carrier.example";
  ASSERT_TRUE(send(fromAgent(other, "BYE", kCallerContact, rr).text(), kAgent));
  EXPECT_TRUE(refused()) << bytes_;
}

TEST_F(DialogTest, TamperedRecordRouteIsRefused) {
  Request r = invite();
  auto rr = ourRecordRoutes(r);
  ASSERT_EQ(rr.size(), 1u);
  std::string tampered = rr[0];
  size_t lr = tampered.find(";lr");
  ASSERT_NE(lr, std::string::npos);
  // Flip one character of whatever the gateway put in its URI (its MAC).
  size_t last = tampered.size() - 2;  // before '>'
  ASSERT_GT(last, lr);
  tampered[last] = tampered[last] == '0' ? '1' : '0';
  ASSERT_TRUE(send(fromAgent(r, "BYE", kCallerContact, {tampered}).text(), kAgent));
  EXPECT_TRUE(refused()) << tampered << "\n" << bytes_;
}

// Calls outlive restarts: a gateway started again with the same key (the data directory's
// sip-route-key) follows the record-routes issued before; one with another key does not.
TEST_F(DialogTest, RecordRouteOutlivesARestartWithTheSameKey) {
  ProxyOptions o = options();
  o.routeKey[0] = 0x42;
  Request r = invite();
  std::string text = r.text();
  Proxy before(world_.routes, o);
  auto sent =
      before.onDatagram(std::span<char>(text.data(), text.size()), kCaller, world_.directory);
  ASSERT_TRUE(sent);
  Parsed forwarded(sent->bytes);
  auto rr = forwarded.all(HeaderId::kRecordRoute);

  auto byeAfterRestart = [&](const ProxyOptions& restarted) {
    Proxy after(world_.routes, restarted);
    std::string bye = fromAgent(r, "BYE", kCallerContact, rr).text();
    auto out = after.onDatagram(std::span<char>(bye.data(), bye.size()), kAgent, world_.directory);
    return out ? Parsed(out->bytes).message.isRequest : false;
  };
  EXPECT_TRUE(byeAfterRestart(o));
  ProxyOptions otherKey = o;
  otherKey.routeKey[0] = 0x43;
  EXPECT_FALSE(byeAfterRestart(otherKey));
}

TEST_F(DialogTest, InDialogRequestWithoutOurRouteIs403) {
  Request bye = inDialog(invite(), "BYE", "sip:victim@203.0.113.77", {});
  ASSERT_TRUE(send(bye.text()));
  EXPECT_EQ(out().statusCode, 403);
  bye.extra = "Route: <sip:elsewhere.example.com;lr>\r\n";
  ASSERT_TRUE(send(bye.text()));
  EXPECT_EQ(out().statusCode, 403);
}

TEST_F(DialogTest, InDialogRequestFromAStrangerIs403) {
  Request r = invite();
  auto rr = ourRecordRoutes(r);
  Request bye = inDialog(r, "BYE", kAgentContact, rr);
  ASSERT_TRUE(send(bye.text(), kStranger));
  EXPECT_EQ(out().statusCode, 403);
  bye.method = "ACK";
  EXPECT_FALSE(send(bye.text(), kStranger));  // never answered
}

// --- Loops (RFC 3261 16.3 step 4) ---------------------------------------------------------

TEST_F(DialogTest, RequestCarryingOurViaIsALoop) {
  Request r;
  ASSERT_TRUE(send(r.text()));
  std::string ourVia = out_->all(HeaderId::kVia).at(0);
  // The same INVITE back at the gateway, as a proxy agent pointing at it would send it.
  r.vias.insert(r.vias.begin(), ourVia);
  ASSERT_TRUE(send(r.text()));
  EXPECT_FALSE(out().isRequest) << bytes_;
  EXPECT_EQ(out().statusCode, 482) << bytes_;
  // Also when our Via shares a line with others.
  r.vias = {"SIP/2.0/UDP 203.0.113.60;branch=z9hG4bKedge, " + ourVia, "SIP/2.0/UDP 203.0.113.9"};
  ASSERT_TRUE(send(r.text()));
  EXPECT_EQ(out().statusCode, 482) << bytes_;
  EXPECT_EQ(count(counters().loopsDetected), 2u);
}

TEST_F(DialogTest, AgentPointingAtTheGatewayIsALoop) {
  // The gateway's own address and port are the UDP agent's.
  ProxyOptions o = options();
  o.host = "10.0.0.5";
  o.port = 5070;
  Proxy proxy(world_.routes, o);
  std::string text = Request().text();
  auto sent =
      proxy.onDatagram(std::span<char>(text.data(), text.size()), kCaller, world_.directory);
  ASSERT_TRUE(sent);
  Parsed answer(sent->bytes);
  EXPECT_EQ(sent->to, kCaller);
  EXPECT_EQ(answer.message.statusCode, 482) << sent->bytes;
  EXPECT_EQ(proxy.counters().loopsDetected.load(), 1u);
}

TEST_F(DialogTest, TargetOnTheBoundListenerIsTheGateway) {
  ProxyOptions o;
  o.host = "gw.example.com";
  o.port = 5060;
  o.listenAddress = ip("0.0.0.0");
  o.listenPort = 5070;
  EXPECT_TRUE(pointsAtGateway(o, ip("127.0.0.1"), 5070));
  EXPECT_TRUE(pointsAtGateway(o, ip("::ffff:127.0.0.1"), 5070));
  EXPECT_TRUE(pointsAtGateway(o, ip("0.0.0.0"), 5070));
  EXPECT_FALSE(pointsAtGateway(o, ip("127.0.0.1"), 5071));
  o.listenAddress = ip("127.0.0.1");
  EXPECT_FALSE(pointsAtGateway(o, ip("127.0.0.2"), 5070));  // another loopback address
  // --public-sip-uri
  o.host = "192.0.2.1";
  EXPECT_TRUE(pointsAtGateway(o, ip("192.0.2.1"), 5060));
}

TEST(RouteMacTest, MatchesTheSipHashReferenceVectors) {
  RouteKey key;
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(i);
  EXPECT_EQ(sipHash24(key, {}), 0x726fdb47dd0e0e31ULL);
  std::string fifteen;
  for (char c = 0; c < 15; ++c) fifteen += c;
  EXPECT_EQ(sipHash24(key, fifteen), 0xa129ca6149be45e5ULL);
  EXPECT_NE(routeMac(key, {"ab", "c"}), routeMac(key, {"a", "bc"}));
}

TEST(RouteMacTest, KeyFileTextIs32HexDigits) {
  auto key = parseRouteKey(" 000102030405060708090a0b0c0d0e0F\n");
  ASSERT_TRUE(key);
  EXPECT_EQ((*key)[15], 0x0f);
  EXPECT_FALSE(parseRouteKey("0001"));
  EXPECT_FALSE(parseRouteKey("zz0102030405060708090a0b0c0d0e0f"));
}

}  // namespace
}  // namespace gw::sip
