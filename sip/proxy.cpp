#include "sip/proxy.hpp"

#include "common/text.hpp"
#include "sip/decision.hpp"
#include "sip/message_writer.hpp"
#include "sip/proxy_text.hpp"
#include "sip/uri.hpp"

namespace gw::sip {
namespace {

constexpr std::string_view kAllow = "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS\r\n";
// On our own Via of a request that came over TCP: the port of the connection it came on,
// which is where its responses must go (RFC 3261 18.2.2). A stateless proxy keeps no
// transaction, so the response carries it back to us.
constexpr std::string_view kSourcePortParam = "x-gw-src-port";
constexpr int kDefaultMaxForwards = 70;
constexpr uint16_t kDefaultPort = 5060;
constexpr size_t kOutReserve = kMaxHeaderBytes + kMaxBodyBytes + 4096;

std::optional<Transport> transportOf(std::string_view viaTransport) {
  if (equalsIgnoreCase(viaTransport, "UDP")) return Transport::kUdp;
  if (equalsIgnoreCase(viaTransport, "TCP")) return Transport::kTcp;
  return std::nullopt;
}

bool knownSource(const Directory& dir, const Peer& from) {
  return dir.trustedGlobally(from.address) != nullptr ||
         dir.anyProviderAllowing(from.address) != nullptr ||
         // kTcp: the exact address and port, or the only agent on the address (a superset
         // of what a UDP lookup finds).
         dir.agentAt(from.address, from.port, Transport::kTcp) != nullptr;
}

}  // namespace

struct Proxy::ForwardPlan {
  std::string_view requestUri;  // empty: unchanged
  Peer to;
  std::string_view resolveHost;
  bool recordRoute = false;
  int stripRoutes = 0;           // our own Route values on top, removed
  const Route* route = nullptr;  // adds X-Gateway-Phone-Number-Id and -Provider-Id
};

Proxy::Proxy(const RoutingTable& routes, ProxyOptions options)
    : routes_(routes), options_(std::move(options)) {
  out_.reserve(kOutReserve);
  scratch_.reserve(1024);
  rrToken_.reserve(128);
  farScratch_.reserve(kMaxHeaderBytes);
  if (options_.host.size() > 2 && options_.host.front() == '[') {
    options_.host = options_.host.substr(1, options_.host.size() - 2);
  }
  if (options_.port == 0) options_.port = kDefaultPort;
  text::appendHostPort(sentBy_, options_.host, options_.port);
}

std::string Proxy::localTag(std::string_view callId) {
  std::string s;
  text::appendLocalTag(s, callId);
  return s;
}

std::string Proxy::branchFor(const Message& request) {
  std::string s;
  if (request.firstVia() != nullptr) {
    text::appendBranch(s, request, request.topVia, parseVia(request.topVia));
  }
  return s;
}

std::optional<uint64_t> Proxy::routeKeyHint(const Message& m) {
  if (!m.isRequest || m.method != Method::kInvite) return std::nullopt;
  auto uri = parseUri(m.requestUri);
  if (!uri) return std::nullopt;
  return calledKey(uri->user);
}

bool Proxy::isOurs(std::string_view host, uint16_t port) const {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return equalsIgnoreCase(host, options_.host) &&
         (port != 0 ? port : kDefaultPort) == options_.port;
}

std::optional<Outgoing> Proxy::drop() {
  counters_.dropped.fetch_add(1, std::memory_order_relaxed);
  return std::nullopt;
}

std::optional<Outgoing> Proxy::onParsed(const ParseOutcome& parsed, const Peer& from,
                                        const Directory& dir) {
  if (parsed.error) return onParseError(parsed.message, *parsed.error, from);
  return onMessage(parsed.message, from, dir);
}

std::optional<Outgoing> Proxy::onDatagram(std::span<char> datagram, const Peer& from,
                                          const Directory& dir) {
  return onParsed(parseDatagram(datagram), from, dir);
}

std::optional<Outgoing> Proxy::onParseError(const Message& partial, ParseError error,
                                            const Peer& from) {
  counters_.parseErrors.fetch_add(1, std::memory_order_relaxed);
  if (!partial.isRequest || partial.method == Method::kAck || !canAnswer(partial)) {
    return drop();
  }
  Parsed p;
  p.topVia = parseVia(partial.topVia);
  if (const Header* to = partial.find(HeaderId::kTo)) p.to = parseNameAddr(to->value);
  std::string warning = "Warning: 399 gatewayd \"";
  warning += describe(error);
  warning += "\"\r\n";
  return respond(partial, p, from, 400, "Bad Request", warning);
}

std::optional<Outgoing> Proxy::onMessage(const Message& m, const Peer& from, const Directory& dir) {
  if (!m.isRequest) return onResponse(m, from);
  return onRequest(m, from, dir);
}

std::optional<Outgoing> Proxy::onRequest(const Message& m, const Peer& from, const Directory& dir) {
  auto method = static_cast<size_t>(m.method);
  if (method < ProxyCounters::kMethods) {
    counters_.requestsByMethod[method].fetch_add(1, std::memory_order_relaxed);
  }
  const Header* to = m.find(HeaderId::kTo);
  const Header* from_ = m.find(HeaderId::kFrom);
  if (!m.firstVia() || !to || !from_ || m.callId.empty() || !m.find(HeaderId::kCSeq)) {
    // Without these no response can be routed or matched (RFC 3261 8.1.1).
    counters_.parseErrors.fetch_add(1, std::memory_order_relaxed);
    return drop();
  }
  // Parsed once here; every step below (decision, forward, respond) reads these.
  Parsed p;
  p.topVia = parseVia(m.topVia);  // "" (a leading empty Via element) is a syntax error
  p.to = parseNameAddr(to->value);
  p.from = parseNameAddr(from_->value);
  if (!p.topVia) {
    counters_.parseErrors.fetch_add(1, std::memory_order_relaxed);
    return respond(m, p, from, 400, "Bad Via");
  }
  if (!p.to || !p.from) {
    counters_.parseErrors.fetch_add(1, std::memory_order_relaxed);
    return respond(m, p, from, 400, p.to ? "Bad From" : "Bad To");
  }
  std::optional<std::string_view> toTag = p.to->tag();
  if (m.method == Method::kAck && toTag) {
    scratch_.clear();
    text::appendLocalTag(scratch_, m.callId);
    if (*toTag == scratch_) {
      // The ACK of a final answer the gateway gave itself: the transaction ends here.
      counters_.absorbedAcks.fetch_add(1, std::memory_order_relaxed);
      return std::nullopt;
    }
  }
  if (toTag) return inDialog(m, p, from, dir);
  return outOfDialog(m, p, from, dir);
}

std::optional<Outgoing> Proxy::outOfDialog(const Message& m, const Parsed& p, const Peer& from,
                                           const Directory& dir) {
  bool routed =
      m.method == Method::kInvite || m.method == Method::kCancel || m.method == Method::kAck;
  if (!routed) {
    // INVITE, CANCEL and ACK are checked by the routing decision, which knows the called
    // number's provider; the others only need a source we know at all.
    if (!knownSource(dir, from)) {
      counters_.aclDenials.fetch_add(1, std::memory_order_relaxed);
      return respond(m, p, from, 403, "Forbidden");
    }
    // RFC 3261 16.3 step 3: an OPTIONS with Max-Forwards 0 may be answered by the proxy.
    if (m.method == Method::kOptions) return respond(m, p, from, 200, "OK", kAllow);
    if (m.method == Method::kBye)
      return respond(m, p, from, 481, "Call/Transaction Does Not Exist");
    return respond(m, p, from, 405, "Method Not Allowed", kAllow);
  }
  if (const Header* pr = m.find(HeaderId::kProxyRequire)) return badExtension(m, p, from, *pr);
  auto uri = parseUri(m.requestUri);
  if (!uri) return respond(m, p, from, 400, "Bad Request-URI");
  if (!uri->isSip() && !uri->isTel()) return respond(m, p, from, 416, "Unsupported URI Scheme");
  if (m.maxForwards == 0) return respond(m, p, from, 483, "Too Many Hops");

  const AgentTarget* agent = dir.agentAt(from.address, from.port, from.transport);
  // A port-agnostic agent match (TCP, ephemeral port) from a carrier address is the
  // carrier calling in; an exact match, or any match from a non-carrier, is the agent
  // calling out. (Only asked when an agent matched: carriers' INVITEs skip it.)
  bool outbound = agent && (agent->port == from.port || !(dir.trustedGlobally(from.address) ||
                                                          dir.anyProviderAllowing(from.address)));
  Decision d;
  if (outbound) {
    d = decideOutbound(routes_, dir, *agent, p.from->uri.user, uri->user);
  } else {
    d = decideInbound(routes_, dir, uri->user, from.address);
    if (d.acl == AclResult::kDenied) {
      counters_.aclDenials.fetch_add(1, std::memory_order_relaxed);
    }
  }

  ForwardPlan plan;
  switch (d.action) {
    case Action::kReject:
      if (m.method == Method::kCancel && d.status != 403) {
        return respond(m, p, from, 481, "Call/Transaction Does Not Exist");
      }
      if (m.method == Method::kInvite && d.status == 404) {
        counters_.unknownNumberInvites.fetch_add(1, std::memory_order_relaxed);
      }
      return respond(m, p, from, d.status, d.reason);
    case Action::kRedirect: {
      if (m.method == Method::kCancel) {
        return respond(m, p, from, 481, "Call/Transaction Does Not Exist");
      }
      extra_ = "Contact: <";
      extra_ += d.agent->sipUri;
      extra_ += ">\r\n";
      return respond(m, p, from, 302, "Moved Temporarily", extra_);
    }
    case Action::kProxy: {
      if (!d.agent || d.agent->addresses.empty()) {
        return respond(m, p, from, 503, "Service Unavailable");
      }
      plan.requestUri = d.agent->sipUri;
      plan.to = Peer{d.agent->addresses.front(), d.agent->port, d.agent->transport};
      plan.recordRoute = m.method == Method::kInvite;
      if (plan.recordRoute) makeRouteToken(m, 'i', plan.to.address);
      if (m.method == Method::kInvite && d.route) plan.route = &*d.route;
      return forward(m, p, from, plan);
    }
    case Action::kTerminate: {
      if (!d.provider || d.provider->terminationUri.empty()) {
        return respond(m, p, from, 503, "Service Unavailable");
      }
      std::string_view term = d.provider->terminationUri;
      if (startsWithIgnoreCase(term, "sip:")) term.remove_prefix(4);
      uriScratch_ = "sip:";
      uriScratch_ += d.normalizedNumber;
      uriScratch_ += '@';
      uriScratch_ += term;
      auto termUri = parseUri(uriScratch_);
      std::optional<UriTarget> target = termUri ? targetOf(*termUri) : std::nullopt;
      if (!target) return respond(m, p, from, 503, "Service Unavailable");
      plan.requestUri = uriScratch_;
      if (options_.outboundProxy) {
        plan.to = *options_.outboundProxy;
      } else {
        plan.to = target->peer;
        hostScratch_ = target->host;
        plan.resolveHost = hostScratch_;
      }
      plan.recordRoute = m.method == Method::kInvite;
      if (plan.recordRoute) makeRouteToken(m, 'o', from.address);
      return forward(m, p, from, plan);
    }
  }
  return drop();
}

std::optional<Outgoing> Proxy::badExtension(const Message& m, const Parsed& p, const Peer& from,
                                            const Header& proxyRequire) {
  // RFC 3261 16.3 step 5: the gateway supports no extension a proxy could be required to.
  extra_ = "Unsupported: ";
  extra_ += proxyRequire.value;
  extra_ += "\r\n";
  return respond(m, p, from, 420, "Bad Extension", extra_);
}

std::optional<Outgoing> Proxy::inDialog(const Message& m, const Parsed& p, const Peer& from,
                                        const Directory& dir) {
  // The first Route values, to find ours on top (two when we double record-routed
  // between transports, RFC 5658) and the next hop after them.
  std::array<std::string_view, 3> routeValues;
  size_t n = 0;
  for (const Header& h : m.headers) {
    if (h.id != HeaderId::kRoute) continue;
    std::string_view rest = h.value;
    while (!rest.empty() && n < routeValues.size()) {
      auto [first, next] = splitFirstListElement(rest);
      routeValues[n++] = first;
      rest = next;
    }
    if (n == routeValues.size()) break;
  }
  int ours = 0;
  while (ours < 2 && static_cast<size_t>(ours) < n) {
    auto na = parseNameAddr(routeValues[ours]);
    if (!na || !na->uri.isSip() || !isOurs(na->uri.host, na->uri.port)) break;
    ++ours;
  }
  if (ours == 0) {
    // The ACK of a non-2xx answer the gateway relayed has the callee's To tag but follows
    // the INVITE's path, not a route set: route it like the INVITE.
    if (m.method == Method::kAck) return outOfDialog(m, p, from, dir);
    counters_.aclDenials.fetch_add(1, std::memory_order_relaxed);
    return respond(m, p, from, 403, "Forbidden");  // not a dialog we record-routed
  }
  if (!knownSource(dir, from)) {
    counters_.aclDenials.fetch_add(1, std::memory_order_relaxed);
    if (m.method == Method::kAck) return std::nullopt;
    return respond(m, p, from, 403, "Forbidden");
  }
  if (const Header* pr = m.find(HeaderId::kProxyRequire)) return badExtension(m, p, from, *pr);
  if (m.maxForwards == 0) return respond(m, p, from, 483, "Too Many Hops");

  std::optional<Uri> next;
  if (static_cast<size_t>(ours) < n) {
    if (auto na = parseNameAddr(routeValues[ours])) next = na->uri;
  } else {
    next = parseUri(m.requestUri);
  }
  if (!next) return respond(m, p, from, 400, "Bad Route");
  auto target = targetOf(*next);
  if (!target) return respond(m, p, from, 503, "Unsupported Transport");
  if (!dialogAllows(m, routeValues[0], *target, dir)) {
    // Not a record-route the gateway issued for this call, or not towards its other side:
    // following it would make the gateway a relay to wherever the sender points.
    counters_.routeDenials.fetch_add(1, std::memory_order_relaxed);
    if (m.method == Method::kAck) return std::nullopt;
    return respond(m, p, from, 403, "Forbidden");
  }
  ForwardPlan plan;
  plan.to = target->peer;
  hostScratch_ = target->host;
  plan.resolveHost = hostScratch_;
  plan.stripRoutes = ours;
  return forward(m, p, from, plan);
}

std::optional<Outgoing> Proxy::forward(const Message& m, const Parsed& p, const Peer& from,
                                       const ForwardPlan& plan) {
  // RFC 3261 16.3 step 4. The gateway keeps no state to tell a spiral from a loop, and no
  // call of its own passes it twice: a request that already did is a loop. So is a next hop
  // that is the gateway itself (a proxy agent pointing back at it), caught here before the
  // first lap.
  if (looped(m) ||
      (plan.resolveHost.empty() && pointsAtGateway(options_, plan.to.address, plan.to.port))) {
    counters_.loopsDetected.fetch_add(1, std::memory_order_relaxed);
    return respond(m, p, from, 482, "Loop Detected");
  }
  const Header* firstVia = m.firstVia();
  std::string_view rest = m.topViaRest;
  scratch_.clear();
  text::appendViaWithReceived(scratch_, m.topVia, *p.topVia, from.address, from.port);

  out_.clear();
  out_ += m.methodText;
  out_ += ' ';
  out_ += plan.requestUri.empty() ? m.requestUri : plan.requestUri;
  out_ += " SIP/2.0\r\nVia: SIP/2.0/";
  out_ += plan.to.transport == Transport::kTcp ? "TCP " : "UDP ";
  out_ += sentBy_;
  out_ += ";branch=";
  text::appendBranch(out_, m, m.topVia, p.topVia);
  if (from.transport == Transport::kTcp) {
    out_ += ';';
    out_ += kSourcePortParam;
    out_ += '=';
    text::appendDecimal(out_, from.port);
  }
  out_ += "\r\n";
  if (plan.recordRoute) {
    // The callee uses the first value, the caller the last: when the transports differ
    // each side gets the one for its own transport (RFC 5658 double record-routing).
    auto appendRecordRoute = [this](Transport t) {
      out_ += "Record-Route: <sip:";
      out_ += sentBy_;
      if (t == Transport::kTcp) out_ += ";transport=tcp";
      out_ += ";lr;";
      out_ += kRouteTokenParam;
      out_ += '=';
      out_ += rrToken_;
      out_ += ">\r\n";
    };
    appendRecordRoute(plan.to.transport);
    if (from.transport != plan.to.transport) appendRecordRoute(from.transport);
  }

  bool maxForwardsDone = false;
  int strip = plan.stripRoutes;
  for (const Header& h : m.headers) {
    switch (h.id) {
      case HeaderId::kVia:
        if (&h != firstVia) break;
        out_ += h.name;
        out_ += ": ";
        out_ += scratch_;
        if (!rest.empty()) {
          out_ += ", ";
          out_ += rest;
        }
        out_ += "\r\n";
        continue;
      case HeaderId::kMaxForwards:
        if (maxForwardsDone) continue;  // a duplicate would undo the decrement
        maxForwardsDone = true;
        out_ += "Max-Forwards: ";
        text::appendDecimal(out_, m.maxForwards > 0 ? m.maxForwards - 1 : 0);
        out_ += "\r\n";
        continue;
      case HeaderId::kContentLength:
        continue;  // rewritten below: the next hop may be a stream transport
      case HeaderId::kRoute:
        if (strip > 0) {
          std::string_view v = h.value;
          while (strip > 0 && !v.empty()) {
            v = splitFirstListElement(v).second;
            --strip;
          }
          if (!v.empty()) {
            out_ += h.name;
            out_ += ": ";
            out_ += v;
            out_ += "\r\n";
          }
          continue;
        }
        break;
      case HeaderId::kOther:
        // Agents trust these: only the gateway may set them.
        if (startsWithIgnoreCase(h.name, "X-Gateway-")) continue;
        break;
      default:
        break;
    }
    out_ += h.line;
    out_ += "\r\n";
  }
  if (!maxForwardsDone) {
    out_ += "Max-Forwards: ";
    text::appendDecimal(out_, kDefaultMaxForwards);
    out_ += "\r\n";
  }
  if (plan.route) {
    out_ += "X-Gateway-Phone-Number-Id: ";
    text::appendUuid(out_, plan.route->phoneNumberId);
    out_ += "\r\nX-Gateway-Provider-Id: ";
    text::appendUuid(out_, plan.route->providerId);
    out_ += "\r\n";
  }
  out_ += "Content-Length: ";
  text::appendDecimal(out_, m.body.size());
  out_ += "\r\n\r\n";
  out_ += m.body;
  counters_.forwardedRequests.fetch_add(1, std::memory_order_relaxed);
  Outgoing o;
  o.bytes = out_;
  o.to = plan.to;
  o.resolveHost = plan.resolveHost;
  return o;
}

std::optional<Outgoing> Proxy::onResponse(const Message& m, const Peer& from) {
  (void)from;
  counters_.responsesReceived.fetch_add(1, std::memory_order_relaxed);
  const Header* firstVia = m.firstVia();
  if (!firstVia) return drop();
  std::string_view rest = m.topViaRest;
  auto ours = parseVia(m.topVia);
  if (!ours || !isOurs(ours->host, ours->port) ||
      ours->branch().value_or("").substr(0, text::kBranchPrefix.size()) != text::kBranchPrefix) {
    return drop();  // not a request we forwarded
  }
  // The Via below ours: the next value on the same line, else the first of the next Via.
  std::string_view next = splitFirstListElement(rest).first;
  if (rest.empty()) {
    bool afterFirst = false;
    for (const Header& h : m.headers) {
      if (&h == firstVia) {
        afterFirst = true;
      } else if (afterFirst && h.id == HeaderId::kVia) {
        next = splitFirstListElement(h.value).first;
        break;
      }
    }
  }
  auto nv = next.empty() ? std::nullopt : parseVia(next);
  auto transport = nv ? transportOf(nv->transport) : std::nullopt;
  if (!transport) return drop();
  // Our branch is a function of the Via below it: a response that does not answer a
  // request we forwarded (forged, or with its Vias altered) is not relayed anywhere.
  scratch_.clear();
  text::appendBranch(scratch_, m, next, nv);
  if (ours->branch() != std::string_view(scratch_)) return drop();

  // RFC 3261 18.2.2 and RFC 3581: received (else the sent-by host), then the connection
  // the request came on (TCP), rport, the sent-by port.
  Outgoing o;
  o.to.transport = *transport;
  std::optional<boost::asio::ip::address> address;
  if (auto received = nv->received()) address = text::parseIp(*received);
  if (!address) address = text::parseIp(nv->host);
  if (address) {
    o.to.address = *address;
  } else {
    hostScratch_ = nv->host;
    o.resolveHost = hostScratch_;
  }
  uint16_t sentByPort = nv->port != 0 ? nv->port : kDefaultPort;
  std::optional<uint16_t> rport;
  if (auto r = nv->rport()) rport = parsePort(*r);
  std::optional<uint16_t> connectionPort;
  if (*transport == Transport::kTcp) {
    if (auto p = findParam(ours->params, kSourcePortParam)) connectionPort = parsePort(*p);
  }
  o.to.port = connectionPort ? *connectionPort : rport ? *rport : sentByPort;
  if (connectionPort) o.reconnectPort = sentByPort;

  out_.clear();
  out_ += m.startLine;
  out_ += "\r\n";
  for (const Header& h : m.headers) {
    if (&h == firstVia) {
      if (!rest.empty()) {
        out_ += h.name;
        out_ += ": ";
        out_ += rest;
        out_ += "\r\n";
      }
      continue;
    }
    if (h.id == HeaderId::kContentLength) continue;
    out_ += h.line;
    out_ += "\r\n";
  }
  out_ += "Content-Length: ";
  text::appendDecimal(out_, m.body.size());
  out_ += "\r\n\r\n";
  out_ += m.body;
  counters_.forwardedResponses.fetch_add(1, std::memory_order_relaxed);
  o.bytes = out_;
  return o;
}

std::optional<Outgoing> Proxy::respond(const Message& m, const Parsed& p, const Peer& from,
                                       int status, std::string_view reason,
                                       std::string_view extraHeaders) {
  if (m.method == Method::kAck) return std::nullopt;  // an ACK is never answered
  // The response carries the request's top Via with received/rport filled in, as the
  // server side of RFC 3261 18.2.1 / RFC 3581 would have done on receipt; an unparseable
  // one is echoed as sent.
  ResponseEdits edits;
  scratch_.clear();
  if (p.topVia) {
    text::appendViaWithReceived(scratch_, m.topVia, *p.topVia, from.address, from.port);
    if (!m.topViaRest.empty()) {
      scratch_ += ", ";
      scratch_ += m.topViaRest;
    }
    edits.firstVia = scratch_;
  }
  // A To without tag gets ours; an unparseable To is echoed as is: a tag appended to it
  // could change its meaning.
  tag_.clear();
  if (p.to && !p.to->tag()) {
    text::appendLocalTag(tag_, m.callId);
    edits.toTag = tag_;
  }
  writeEditedResponse(out_, m, status, reason.empty() ? reasonPhrase(status) : reason, edits,
                      extraHeaders);
  if (status >= 100 && status < 700) {
    counters_.responsesSentByStatus[static_cast<size_t>(status - 100)].fetch_add(
        1, std::memory_order_relaxed);
  }
  Outgoing o;
  o.bytes = out_;
  o.to = from;
  o.onSourceConnection = from.transport == Transport::kTcp;
  return o;
}

}  // namespace gw::sip
