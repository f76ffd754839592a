#include "sip/proxy.hpp"

#include "common/text.hpp"
#include "sip/proxy_text.hpp"
#include "sip/uri.hpp"

// The proxy's rules for in-dialog routing and loops: the MAC'd Record-Route token, the
// check of an in-dialog request's next hop against it, loop detection. Split from
// proxy.cpp, which keeps the message flow.
namespace gw::sip {
namespace {

// A dialog side as the MAC covers it: "address-or-lowercase-host:port;u|t".
void appendTargetKey(std::string& out, const UriTarget& t) {
  if (t.host.empty()) {
    text::appendAddress(out, text::unmapped(t.peer.address));
  } else {
    for (char c : t.host) out += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  }
  out += ':';
  text::appendDecimal(out, t.peer.port);
  out += t.peer.transport == Transport::kTcp ? ";t" : ";u";
}

// The far side of a call to an agent, seen from the agent: the caller-side proxy that
// record-routed just before the gateway, else the caller's Contact.
std::optional<UriTarget> callerSideOf(const Message& m) {
  const Header* h = m.find(HeaderId::kRecordRoute);
  if (h == nullptr) h = m.find(HeaderId::kContact);
  if (h == nullptr) return std::nullopt;
  auto na = parseNameAddr(splitFirstListElement(h->value).first);
  return na ? targetOf(na->uri) : std::nullopt;
}

std::optional<uint64_t> parseHex64(std::string_view s) {
  if (s.size() != 16) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return std::nullopt;
    v = v << 4 | static_cast<uint64_t>(d);
  }
  return v;
}

}  // namespace

std::optional<UriTarget> targetOf(const Uri& uri) {
  auto t = uriTarget(uri);
  if (!t || t->tls) return std::nullopt;
  return *t;
}

void Proxy::makeRouteToken(const Message& m, char kind, const boost::asio::ip::address& agent) {
  farScratch_.clear();
  if (kind == 'i') {
    if (auto caller = callerSideOf(m)) appendTargetKey(farScratch_, *caller);
  }
  std::string_view far = farScratch_;
  const char kindText[1] = {kind};
  std::string_view k(kindText, 1);
  rrToken_.clear();
  rrToken_ += kind;
  rrToken_ += '~';
  text::appendAddress(rrToken_, text::unmapped(agent));
  std::string_view agentText = std::string_view(rrToken_).substr(2);
  uint64_t agentMac = routeMac(options_.routeKey, {"A", m.callId, k, agentText});
  uint64_t bothMac = routeMac(options_.routeKey, {"F", m.callId, k, agentText, far});
  rrToken_ += '~';
  text::appendHex64(rrToken_, agentMac);
  text::appendHex64(rrToken_, bothMac);
}

bool Proxy::dialogAllows(const Message& m, std::string_view route, const UriTarget& next,
                         const Directory& dir) {
  auto na = parseNameAddr(route);
  std::optional<std::string_view> token = na ? na->uri.param(kRouteTokenParam) : std::nullopt;
  if (!token || token->size() < 4 || (*token)[1] != '~') return false;
  char kind = token->front();
  std::string_view rest = token->substr(2);
  size_t tilde = rest.rfind('~');
  if (tilde == std::string_view::npos || rest.size() - tilde - 1 != 32) return false;
  std::string_view agentText = rest.substr(0, tilde);
  auto agentMac = parseHex64(rest.substr(tilde + 1, 16));
  auto bothMac = parseHex64(rest.substr(tilde + 17));
  std::string_view k = token->substr(0, 1);
  if (!agentMac || !bothMac ||
      (routeMac(options_.routeKey, {"A", m.callId, k, agentText}) ^ *agentMac) != 0) {
    return false;
  }
  // Towards the agent's side: any port of the address the INVITE went to (or came from).
  auto agent = text::parseIp(agentText);
  const bool literal = next.host.empty();
  const auto address = text::unmapped(next.peer.address);
  if (literal && agent && address == *agent) return true;
  if (kind == 'o') {
    return literal && (dir.trustedGlobally(address) != nullptr ||
                       dir.anyProviderAllowing(address) != nullptr ||
                       (options_.outboundProxy && options_.outboundProxy->address == address));
  }
  if (kind != 'i') return false;
  farScratch_.clear();
  appendTargetKey(farScratch_, next);
  return (routeMac(options_.routeKey, {"F", m.callId, k, agentText, farScratch_}) ^ *bothMac) == 0;
}

bool Proxy::looped(const Message& m) const {
  for (const Header& h : m.headers) {
    if (h.id != HeaderId::kVia || h.value.find(text::kBranchPrefix) == std::string_view::npos) {
      continue;
    }
    std::string_view rest = h.value;
    while (!rest.empty()) {
      auto [value, next] = splitFirstListElement(rest);
      rest = next;
      auto via = parseVia(value);
      if (!via || !isOurs(via->host, via->port)) continue;
      auto branch = via->branch();
      if (branch && branch->substr(0, text::kBranchPrefix.size()) == text::kBranchPrefix) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace gw::sip
