#include "sip/uri_target.hpp"

#include "common/text.hpp"
#include "sip/proxy_text.hpp"

namespace gw::sip {

namespace {

constexpr uint16_t kSipPort = 5060;   // RFC 3263 4.2: UDP and TCP
constexpr uint16_t kSipsPort = 5061;  // TLS

}  // namespace

Result<UriTarget, UriTargetError> uriTarget(const Uri& uri) {
  const bool sips = equalsIgnoreCase(uri.scheme, "sips");
  if (!sips && !equalsIgnoreCase(uri.scheme, "sip")) return UriTargetError::kNotSip;
  if (uri.host.empty()) return UriTargetError::kNoHost;
  UriTarget t;
  t.tls = sips;
  // RFC 3263 4.1: no transport parameter means UDP for sip and TLS over TCP for sips.
  t.peer.transport = sips ? Transport::kTcp : Transport::kUdp;
  if (auto tp = uri.param("transport")) {
    if (equalsIgnoreCase(*tp, "tcp")) {
      t.peer.transport = Transport::kTcp;
    } else if (!equalsIgnoreCase(*tp, "udp")) {
      return UriTargetError::kUnsupportedTransport;
    } else if (sips) {
      return UriTargetError::kSipsOverUdp;
    }
  }
  t.peer.port = uri.port != 0 ? uri.port : sips ? kSipsPort : kSipPort;
  if (auto ip = text::parseIp(uri.host)) {
    t.peer.address = *ip;
  } else {
    t.host = uri.host;
  }
  return t;
}

std::string_view describe(UriTargetError error) {
  switch (error) {
    case UriTargetError::kNotSip:
      return "it is not a sip: or sips: URI";
    case UriTargetError::kNoHost:
      return "it has no host";
    case UriTargetError::kUnsupportedTransport:
      return "its transport is not supported: use ;transport=udp or ;transport=tcp, or leave "
             "it out for UDP";
    case UriTargetError::kSipsOverUdp:
      return "a sips: URI needs TLS, which runs over TCP: remove ;transport=udp";
  }
  return "it is not a usable SIP URI";
}

}  // namespace gw::sip
