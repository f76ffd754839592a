#include "sip/message.hpp"

#include <array>
#include <cstring>
#include <tuple>

#include "common/text.hpp"
#include "sip/uri.hpp"

namespace gw::sip {

namespace {

using detail::isTokenChar;
using detail::trimLws;

struct HeaderName {
  std::string_view full;
  char compact;  // '\0': none
  HeaderId id;
};

// Only the headers the gateway acts on; other compact forms (e s o r b u ...) are kOther
// and forwarded as sent.
constexpr std::array<HeaderName, 17> kHeaderNames{{
    {"Via", 'v', HeaderId::kVia},
    {"From", 'f', HeaderId::kFrom},
    {"To", 't', HeaderId::kTo},
    {"Call-ID", 'i', HeaderId::kCallId},
    {"CSeq", '\0', HeaderId::kCSeq},
    {"Contact", 'm', HeaderId::kContact},
    {"Max-Forwards", '\0', HeaderId::kMaxForwards},
    {"Content-Length", 'l', HeaderId::kContentLength},
    {"Content-Type", 'c', HeaderId::kContentType},
    {"Route", '\0', HeaderId::kRoute},
    {"Record-Route", '\0', HeaderId::kRecordRoute},
    {"Allow", '\0', HeaderId::kAllow},
    {"Supported", 'k', HeaderId::kSupported},
    {"Require", '\0', HeaderId::kRequire},
    {"Proxy-Require", '\0', HeaderId::kProxyRequire},
    {"User-Agent", '\0', HeaderId::kUserAgent},
    {"Server", '\0', HeaderId::kServer},
}};

constexpr std::array<std::string_view, 14> kMethodNames{
    "",     "INVITE", "ACK",   "BYE",       "CANCEL", "OPTIONS", "REGISTER",
    "INFO", "UPDATE", "PRACK", "SUBSCRIBE", "NOTIFY", "REFER",   "MESSAGE",
};

constexpr bool isWs(char c) {
  return c == ' ' || c == '\t';
}

bool isToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!isTokenChar(c)) return false;
  }
  return true;
}

bool isDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Decimal without sign; nullopt if not digits or above `max`.
std::optional<uint64_t> parseDecimal(std::string_view s, uint64_t max) {
  if (!isDigits(s)) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    v = v * 10 + static_cast<uint64_t>(c - '0');
    if (v > max) return std::nullopt;
  }
  return v;
}

// "METHOD SP Request-URI SP SIP/2.0" or "SIP/2.0 SP 3DIGIT SP Reason-Phrase". The
// version literal is case-insensitive (RFC 3261 7.1, ABNF literals).
bool parseStartLine(std::string_view line, Message& m) {
  m.startLine = line;
  constexpr std::string_view kVersion = "SIP/2.0";
  if (startsWithIgnoreCase(line, "SIP/")) {
    if (!startsWithIgnoreCase(line, kVersion) || line.size() < kVersion.size() + 4 ||
        line[kVersion.size()] != ' ') {
      return false;
    }
    const std::string_view code = line.substr(kVersion.size() + 1, 3);
    if (!isDigits(code) || code[0] < '1' || code[0] > '6') return false;
    std::string_view rest = line.substr(kVersion.size() + 4);
    // A missing reason phrase ("SIP/2.0 200") is tolerated; anything else must follow a SP.
    if (!rest.empty() && rest.front() != ' ') return false;
    if (!rest.empty()) rest.remove_prefix(1);
    m.isRequest = false;
    m.statusCode = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
    m.reason = rest;
    return true;
  }
  const size_t sp1 = line.find(' ');
  const size_t sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1) return false;
  const std::string_view method = line.substr(0, sp1);
  const std::string_view uri = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (!isToken(method) || uri.empty() || !equalsIgnoreCase(version, kVersion)) return false;
  for (char c : uri) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return false;
  }
  m.isRequest = true;
  m.methodText = method;
  m.method = methodOf(method);
  m.requestUri = uri;
  return true;
}

// "CSeq: 4711 INVITE": a number below 2^31 (RFC 3261 8.1.1.5), LWS, a method token.
bool parseCSeq(std::string_view value, uint32_t& number, std::string_view& method) {
  size_t i = 0;
  while (i < value.size() && value[i] >= '0' && value[i] <= '9') ++i;
  const auto n = parseDecimal(value.substr(0, i), 0x7fffffffu);
  if (!n || i == value.size() || !isWs(value[i])) return false;
  const std::string_view m = trimLws(value.substr(i));
  if (!isToken(m)) return false;
  number = static_cast<uint32_t>(*n);
  method = m;
  return true;
}

// Applies one header to the summary fields; returns the error it causes, if any.
std::optional<ParseError> noteHeader(const Header& h, Message& m) {
  switch (h.id) {
    case HeaderId::kCallId:
      if (m.callId.empty()) m.callId = h.value;
      return std::nullopt;
    case HeaderId::kVia:
      if (m.topViaIndex < 0) {
        // `h` was just appended. Split once here: the proxy reads the top Via of every
        // message and copies the rest of the line.
        m.topViaIndex = static_cast<int>(m.headers.size()) - 1;
        std::tie(m.topVia, m.topViaRest) = splitFirstListElement(h.value);
      }
      return std::nullopt;
    case HeaderId::kCSeq: {
      uint32_t number = 0;
      std::string_view method;
      if (!parseCSeq(h.value, number, method)) return ParseError::kBadCSeq;
      if (!m.cseqMethod.empty()) {
        // A repeated single-value header must repeat the same value.
        if (number != m.cseqNumber || method != m.cseqMethod) return ParseError::kBadCSeq;
        return std::nullopt;
      }
      // Kept even when it does not match the request's method, so a 400 can echo it.
      m.cseqNumber = number;
      m.cseqMethod = method;
      if (m.isRequest && method != m.methodText) return ParseError::kBadCSeq;
      return std::nullopt;
    }
    case HeaderId::kMaxForwards: {
      // RFC 3261 20.22: an integer 0-255.
      const auto v = parseDecimal(h.value, 255);
      if (!v) return ParseError::kBadMaxForwards;
      if (m.maxForwards >= 0 && m.maxForwards != static_cast<int>(*v)) {
        return ParseError::kBadMaxForwards;
      }
      m.maxForwards = static_cast<int>(*v);
      return std::nullopt;
    }
    case HeaderId::kContentLength: {
      // Differing repeated values would let two parsers frame the stream differently.
      const auto v = parseDecimal(h.value, UINT32_MAX);
      if (!v) return ParseError::kBadContentLength;
      if (m.contentLength && *m.contentLength != *v) return ParseError::kBadContentLength;
      m.contentLength = static_cast<uint32_t>(*v);
      if (*v > kMaxBodyBytes) return ParseError::kTooLarge;
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

// One header line (already unfolded, without its line ending). A bare CR or a NUL is
// refused: forwarded on, either could be read as a line break or a string end downstream.
std::optional<ParseError> parseHeaderLine(std::string_view line, Message& m) {
  // Three vectorised scans (memchr) instead of one branchy loop over every byte: header
  // lines are most of an INVITE.
  if (std::memchr(line.data(), '\r', line.size()) != nullptr ||
      std::memchr(line.data(), '\0', line.size()) != nullptr)
    return ParseError::kBadHeader;
  const auto* colonAt = static_cast<const char*>(std::memchr(line.data(), ':', line.size()));
  if (colonAt == nullptr) return ParseError::kBadHeader;
  const size_t colon = static_cast<size_t>(colonAt - line.data());
  // LWS is allowed between the name and the colon (RFC 3261 7.3.1).
  const std::string_view name = trimLws(line.substr(0, colon));
  if (!isToken(name) || isWs(line.front())) return ParseError::kBadHeader;
  if (m.headers.size() >= kMaxHeaders) return ParseError::kTooLarge;
  Header h;
  h.id = headerIdOf(name);
  h.name = name;
  h.value = trimLws(line.substr(colon + 1));
  h.line = line;
  m.headers.push_back(h);
  return noteHeader(m.headers.back(), m);
}

}  // namespace

HeaderId headerIdOf(std::string_view name) {
  if (name.size() == 1) {
    const char c = asciiLower(name[0]);
    for (const auto& n : kHeaderNames) {
      if (n.compact == c) return n.id;
    }
    return HeaderId::kOther;
  }
  for (const auto& n : kHeaderNames) {
    if (equalsIgnoreCase(n.full, name)) return n.id;
  }
  return HeaderId::kOther;
}

std::string_view headerName(HeaderId id) {
  for (const auto& n : kHeaderNames) {
    if (n.id == id) return n.full;
  }
  return {};
}

Method methodOf(std::string_view token) {
  for (size_t i = 1; i < kMethodNames.size(); ++i) {
    if (kMethodNames[i] == token) return static_cast<Method>(i);
  }
  return Method::kUnknown;
}

std::string_view methodName(Method m) {
  const auto i = static_cast<size_t>(m);
  return i < kMethodNames.size() ? kMethodNames[i] : std::string_view{};
}

const Header* Message::find(HeaderId id) const {
  for (const auto& h : headers) {
    if (h.id == id) return &h;
  }
  return nullptr;
}

size_t Message::count(HeaderId id) const {
  size_t n = 0;
  for (const auto& h : headers) {
    if (h.id == id) ++n;
  }
  return n;
}

std::string_view describe(ParseError e) {
  switch (e) {
    case ParseError::kIncomplete:
      return "incomplete message";
    case ParseError::kBadStartLine:
      return "malformed start line";
    case ParseError::kBadHeader:
      return "malformed header line or header section";
    case ParseError::kBadContentLength:
      return "invalid Content-Length";
    case ParseError::kMissingContentLength:
      return "Content-Length is required on stream transports";
    case ParseError::kBadCSeq:
      return "invalid CSeq";
    case ParseError::kBadMaxForwards:
      return "invalid Max-Forwards";
    case ParseError::kTooLarge:
      return "message too large";
  }
  return "unknown parse error";
}

size_t findHeaderEnd(std::string_view buf, size_t& from) {
  size_t i = from;
  while (i < buf.size()) {
    const void* p = std::memchr(buf.data() + i, '\n', buf.size() - i);
    if (p == nullptr) {
      from = buf.size();
      return std::string_view::npos;
    }
    i = static_cast<size_t>(static_cast<const char*>(p) - buf.data());
    if (i + 1 >= buf.size()) break;
    if (buf[i + 1] == '\n') return i + 2;
    if (buf[i + 1] == '\r') {
      if (i + 2 >= buf.size()) break;
      if (buf[i + 2] == '\n') return i + 3;
    }
    ++i;
  }
  from = i;  // the undecided '\n' (or the end): look at it again with more bytes
  return std::string_view::npos;
}

size_t skipLeadingLineEnds(std::string_view buf) {
  size_t i = 0;
  while (i < buf.size() && (buf[i] == '\r' || buf[i] == '\n')) ++i;
  return i;
}

std::optional<ParseError> parseHead(std::span<char> head, Message& m) {
  const bool truncated = head.size() > kMaxHeaderBytes;
  if (truncated) head = head.first(kMaxHeaderBytes);
  char* const data = head.data();
  const size_t size = head.size();
  std::optional<ParseError> firstError;

  size_t lineStart = 0;
  bool startLine = true;
  for (;;) {
    // Find the end of this logical line, unfolding continuation lines in place.
    size_t scan = lineStart;
    size_t lineEnd = 0;  // excluding the line ending
    size_t next = 0;     // start of the following line
    for (;;) {
      const void* p = scan < size ? std::memchr(data + scan, '\n', size - scan) : nullptr;
      if (p == nullptr) {
        // No empty line within `head`.
        if (truncated) return ParseError::kTooLarge;
        return firstError ? firstError : ParseError::kIncomplete;
      }
      const size_t lf = static_cast<size_t>(static_cast<const char*>(p) - data);
      const size_t end = lf > lineStart && data[lf - 1] == '\r' ? lf - 1 : lf;
      if (!startLine && end > lineStart && lf + 1 < size && isWs(data[lf + 1])) {
        // RFC 3261 7.3.1: CRLF + SP/HTAB is folding; replace the line ending with spaces.
        std::memset(data + end, ' ', lf + 1 - end);
        scan = lf + 1;
        continue;
      }
      lineEnd = end;
      next = lf + 1;
      break;
    }
    const std::string_view line(data + lineStart, lineEnd - lineStart);
    if (startLine) {
      for (char c : line) {
        if (c == '\r' || c == '\0') return ParseError::kBadStartLine;
      }
      if (!parseStartLine(line, m)) return ParseError::kBadStartLine;
      startLine = false;
    } else if (line.empty()) {
      return firstError;  // the empty line: end of the header section
    } else {
      const auto err = parseHeaderLine(line, m);
      if (err == ParseError::kTooLarge && m.headers.size() >= kMaxHeaders) return err;
      if (err && !firstError) firstError = err;
    }
    lineStart = next;
  }
}

ParseOutcome parseDatagram(std::span<char> datagram) {
  ParseOutcome out;
  // Stray line endings before the start line are ignored, as on streams (RFC 3261 7.5).
  const std::string_view all(datagram.data(), datagram.size());
  const size_t start = skipLeadingLineEnds(all);
  if (start == all.size()) {
    out.error = ParseError::kBadStartLine;
    return out;
  }
  const std::span<char> rest = datagram.subspan(start);
  size_t from = 0;
  const size_t headEnd = findHeaderEnd(std::string_view(rest.data(), rest.size()), from);
  if (headEnd == std::string_view::npos) {
    // The empty line is mandatory even without a body (RFC 3261 7).
    const auto err = parseHead(rest, out.message);
    if (err && *err != ParseError::kIncomplete) {
      out.error = *err;
    } else {
      out.error =
          out.message.startLine.empty() ? ParseError::kBadStartLine : ParseError::kBadHeader;
    }
    return out;
  }
  out.error = parseHead(rest.first(headEnd), out.message);
  if (out.error) return out;

  const std::string_view body(rest.data() + headEnd, rest.size() - headEnd);
  if (out.message.contentLength) {
    if (*out.message.contentLength > body.size()) {
      out.error = ParseError::kBadContentLength;
      return out;
    }
    out.message.body = body.substr(0, *out.message.contentLength);
  } else {
    if (body.size() > kMaxBodyBytes) {
      out.error = ParseError::kTooLarge;
      return out;
    }
    out.message.body = body;
  }
  return out;
}

bool isKeepAlive(std::string_view datagram) {
  if (datagram.empty()) return false;
  for (const char c : datagram) {
    if (c != '\r' && c != '\n' && c != ' ' && c != '\t' && c != '\0') return false;
  }
  return true;
}

bool canAnswer(const Message& partial) {
  // ACK is never answered (RFC 3261 17.1.1.3, 17.2.1).
  return partial.isRequest && !partial.methodText.empty() && partial.method != Method::kAck &&
         !partial.topVia.empty() && partial.find(HeaderId::kFrom) != nullptr &&
         partial.find(HeaderId::kTo) != nullptr && !partial.callId.empty() &&
         !partial.cseqMethod.empty();
}

}  // namespace gw::sip
