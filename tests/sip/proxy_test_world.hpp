#pragma once
// The routing world the proxy and server tests share: a provider, agents in every mode,
// numbers linked to them, a trusted range, and a builder for hand-made SIP requests.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "common/e164.hpp"
#include "sip/directory.hpp"
#include "sip/message.hpp"
#include "sip/routing_table.hpp"

namespace gw::sip::test {

inline boost::asio::ip::address ip(const char* text) {
  return boost::asio::ip::make_address(text);
}

inline UuidBytes uuidTagged(uint8_t kind, uint8_t n) {
  UuidBytes u{};
  u[0] = kind;
  u[15] = n;
  return u;
}

// Numbers of the world.
inline constexpr const char* kProxied = "+14155550100";     // proxy agent (UDP)
inline constexpr const char* kRedirected = "+14155550101";  // redirect agent
inline constexpr const char* kUnlinked = "+14155550102";    // no agent
inline constexpr const char* kProxiedTcp = "+14155550103";  // proxy agent (TCP)
inline constexpr const char* kUnresolved = "+14155550104";  // agent without address
inline constexpr const char* kCallerId = "+14155550105";    // outbound caller ID of agent_

struct World {
  // `agentAddress`/`agentPort`: where the UDP proxy agent listens (tests with sockets
  // point it at a socket of theirs).
  explicit World(const char* agentAddress = "10.0.0.5", uint16_t agentPort = 5070,
                 const char* trusted = "203.0.113.0/24") {
    provider.id = uuidTagged(0x50, 1);
    provider.idText = "provider-1";
    provider.orgId = "org-a";
    provider.terminationUri = "trunk1.pstn.twilio.com";
    provider.allowedAddresses.push_back(*Cidr::parse("198.51.100.0/24"));

    agent.id = uuidTagged(0xa0, 1);
    agent.orgId = "org-a";
    agent.name = "support";
    agent.sipUri = std::string("sip:support@") + agentAddress + ":" + std::to_string(agentPort);
    agent.addresses.push_back(ip(agentAddress));
    agent.port = agentPort;
    agent.outboundPhoneNumberId = uuidTagged(0x70, 5);

    redirect.id = uuidTagged(0xa0, 2);
    redirect.orgId = "org-a";
    redirect.name = "sales";
    redirect.mode = AgentMode::kRedirect;
    redirect.sipUri = "sip:sales@agents.example.com";

    tcpAgent.id = uuidTagged(0xa0, 3);
    tcpAgent.orgId = "org-a";
    tcpAgent.name = "tcp";
    tcpAgent.sipUri = "sip:tcp@10.0.0.7:5080;transport=tcp";
    tcpAgent.addresses.push_back(ip("10.0.0.7"));
    tcpAgent.port = 5080;
    tcpAgent.transport = Transport::kTcp;

    unresolved.id = uuidTagged(0xa0, 4);
    unresolved.orgId = "org-a";
    unresolved.name = "nowhere";
    unresolved.sipUri = "sip:x@does-not-resolve.invalid";

    addNumber(kProxied, 0, agent.id);
    addNumber(kRedirected, 1, redirect.id);
    addNumber(kUnlinked, 2, {});
    addNumber(kProxiedTcp, 3, tcpAgent.id);
    addNumber(kUnresolved, 4, unresolved.id);
    addNumber(kCallerId, 5, {});

    if (trusted) trustedCidrs.push_back(*Cidr::parse(trusted));
    rebuild();
  }

  // Moves the TCP agent (tests with sockets point it at a listener of theirs).
  void setTcpAgent(const char* address, uint16_t port) {
    tcpAgent.sipUri =
        std::string("sip:tcp@") + address + ":" + std::to_string(port) + ";transport=tcp";
    tcpAgent.addresses = {ip(address)};
    tcpAgent.port = port;
    rebuild();
  }

  void rebuild() {
    directory = Directory({agent, redirect, tcpAgent, unresolved}, {provider}, trustedCidrs);
  }

  void addNumber(const char* e164, uint8_t n, const UuidBytes& agentId) {
    Route r;
    r.key = *e164Key(e164);
    r.phoneNumberId = uuidTagged(0x70, n);
    r.providerId = provider.id;
    r.agentId = agentId;
    routes.upsert(r);
  }

  RoutingTable routes{4};
  std::vector<Cidr> trustedCidrs;
  ProviderTarget provider;
  AgentTarget agent, redirect, tcpAgent, unresolved;
  Directory directory;
};

// A request as a peer would send it; text() writes it with CRLF and Content-Length.
struct Request {
  std::string method = "INVITE";
  std::string uri = std::string("sip:") + kProxied + "@gw.example.com";
  std::vector<std::string> vias = {"SIP/2.0/UDP 203.0.113.9:5060;branch=z9hG4bKcaller1"};
  std::string from = "<sip:+15550001111@carrier.example>;tag=from1";
  std::string to = std::string("<sip:") + kProxied + "@gw.example.com>";
  std::string callId = "call-1@carrier.example";
  uint32_t cseq = 1;
  std::string cseqMethod;  // empty: `method`
  std::optional<int> maxForwards = 70;
  std::string extra;  // header lines, each ending in CRLF
  std::string body;

  std::string text() const {
    std::string t = method + " " + uri + " SIP/2.0\r\n";
    for (const auto& v : vias) t += "Via: " + v + "\r\n";
    if (maxForwards) t += "Max-Forwards: " + std::to_string(*maxForwards) + "\r\n";
    t += "From: " + from + "\r\nTo: " + to + "\r\nCall-ID: " + callId + "\r\n";
    t +=
        "CSeq: " + std::to_string(cseq) + " " + (cseqMethod.empty() ? method : cseqMethod) + "\r\n";
    t += extra;
    t += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    return t;
  }
};

// A parsed copy of bytes the proxy produced (the Message points into `text`).
struct Parsed {
  explicit Parsed(std::string_view bytes) : text(bytes) {
    auto outcome = parseDatagram(std::span<char>(text.data(), text.size()));
    ok = !outcome.error;
    message = outcome.message;
  }
  Parsed(const Parsed&) = delete;

  std::vector<std::string> all(HeaderId id) const {
    std::vector<std::string> out;
    for (const Header& h : message.headers) {
      if (h.id == id) out.emplace_back(h.value);
    }
    return out;
  }
  std::optional<std::string> named(std::string_view name) const {
    for (const Header& h : message.headers) {
      if (h.name.size() == name.size() &&
          std::equal(name.begin(), name.end(), h.name.begin(),
                     [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
        return std::string(h.value);
      }
    }
    return std::nullopt;
  }
  std::string value(HeaderId id) const {
    const Header* h = message.find(id);
    return h ? std::string(h->value) : std::string();
  }

  std::string text;
  bool ok = false;
  Message message;
};

}  // namespace gw::sip::test
