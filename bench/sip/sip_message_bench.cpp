// SIP message path (sip/message.hpp, sip/proxy.hpp): parse a Twilio INVITE; parse + route +
// write the 302 of a redirect agent; parse + route + rewrite an INVITE proxied to an agent.
// The routing table holds 1 M numbers (~64 MB of slots, far beyond L2; beyond L3 too on
// machines with less than that). Each routed case runs twice: on a hot set of 4,096 called
// numbers (their slot lines, ~256 KB, stay in the caches) and on called numbers drawn across
// the whole table (nearly every lookup misses L1 and L2, as calls to a 1M-number table
// spread over all of it do).
#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
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

// A called number as the INVITE carries it: "+1" and ten digits (bench::distinctKeys draws
// 11-digit North American numbers).
using CalledNumber = std::array<char, 12>;
constexpr std::string_view kPlaceholder = "+10000000000";
constexpr size_t kHotNumbers = 4096;

// The called numbers of one routed benchmark, drawn before any timed loop.
struct Draw {
  std::vector<CalledNumber> hot;    // the same 4,096 numbers, cycled
  std::vector<CalledNumber> whole;  // every number of the agent's half, in random order
};

// 1 M routed numbers, half linked to a redirect agent and half to a proxy agent (the halves
// interleave, so each is spread over the whole table), and the draws of called numbers.
struct World {
  RoutingTable table;
  std::shared_ptr<const Directory> directory;
  Draw redirect;
  Draw proxy;
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
    for (size_t i = 0; i < routes.size(); ++i) {
      const std::string e164 = e164FromKey(routes[i].key);
      CalledNumber n{};
      if (e164.size() != n.size()) std::abort();  // the template holds exactly this many
      std::memcpy(n.data(), e164.data(), n.size());
      (i % 2 ? w->proxy : w->redirect).whole.push_back(n);
    }
    std::mt19937_64 rng(13);
    for (Draw* d : {&w->redirect, &w->proxy}) {
      std::shuffle(d->whole.begin(), d->whole.end(), rng);
      // The hot set: numbers of the same half, so the two draws differ only in spread.
      d->hot.assign(d->whole.begin(), d->whole.begin() + kHotNumbers);
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

// Datagram in, datagram out: parse, ACL, normalise, look up, write the answer. Each round
// copies a Twilio INVITE into the receive buffer and writes the next drawn number into its
// Request-URI and To, as a socket would hand the parser a fresh datagram; the draw itself
// is a read of the next entry of a precomputed array, the same for both draws.
void runProxy(benchmark::State& state, const std::vector<CalledNumber>& numbers,
              std::string_view expectStart) {
  World& w = world();
  ProxyOptions options;
  options.host = "203.0.113.1";
  options.port = 5060;
  Proxy proxy(w.table, options);
  const std::string invite = twilioInvite(std::string(kPlaceholder));
  const size_t uriAt = invite.find(kPlaceholder);
  const size_t toAt = invite.find(kPlaceholder, uriAt + 1);
  if (toAt == std::string::npos || invite.find(kPlaceholder, toAt + 1) != std::string::npos) {
    state.SkipWithError("the INVITE template must name the called number twice");
    return;
  }
  std::string buffer(4096, '\0');
  size_t i = 0;
  for (auto _ : state) {
    const CalledNumber& called = numbers[i];
    if (++i == numbers.size()) i = 0;
    std::memcpy(buffer.data(), invite.data(), invite.size());
    std::memcpy(buffer.data() + uriAt, called.data(), called.size());
    std::memcpy(buffer.data() + toAt, called.data(), called.size());
    auto out = proxy.onDatagram({buffer.data(), invite.size()}, kTwilio, *w.directory);
    if (!out || !out->bytes.starts_with(expectStart)) {
      state.SkipWithError("unexpected answer");
      break;
    }
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["called_numbers"] = static_cast<double>(numbers.size());
}

enum class Spread { kHot4096, kWholeTable };

const std::vector<CalledNumber>& drawn(const Draw& d, Spread spread) {
  return spread == Spread::kHot4096 ? d.hot : d.whole;
}

void BM_Sip_ParseRouteRedirect(benchmark::State& state, Spread spread) {
  runProxy(state, drawn(world().redirect, spread), "SIP/2.0 302");
}
BENCHMARK_CAPTURE(BM_Sip_ParseRouteRedirect, hot_4096, Spread::kHot4096);
BENCHMARK_CAPTURE(BM_Sip_ParseRouteRedirect, whole_table, Spread::kWholeTable);

void BM_Sip_ParseRouteProxy(benchmark::State& state, Spread spread) {
  runProxy(state, drawn(world().proxy, spread), "INVITE sip:agent@10.0.0.7:5070");
}
BENCHMARK_CAPTURE(BM_Sip_ParseRouteProxy, hot_4096, Spread::kHot4096);
BENCHMARK_CAPTURE(BM_Sip_ParseRouteProxy, whole_table, Spread::kWholeTable);

}  // namespace
}  // namespace gw::sip

BENCHMARK_MAIN();
