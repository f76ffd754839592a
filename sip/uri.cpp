#include "sip/uri.hpp"

#include "common/text.hpp"

namespace gw::sip {

namespace {

using detail::isTokenChar;
using detail::trimLws;

constexpr bool isWs(char c) {
  return c == ' ' || c == '\t';
}

constexpr bool isAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
constexpr bool isDigit(char c) {
  return c >= '0' && c <= '9';
}
constexpr bool isHex(char c) {
  return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Hostnames and IPv4 (RFC 3261 25.1); '_' tolerated because real deployments use it.
constexpr bool isHostChar(char c) {
  return isAlpha(c) || isDigit(c) || c == '-' || c == '.' || c == '_';
}

// Characters that never appear in a URI written in a SIP message: whitespace, controls,
// and the delimiters of the surrounding name-addr.
constexpr bool isForbiddenInUri(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u <= 0x20 || u == 0x7f || c == '<' || c == '>' || c == '"';
}

// Reads a host at the start of `s`: "[v6]" (returned without brackets) or a hostname /
// IPv4. Advances `s` past it. nullopt if there is none.
std::optional<std::string_view> takeHost(std::string_view& s) {
  if (!s.empty() && s.front() == '[') {
    const size_t close = s.find(']');
    if (close == std::string_view::npos || close < 3) return std::nullopt;  // "[::]" minimum
    const std::string_view host = s.substr(1, close - 1);
    for (char c : host) {
      if (!isHex(c) && c != ':' && c != '.') return std::nullopt;
    }
    if (host.find(':') == std::string_view::npos) return std::nullopt;
    s.remove_prefix(close + 1);
    return host;
  }
  size_t n = 0;
  while (n < s.size() && isHostChar(s[n])) ++n;
  if (n == 0) return std::nullopt;
  const std::string_view host = s.substr(0, n);
  s.remove_prefix(n);
  return host;
}

std::optional<Uri> parseSipUri(Uri uri, std::string_view rest) {
  // The first '@' ends the userinfo: none of user, password, parameters or headers may
  // hold an unescaped '@' (RFC 3261 25.1).
  const size_t at = rest.find('@');
  if (at != std::string_view::npos) {
    const std::string_view userinfo = rest.substr(0, at);
    uri.user = userinfo.substr(0, userinfo.find(':'));
    if (uri.user.empty()) return std::nullopt;
    rest.remove_prefix(at + 1);
  }
  const auto host = takeHost(rest);
  if (!host) return std::nullopt;
  uri.host = *host;
  if (!rest.empty() && rest.front() == ':') {
    rest.remove_prefix(1);
    size_t n = 0;
    while (n < rest.size() && isDigit(rest[n])) ++n;
    const auto port = parsePort(rest.substr(0, n));
    if (!port) return std::nullopt;
    uri.port = *port;
    rest.remove_prefix(n);
  }
  if (!rest.empty() && rest.front() == ';') {
    const size_t q = rest.find('?');
    uri.params = rest.substr(0, q);
    rest.remove_prefix(uri.params.size());
  }
  if (!rest.empty() && rest.front() == '?') {
    uri.headers = rest.substr(1);
    rest = {};
  }
  if (!rest.empty()) return std::nullopt;
  return uri;
}

// RFC 3966: the number (global "+1-415-555-0100" or local "7042;phone-context=...") then
// parameters. Visual separators and the DTMF/pause characters are accepted as sent.
std::optional<Uri> parseTelUri(Uri uri, std::string_view rest) {
  const size_t semi = rest.find(';');
  uri.user = rest.substr(0, semi);
  if (uri.user.empty()) return std::nullopt;
  for (char c : uri.user) {
    const bool ok = isHex(c) || c == '+' || c == '-' || c == '.' || c == '(' || c == ')' ||
                    c == '*' || c == '#' || c == 'p' || c == 'w' || c == 'P' || c == 'W';
    if (!ok) return std::nullopt;
  }
  if (semi != std::string_view::npos) uri.params = rest.substr(semi);
  if (uri.params.find('?') != std::string_view::npos) return std::nullopt;
  return uri;
}

}  // namespace

std::optional<std::string_view> findParam(std::string_view params, std::string_view name) {
  size_t i = 0;
  while (i < params.size()) {
    // The segment ends at the next ';' outside a quoted string.
    size_t j = i;
    bool inQuotes = false;
    while (j < params.size()) {
      const char c = params[j];
      if (inQuotes) {
        if (c == '\\' && j + 1 < params.size()) {
          ++j;
        } else if (c == '"') {
          inQuotes = false;
        }
      } else if (c == '"') {
        inQuotes = true;
      } else if (c == ';') {
        break;
      }
      ++j;
    }
    const std::string_view segment = trimLws(params.substr(i, j - i));
    const size_t eq = segment.find('=');
    if (equalsIgnoreCase(trimLws(segment.substr(0, eq)), name) && !segment.empty()) {
      return eq == std::string_view::npos ? std::string_view{} : trimLws(segment.substr(eq + 1));
    }
    i = j + 1;
  }
  return std::nullopt;
}

bool Uri::isSip() const {
  return equalsIgnoreCase(scheme, "sip") || equalsIgnoreCase(scheme, "sips");
}

bool Uri::isTel() const {
  return equalsIgnoreCase(scheme, "tel");
}

std::string_view Uri::userBase() const {
  return user.substr(0, user.find(';'));
}

std::optional<Uri> parseUri(std::string_view text) {
  for (char c : text) {
    if (isForbiddenInUri(c)) return std::nullopt;
  }
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0 || !isAlpha(text[0])) return std::nullopt;
  Uri uri;
  uri.scheme = text.substr(0, colon);
  for (char c : uri.scheme) {
    if (!isAlpha(c) && !isDigit(c) && c != '+' && c != '-' && c != '.') return std::nullopt;
  }
  const std::string_view rest = text.substr(colon + 1);
  if (uri.isSip()) return parseSipUri(uri, rest);
  if (uri.isTel()) return parseTelUri(uri, rest);
  // Another scheme: recognised as a URI so the caller can answer 416 Unsupported URI Scheme.
  if (rest.empty()) return std::nullopt;
  return uri;
}

std::optional<NameAddr> parseNameAddr(std::string_view value) {
  value = trimLws(value);
  if (value.empty()) return std::nullopt;
  NameAddr na;
  size_t lt = std::string_view::npos;
  if (value.front() == '"') {
    size_t i = 1;
    while (i < value.size() && value[i] != '"') {
      if (value[i] == '\\') ++i;  // quoted-pair
      ++i;
    }
    if (i >= value.size()) return std::nullopt;  // unterminated quoted string
    na.displayName = value.substr(1, i - 1);
    ++i;
    while (i < value.size() && isWs(value[i])) ++i;
    if (i >= value.size() || value[i] != '<') return std::nullopt;
    lt = i;
  } else {
    lt = value.find('<');
    if (lt != std::string_view::npos) {
      na.displayName = trimLws(value.substr(0, lt));
      for (char c : na.displayName) {
        if (c == '"' || c == '>' || static_cast<unsigned char>(c) < 0x20) return std::nullopt;
      }
    }
  }

  if (lt != std::string_view::npos) {
    const size_t gt = value.find('>', lt + 1);
    if (gt == std::string_view::npos) return std::nullopt;
    na.uriText = trimLws(value.substr(lt + 1, gt - lt - 1));
    na.params = trimLws(value.substr(gt + 1));
    if (!na.params.empty() && na.params.front() != ';') return std::nullopt;
  } else {
    // A bare addr-spec: parameters after the URI belong to the header (RFC 3261 20.10).
    const size_t semi = value.find(';');
    na.uriText = trimLws(value.substr(0, semi));
    if (semi != std::string_view::npos) na.params = value.substr(semi);
  }
  auto uri = parseUri(na.uriText);
  if (!uri) return std::nullopt;
  na.uri = *uri;
  return na;
}

std::optional<Via> parseVia(std::string_view value) {
  std::string_view s = trimLws(value);
  auto skipWs = [&s] {
    while (!s.empty() && isWs(s.front())) s.remove_prefix(1);
  };
  auto takeToken = [&s] {
    size_t n = 0;
    while (n < s.size() && isTokenChar(s[n])) ++n;
    const std::string_view t = s.substr(0, n);
    s.remove_prefix(n);
    return t;
  };
  auto takeChar = [&s, &skipWs](char c) {
    skipWs();
    if (s.empty() || s.front() != c) return false;
    s.remove_prefix(1);
    skipWs();
    return true;
  };

  // sent-protocol: "SIP" SLASH "2.0" SLASH transport, LWS allowed around the slashes.
  const std::string_view name = takeToken();
  if (!equalsIgnoreCase(name, "SIP") || !takeChar('/')) return std::nullopt;
  if (takeToken() != "2.0" || !takeChar('/')) return std::nullopt;
  Via via;
  via.transport = takeToken();
  if (via.transport.empty() || s.empty() || !isWs(s.front())) return std::nullopt;
  skipWs();
  const auto host = takeHost(s);
  if (!host) return std::nullopt;
  via.host = *host;
  skipWs();
  if (!s.empty() && s.front() == ':') {
    takeChar(':');
    size_t n = 0;
    while (n < s.size() && isDigit(s[n])) ++n;
    const auto port = parsePort(s.substr(0, n));
    if (!port) return std::nullopt;
    via.port = *port;
    s.remove_prefix(n);
    skipWs();
  }
  if (!s.empty() && s.front() != ';') return std::nullopt;
  via.params = s;
  return via;
}

std::optional<uint16_t> parsePort(std::string_view s) {
  if (s.empty() || s.size() > 5) return std::nullopt;
  uint32_t v = 0;
  for (char c : s) {
    if (!isDigit(c)) return std::nullopt;
    v = v * 10 + static_cast<uint32_t>(c - '0');
  }
  if (v == 0 || v > 65535) return std::nullopt;
  return static_cast<uint16_t>(v);
}

std::pair<std::string_view, std::string_view> splitFirstListElement(std::string_view value) {
  bool quoted = false;
  int angle = 0;
  for (size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (quoted) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        quoted = false;
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
    } else if (c == '<') {
      ++angle;
    } else if (c == '>') {
      if (angle > 0) --angle;
    } else if (c == ',' && angle == 0) {
      return {trimLws(value.substr(0, i)), trimLws(value.substr(i + 1))};
    }
  }
  return {trimLws(value), value.substr(value.size())};
}

}  // namespace gw::sip
