#pragma once
// SIP/SIPS/TEL URIs (RFC 3261 19.1, RFC 3966) and the header values built from them:
// name-addr / addr-spec (From, To, Contact, Route, Record-Route) and Via. Zero-copy views
// into the parsed text; parameter lookups are case-insensitive on the name.
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

namespace gw::sip {

// A ";name=value;flag" parameter list (leading ';' optional). Returns the value of the
// first parameter called `name` ("" for a flag without value), nullopt if absent.
std::optional<std::string_view> findParam(std::string_view params, std::string_view name);

struct Uri {
  std::string_view scheme;   // "sip", "sips" or "tel" (lowercase compare: see isSip())
  std::string_view user;     // sip: before '@' (without ":password"); tel: the number
  std::string_view host;     // sip: hostname, IPv4, or IPv6 without brackets; tel: empty
  uint16_t port = 0;         // 0: not given
  std::string_view params;   // ";transport=tcp;user=phone" (raw, with the leading ';')
  std::string_view headers;  // after '?', raw
  bool isSip() const;        // sip or sips
  bool isTel() const;
  // The user without RFC 3966 user parameters: "+1-415-555-0100" of
  // "+1-415-555-0100;phone-context=x". Still percent-encoded as sent.
  std::string_view userBase() const;
  std::optional<std::string_view> param(std::string_view name) const {
    return findParam(params, name);
  }
};
// nullopt when malformed (whitespace, no scheme, sip: without host, bad port ...). A
// well-formed URI of another scheme ("mailto:x") parses with only `scheme` set, so callers
// can tell "unsupported scheme" (416) from garbage (400).
std::optional<Uri> parseUri(std::string_view text);

// `"Alice" <sip:alice@example.com>;tag=abc`, `<sip:x@y>`, or a bare addr-spec
// `sip:x@y;tag=abc` (then the parameters after the URI belong to the header, RFC 3261 20.10).
struct NameAddr {
  std::string_view displayName;  // without quotes, escapes (\") left as sent; may be empty
  std::string_view uriText;      // inside <> (or the bare addr-spec)
  Uri uri;
  std::string_view params;  // header parameters after the URI, with the leading ';'
  std::optional<std::string_view> tag() const { return findParam(params, "tag"); }
};
std::optional<NameAddr> parseNameAddr(std::string_view value);

// One Via value: "SIP/2.0/UDP host:port;branch=z9hG4bK...;rport;received=1.2.3.4".
struct Via {
  std::string_view transport;  // "UDP", "TCP", "TLS" ... as sent
  std::string_view host;       // without brackets for IPv6
  uint16_t port = 0;           // 0: not given
  std::string_view params;
  std::optional<std::string_view> branch() const { return findParam(params, "branch"); }
  std::optional<std::string_view> received() const { return findParam(params, "received"); }
  std::optional<std::string_view> rport() const { return findParam(params, "rport"); }
};
std::optional<Via> parseVia(std::string_view value);

// Splits a comma-separated header value ("Via: a, b", "Route: <x>, <y>") without splitting
// inside quotes or <>. Calls fn(std::string_view element) for each trimmed element; stops
// early and returns false if fn returns false.
template <typename Fn>
bool forEachListElement(std::string_view value, Fn&& fn);

// The first element of a comma-separated header value and what follows its comma, both
// trimmed and pointing into `value`; commas inside quotes or <> do not split. An empty first
// element (", b" or "") comes back empty: RFC 3261's lists (Via, Route...) have no empty
// elements, so a caller treats it as a syntax error rather than skipping it.
std::pair<std::string_view, std::string_view> splitFirstListElement(std::string_view value);

// A port number 1..65535 in decimal (Via sent-by, URI, rport).
std::optional<uint16_t> parsePort(std::string_view s);

}  // namespace gw::sip

#include "sip/uri_inl.hpp"
