#pragma once
// Where a SIP URI says to send a request (RFC 3261 19.1, the host/port/transport steps of
// RFC 3263 4 without NAPTR/SRV): the one rule the proxy, the directory of agents and the
// agents API all apply, so an agent's URI means the same to each of them.
//
// Pure and allocation-free (views into the parsed URI): any thread, and the SIP hot path.
#include <cstdint>
#include <string_view>

#include <boost/asio/ip/address.hpp>

#include "common/result.hpp"
#include "sip/directory.hpp"
#include "sip/uri.hpp"

namespace gw::sip {

struct Peer {
  boost::asio::ip::address address;
  uint16_t port = 0;
  Transport transport = Transport::kUdp;
  bool operator==(const Peer&) const = default;
};

struct UriTarget {
  // `address` is set when the host is an IP literal (IPv6 in brackets in the URI; an
  // IPv4-mapped IPv6 literal becomes IPv4). Port: the URI's, else 5060 (5061 for sips).
  Peer peer;
  std::string_view host;  // non-empty: a host name to resolve (peer.address is then unset)
  bool tls = false;       // sips: TLS over TCP (peer.transport is kTcp)
};

enum class UriTargetError : uint8_t {
  kNotSip,                // tel:, another scheme
  kNoHost,                // a sip URI always has one: only a hand-built Uri lacks it
  kUnsupportedTransport,  // ;transport= other than udp or tcp, or without a value
  kSipsOverUdp,           // sips: needs a reliable transport for TLS
};

// The target of `uri` (from parseUri). The user part, maddr and every other parameter
// are ignored: the gateway routes on the host, as it always has. A sips: target comes back
// with tls set; the proxy, which speaks no TLS, treats it as unreachable.
Result<UriTarget, UriTargetError> uriTarget(const Uri& uri);

// What is wrong, in words a client can act on ("... use ;transport=udp or tcp").
std::string_view describe(UriTargetError error);

}  // namespace gw::sip
