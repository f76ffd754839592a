#pragma once
// A parsed SIP message (RFC 3261 section 7). Zero-copy: every string_view points into the
// buffer handed to the parser, which must outlive the Message. The parser rewrites folded
// header lines in place (CRLF followed by SP/HTAB becomes two spaces, RFC 3261 7.3.1), so
// a header value is always one line.
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include <boost/container/small_vector.hpp>

namespace gw::sip {

enum class Method : uint8_t {
  kUnknown,  // any other token: methodText holds it
  kInvite,
  kAck,
  kBye,
  kCancel,
  kOptions,
  kRegister,
  kInfo,
  kUpdate,
  kPrack,
  kSubscribe,
  kNotify,
  kRefer,
  kMessage,
};

// Headers the gateway reads or rewrites; everything else is kOther and passed through.
enum class HeaderId : uint8_t {
  kOther,
  kVia,     // compact v
  kFrom,    // compact f
  kTo,      // compact t
  kCallId,  // compact i
  kCSeq,
  kContact,  // compact m
  kMaxForwards,
  kContentLength,  // compact l
  kContentType,    // compact c
  kRoute,
  kRecordRoute,
  kAllow,
  kSupported,  // compact k
  kRequire,
  kProxyRequire,
  kUserAgent,
  kServer,
};

// Case-insensitive, compact forms included; kOther for anything unknown.
HeaderId headerIdOf(std::string_view name);
std::string_view headerName(HeaderId id);  // canonical long form ("Call-ID"); "" for kOther
Method methodOf(std::string_view token);   // case-sensitive, as RFC 3261 says
std::string_view methodName(Method m);     // "INVITE" ...; "" for kUnknown

struct Header {
  HeaderId id = HeaderId::kOther;
  std::string_view name;   // as sent ("v", "VIA", "Via" ...)
  std::string_view value;  // leading and trailing whitespace removed; may be empty
  std::string_view line;   // the whole line "name: value" without its CRLF
};

struct Message {
  bool isRequest = false;

  // Requests
  Method method = Method::kUnknown;
  std::string_view methodText;
  std::string_view requestUri;  // raw, e.g. "sip:+14155550100@gw.example.com;user=phone"

  // Responses
  int statusCode = 0;  // 100..699
  std::string_view reason;

  std::string_view startLine;  // without its CRLF
  // Every header in order of appearance (a line holding "Via: a, b" is one Header).
  boost::container::small_vector<Header, 24> headers;
  std::string_view body;  // exactly Content-Length bytes (or the datagram's rest if absent)

  // Filled by the parser from the headers above (first occurrence); empty/absent if the
  // header is missing.
  std::string_view callId;
  std::string_view cseqMethod;
  uint32_t cseqNumber = 0;
  int maxForwards = -1;                   // -1: absent
  std::optional<uint32_t> contentLength;  // absent when not sent
  std::string_view topVia;                // first value of the first Via header ("" when
                                          // that header starts with an empty element)
  std::string_view topViaRest;            // the values after it on the same header line
  int topViaIndex = -1;                   // headers[topViaIndex] is the first Via; -1: none

  const Header* find(HeaderId id) const;  // first occurrence, nullptr if none
  const Header* firstVia() const {
    return topViaIndex < 0 ? nullptr : &headers[static_cast<size_t>(topViaIndex)];
  }
  size_t count(HeaderId id) const;
};

enum class ParseError : uint8_t {
  kIncomplete,            // stream: need more bytes (never returned for a datagram)
  kBadStartLine,          // not "METHOD uri SIP/2.0" nor "SIP/2.0 code reason": drop it
  kBadHeader,             // a header line without a colon, or with an invalid name
  kBadContentLength,      // not a number, or more than the bytes that follow (datagram)
  kMissingContentLength,  // stream transports require it (RFC 3261 18.3)
  kBadCSeq,               // "CSeq: <number> <method>" expected
  kBadMaxForwards,
  kTooLarge,  // headers beyond kMaxHeaderBytes / too many headers / body too big
};
std::string_view describe(ParseError e);

inline constexpr size_t kMaxHeaderBytes = 16 * 1024;
inline constexpr size_t kMaxHeaders = 128;
inline constexpr size_t kMaxBodyBytes = 64 * 1024;

// Parses one whole datagram (UDP). The buffer is modified only to unfold folded headers.
// A body shorter than Content-Length is kBadContentLength; extra bytes after the body are
// ignored (RFC 3261 18.3).
struct ParseOutcome {
  std::optional<ParseError> error;  // nullopt: `message` is complete
  Message message;                  // on error: whatever was parsed before it (start line,
                                    // headers so far), so a 400 can be formed when possible
};
ParseOutcome parseDatagram(std::span<char> datagram);

// A non-empty datagram made only of CR, LF, SP, HTAB or NUL bytes: a keep-alive (RFC 5626
// 4.4.1's CRLF, and the single space or NUL bytes some NAT keep-alives send), to be dropped
// silently without counting a parse error. parseDatagram() reports it as kBadStartLine.
bool isKeepAlive(std::string_view datagram);

// Whether enough of `partial` (a message that failed to parse) is known to answer it with
// an error response: a request whose start line parsed and with at least one Via, From,
// To, Call-ID and CSeq. Never true for an ACK (RFC 3261 17: ACK gets no response).
bool canAnswer(const Message& partial);

// Building blocks shared by parseDatagram() and StreamFramer.
//
// Line endings: CRLF as RFC 3261 says, and a bare LF is tolerated everywhere a CRLF is
// expected, as in most SIP stacks (a folded LF + SP/HTAB becomes one space); a bare CR is
// never a line ending and makes a header invalid (kBadHeader), as does a NUL byte.
//
// Searches buf[from, end) for the empty line ending the header section and returns the
// offset just past it, or npos. On npos `from` is set to where the next search must resume
// once more bytes were appended, so a stream is never rescanned.
size_t findHeaderEnd(std::string_view buf, size_t& from);
// How many CR/LF bytes `buf` starts with (ignored before a start line, RFC 3261 7.5).
size_t skipLeadingLineEnds(std::string_view buf);
// Parses the start line and the headers of `head` into `m`, unfolding in place. `head`
// must start at the start line and end just past the empty line (findHeaderEnd); when it
// holds no empty line the complete lines are parsed and kIncomplete is returned (kTooLarge
// beyond kMaxHeaderBytes). Malformed headers do not stop the parse, so that `m` holds
// everything needed for a 400; the first error is returned. The body is not looked at.
std::optional<ParseError> parseHead(std::span<char> head, Message& m);

}  // namespace gw::sip
