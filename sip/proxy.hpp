#pragma once
// The stateless SIP proxy core (RFC 3261 16.11): one message in, at most one message out.
// It knows nothing of sockets, so every rule is unit-tested on hand-built messages; the
// server (sip/server.hpp) feeds it and sends what it returns.
//
// One Proxy per worker thread: it owns its output buffer and its counters, and reads the
// routing table and the directory it is handed without taking a lock. Never throws; a
// message it cannot make sense of is answered 400 when a response can be formed and
// dropped otherwise.
#include <array>
#include <atomic>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <boost/asio/ip/address.hpp>

#include "sip/directory.hpp"
#include "sip/message.hpp"
#include "sip/route_mac.hpp"
#include "sip/routing_table.hpp"
#include "sip/uri.hpp"
#include "sip/uri_target.hpp"

namespace gw::sip {

struct ProxyOptions {
  // What the gateway writes in its Via and Record-Route: --public-sip-uri's host and port,
  // else the bound listen address. Responses whose top Via is not this are dropped.
  std::string host = "127.0.0.1";
  uint16_t port = 5060;
  // --sip-outbound-proxy: where outbound (termination) INVITEs go instead of the DNS
  // address of the provider's termination URI.
  std::optional<Peer> outboundProxy;
  // The bound listener (--sip-listen; port 0 until bound): a next hop equal to it, or to
  // host:port above, is the gateway itself, and forwarding there would loop.
  boost::asio::ip::address listenAddress;
  uint16_t listenPort = 0;
  // The key of the MAC in the gateway's Record-Route URIs (sip/route_mac.hpp): the same in
  // every worker and across restarts, so any worker checks what another one issued.
  RouteKey routeKey{};
};

// Whether `address`:`port` is the gateway's own SIP listener: the advertised host:port when
// the host is an IP literal, or the bound address and port (with an unspecified bound
// address, any loopback or unspecified address on that port). UDP and TCP share the port.
bool pointsAtGateway(const ProxyOptions& options, const boost::asio::ip::address& address,
                     uint16_t port);

// Relaxed atomics: written by one worker, summed by Server::stats() from any thread.
struct ProxyCounters {
  static constexpr size_t kMethods = 14;  // Method enum values
  std::array<std::atomic<uint64_t>, kMethods> requestsByMethod{};
  std::array<std::atomic<uint64_t>, 600> responsesSentByStatus{};  // [status - 100]
  std::atomic<uint64_t> responsesReceived{0};
  std::atomic<uint64_t> aclDenials{0};
  std::atomic<uint64_t> parseErrors{0};
  std::atomic<uint64_t> forwardedRequests{0};
  std::atomic<uint64_t> forwardedResponses{0};
  std::atomic<uint64_t> absorbedAcks{0};
  std::atomic<uint64_t> dropped{0};             // no answer possible, not ours, nowhere to send
  std::atomic<uint64_t> outboundTcpRefused{0};  // at TcpOptions::maxOutboundConnections
  // In-dialog requests refused because their Route is not one the gateway issued for this
  // dialog, or their next hop is not one of the dialog's two sides (answered 403; ACK dropped).
  std::atomic<uint64_t> routeDenials{0};
  std::atomic<uint64_t> loopsDetected{0};  // answered 482 (RFC 3261 16.3 step 4)
  std::atomic<uint64_t> unknownNumberInvites{0};  // INVITEs answered 404: no such number
};

// What to send. `bytes` points into the Proxy's buffer: valid until its next call.
struct Outgoing {
  std::string_view bytes;
  Peer to;
  // The answer goes back over the connection the message came on (a TCP request answered
  // by the gateway itself); `to` is then the source.
  bool onSourceConnection = false;
  // Non-empty: `to.address` is unset and this host name must be resolved first (outbound
  // calls to a provider's termination URI without --sip-outbound-proxy).
  std::string_view resolveHost;
  // A relayed response for a TCP peer: `to` is the connection the request came on; if it
  // has closed, connect to `to.address` on this port instead (RFC 3261 18.2.2).
  uint16_t reconnectPort = 0;
};

// uriTarget() of `uri` when the proxy can send there: nullopt for tel:, other transports
// and sips (TLS, which the proxy does not speak).
std::optional<UriTarget> targetOf(const Uri& uri);

// The Record-Route URI parameter whose value lets the in-dialog requests of one call
// through the gateway: "<kind>~<agent address>~<MAC of the agent side><MAC of both sides>".
// kind 'i': a call to an agent, whose far side is the caller's next hop (its Contact, or
// the Record-Route of the proxy before the gateway); 'o': an agent's outbound call, whose
// far side is the provider (an address of --sip-trusted-cidr or of a provider's
// allowedAddresses, or --sip-outbound-proxy).
inline constexpr std::string_view kRouteTokenParam = "x-gw-dlg";

class Proxy {
 public:
  Proxy(const RoutingTable& routes, ProxyOptions options);

  // A parsed message from `from`. `dir` is the worker's current directory snapshot.
  std::optional<Outgoing> onMessage(const Message& m, const Peer& from, const Directory& dir);
  // A message that failed to parse (`partial` holds what was read): 400 when possible.
  std::optional<Outgoing> onParseError(const Message& partial, ParseError error, const Peer& from);
  // A parsed datagram: dispatches to one of the above.
  std::optional<Outgoing> onParsed(const ParseOutcome& parsed, const Peer& from,
                                   const Directory& dir);
  // Parses a datagram (in place), then onParsed().
  std::optional<Outgoing> onDatagram(std::span<char> datagram, const Peer& from,
                                     const Directory& dir);

  const ProxyCounters& counters() const { return counters_; }
  ProxyCounters& counters() { return counters_; }
  const ProxyOptions& options() const { return options_; }

  // The To tag of every response the gateway generates for a Call-ID (a hash, so a
  // retransmitted request gets the same tag and its ACK is recognised).
  static std::string localTag(std::string_view callId);
  // The branch of the Via the gateway adds when forwarding `request`, derived from its top
  // Via: the same for an INVITE, its retransmissions, its CANCEL and the ACK of a non-2xx
  // answer (RFC 3261 16.11). Empty when the request has no Via.
  static std::string branchFor(const Message& request);
  // The routing key an INVITE's called number will be looked up with (for
  // RoutingTable::prefetch ahead of onMessage); nullopt for other messages. A hint only.
  static std::optional<uint64_t> routeKeyHint(const Message& m);

 private:
  // What onRequest parses of a request, once, for every step after it.
  struct Parsed {
    std::optional<Via> topVia;  // parseVia(m.topVia)
    std::optional<NameAddr> to;
    std::optional<NameAddr> from;
  };

  std::optional<Outgoing> onRequest(const Message& m, const Peer& from, const Directory& dir);
  std::optional<Outgoing> onResponse(const Message& m, const Peer& from);
  std::optional<Outgoing> inDialog(const Message& m, const Parsed& p, const Peer& from,
                                   const Directory& dir);
  std::optional<Outgoing> outOfDialog(const Message& m, const Parsed& p, const Peer& from,
                                      const Directory& dir);

  std::optional<Outgoing> respond(const Message& m, const Parsed& p, const Peer& from, int status,
                                  std::string_view reason, std::string_view extraHeaders = {});
  std::optional<Outgoing> badExtension(const Message& m, const Parsed& p, const Peer& from,
                                       const Header& proxyRequire);
  std::optional<Outgoing> drop();

  struct ForwardPlan;
  std::optional<Outgoing> forward(const Message& m, const Parsed& p, const Peer& from,
                                  const ForwardPlan& plan);

  bool isOurs(std::string_view host, uint16_t port) const;
  // RFC 3261 16.3 step 4: a Via of ours already in the request.
  bool looped(const Message& m) const;
  // Writes into rrToken_ the value of the Record-Route parameter that lets in-dialog
  // requests of this call through: the agent-side address and the far side, MAC'd with
  // the Call-ID (kRouteTokenParam says which far side each kind has).
  void makeRouteToken(const Message& m, char kind, const boost::asio::ip::address& agent);
  // Whether `route` (our top Route value) carries a token issued for this Call-ID and
  // `next` is one of that dialog's two sides.
  bool dialogAllows(const Message& m, std::string_view route, const UriTarget& next,
                    const Directory& dir);

  const RoutingTable& routes_;
  ProxyOptions options_;
  ProxyCounters counters_;
  std::string sentBy_;       // host:port written in Via and Record-Route
  std::string out_;          // the message being sent
  std::string scratch_;      // rewritten header values
  std::string extra_;        // extra header lines of a response the gateway writes
  std::string tag_;          // the To tag of a response the gateway writes
  std::string uriScratch_;   // a Request-URI built for an outbound call
  std::string hostScratch_;  // Outgoing::resolveHost
  std::string rrToken_;      // the Record-Route MAC parameter of the INVITE being forwarded
  std::string farScratch_;   // a dialog side's target key
};

}  // namespace gw::sip
