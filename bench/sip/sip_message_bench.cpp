// SIP message path (sip/message.hpp, sip/proxy.hpp): parse a Twilio INVITE; parse + route +
// write the 302 of a redirect agent; parse + route + rewrite an INVITE proxied to an agent.
// The routing table holds 1 M numbers, so the lookup pays the cache misses it pays in
// production.
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "common/e164.hpp"
#include "sample_data.hpp"
#include "sip/directory.hpp"
#include "sip/message.hpp"
#include "sip/proxy.hpp"
#include "sip/routing_table.hpp"

namespace gw::sip {
namespace {

constexpr std::string_view kSdp =
    "v=0\r\n"
    "o=root 1234567 1234567 IN IP4 54.172.60.10\r\n"
    "s=Twilio Media Gateway\r\n"
    "c=IN IP4 54.172.60.10\r\n"
    "t=0 0\r\n"
    "m=audio 12345 RTP/AVP 0 8 101\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-16\r\n"
    "a=ptime:20\r\n"
    "a=sendrecv\r\n";

// What Twilio's origination sends for a call to `called`.
std::string twilioInvite(const std::string& called) {
  std::string m = "INVITE sip:" + called +
                  "@gw.example.com;transport=udp SIP/2.0\r\n"
                  "Record-Route: <sip:54.172.60.1:5060;lr;r2=on;ftag=73628363_6772d868>\r\n"
                  "Via: SIP/2.0/UDP 54.172.60.1:5060;branch=z9hG4bK1a2b3c4d5e6f;rport\r\n"
                  "From: \"+12125550199\" <sip:+12125550199@acme.pstn.twilio.com>"
                  ";tag=73628363_6772d868\r\n"
                  "To: <sip:" +
                  called +
                  "@gw.example.com>\r\n"
                  "Call-ID: a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6@0.0.0.0\r\n"
                  "CSeq: 1 INVITE\r\n"
                  "Contact: <sip:+12125550199@54.172.60.1:5060;transport=udp>\r\n"
                  "Max-Forwards: 69\r\n"
                  "User-Agent: Twilio Gateway\r\n"
                  "Allow: INVITE, ACK, CANCEL, BYE, REFER, NOTIFY, OPTIONS\r\n"
                  "Supported: replaces, timer\r\n"
                  "X-Twilio-AccountSid: AC00000000000000000000000000000000\r\n"
                  "X-Twilio-CallSid: CA0123456789abcdef0123456789abcdef\r\n"
                  "Content-Type: application/sdp\r\n"
                  "Content-Length: " +
                  std::to_string(kSdp.size()) + "\r\n\r\n";
  m += kSdp;
  return m;
}

// 1 M routed numbers, half linked to a redirect agent and half to a proxy agent, and
// INVITEs for 4096 of them.
struct World {
  RoutingTable table;
  std::shared_ptr<const Directory> directory;
  std::vector<std::string> redirectInvites;
  std::vector<std::string> proxyInvites;
};

World& world() {
  static World* w = [] {
    auto* w = new World;
    auto keys = bench::distinctKeys(1'000'000, 11);
    auto routes = bench::routesFor(keys, 12);
    AgentTarget redirect;
    redirect.id[0] = 1;
    redirect.idText = "00000001-0000-4000-8000-000000000000";
    redirect.name = "redirect";
    redirect.mode = AgentMode::kRedirect;
    redirect.sipUri = "sip:agent@10.0.0.7:5070";
    AgentTarget proxy = redirect;
    proxy.id[0] = 2;
    proxy.idText = "00000002-0000-4000-8000-000000000000";
    proxy.name = "proxy";
    proxy.mode = AgentMode::kProxy;
    proxy.addresses.push_back(boost::asio::ip::make_address("10.0.0.7"));
    proxy.port = 5070;
    ProviderTarget provider;
    provider.id = routes[0].providerId;
    provider.idText = formatUuid(provider.id);
    provider.allowedAddresses.push_back(*Cidr::parse("54.172.60.0/30"));
    for (size_t i = 0; i < routes.size(); ++i) routes[i].agentId = i % 2 ? proxy.id : redirect.id;
    w->table.replaceAll(routes);
    w->directory = std::make_shared<const Directory>(std::vector<AgentTarget>{redirect, proxy},
                                                     std::vector<ProviderTarget>{provider},
                                                     std::vector<Cidr>{});
    for (size_t i = 0; i < 8192; ++i) {
      auto& into = i % 2 ? w->proxyInvites : w->redirectInvites;
      into.push_back(twilioInvite(e164FromKey(routes[i].key)));
    }
    return w;
  }();
  return *w;
}

const Peer kTwilio{boost::asio::ip::make_address("54.172.60.1"), 5060, Transport::kUdp};

void BM_Sip_ParseInvite(benchmark::State& state) {
  const std::string invite = twilioInvite("+14155550100");
  std::string buffer = invite;
  for (auto _ : state) {
    // The parser unfolds in place, so every round parses a fresh copy, as a socket would
    // hand it a freshly received datagram.
    std::memcpy(buffer.data(), invite.data(), invite.size());
    auto outcome = parseDatagram({buffer.data(), buffer.size()});
    benchmark::DoNotOptimize(outcome);
    if (outcome.error) state.SkipWithError("the INVITE did not parse");
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(invite.size()));
}
BENCHMARK(BM_Sip_ParseInvite);

// Datagram in, datagram out: parse, ACL, normalise, look up, write the answer.
void runProxy(benchmark::State& state, const std::vector<std::string>& invites,
              std::string_view expectStart) {
  World& w = world();
  ProxyOptions options;
  options.host = "203.0.113.1";
  options.port = 5060;
  Proxy proxy(w.table, options);
  std::string buffer(4096, '\0');
  size_t i = 0;
  for (auto _ : state) {
    const std::string& invite = invites[i++ & (invites.size() - 1)];
    std::memcpy(buffer.data(), invite.data(), invite.size());
    auto out = proxy.onDatagram({buffer.data(), invite.size()}, kTwilio, *w.directory);
    if (!out || !out->bytes.starts_with(expectStart)) {
      state.SkipWithError("unexpected answer");
      break;
    }
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Sip_ParseRouteRedirect(benchmark::State& state) {
  runProxy(state, world().redirectInvites, "SIP/2.0 302");
}
BENCHMARK(BM_Sip_ParseRouteRedirect);

void BM_Sip_ParseRouteProxy(benchmark::State& state) {
  runProxy(state, world().proxyInvites, "INVITE sip:agent@10.0.0.7:5070");
}
BENCHMARK(BM_Sip_ParseRouteProxy);

}  // namespace
}  // namespace gw::sip

BENCHMARK_MAIN();
