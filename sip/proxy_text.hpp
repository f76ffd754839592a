#pragma once
// Text helpers of the proxy core: hashes for tags and branches, header list splitting,
// Via rewriting (RFC 3261 18.2.1 received, RFC 3581 rport) and number formatting into a
// std::string without temporaries. Internal to sip/proxy.cpp; separate for testability
// and to keep proxy.cpp about decisions rather than bytes.
#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/ip/address.hpp>

#include "common/uuid.hpp"
#include "sip/uri.hpp"

namespace gw::sip {
struct Message;
}

namespace gw::sip::text {

// Every branch the gateway writes starts with this, so a response is ours only if both
// its top Via's sent-by and its branch say so.
inline constexpr std::string_view kBranchPrefix = "z9hG4bKgw";

// The To tag of the gateway's own responses: "gw" + a hash of the Call-ID.
void appendLocalTag(std::string& out, std::string_view callId);
// The branch of the Via the gateway adds to a forwarded request (RFC 3261 16.11), derived
// from `viaValue`, the request's top Via, so retransmissions, the CANCEL and the ACK of a
// non-2xx answer get the same one. A response carries that Via right below ours, so the
// proxy recomputes the branch from it to check the response answers a request it sent.
// `via` is parseVia(viaValue), which the caller has already done.
void appendBranch(std::string& out, const Message& m, std::string_view viaValue,
                  const std::optional<Via>& via);

// FNV-1a over the pieces, each followed by a 0 byte so ("ab","c") != ("a","bc").
uint64_t hash64(uint64_t seed, std::initializer_list<std::string_view> pieces);

void appendHex64(std::string& out, uint64_t v);  // 16 lowercase hex digits
void appendDecimal(std::string& out, uint64_t v);
// `v` in decimal, written into `buf` (24 bytes hold any uint64_t).
std::string_view formatDecimal(std::array<char, 24>& buf, uint64_t v);
void appendUuid(std::string& out, const UuidBytes& u);                    // 8-4-4-4-12 lowercase
void appendAddress(std::string& out, const boost::asio::ip::address& a);  // no brackets
// host[:port] for Via sent-by and URIs: IPv6 literals get brackets.
void appendHostPort(std::string& out, std::string_view host, uint16_t port);

// An IP literal (IPv6 with or without brackets); IPv4-mapped IPv6 becomes IPv4.
std::optional<boost::asio::ip::address> parseIp(std::string_view host);
boost::asio::ip::address unmapped(const boost::asio::ip::address& a);

// Appends `via` (one Via value) with received/rport set as a server must on receipt of a
// request from `source` (RFC 3261 18.2.1, RFC 3581 4): received when the sent-by host is
// not the source address (or rport was requested), rport=<port> when rport was present.
// Any received/rport the sender wrote itself is replaced. `parsed` is parseVia(via).
void appendViaWithReceived(std::string& out, std::string_view via, const Via& parsed,
                           const boost::asio::ip::address& sourceAddress, uint16_t sourcePort);

// A ";name=value" parameter list without the named parameters (case-insensitive).
void appendParamsWithout(std::string& out, std::string_view params,
                         std::initializer_list<std::string_view> names);

}  // namespace gw::sip::text
