#pragma once
// Builds outgoing SIP messages into a std::string (reserved once, appended to; no
// per-header allocation).
#include <string>
#include <string_view>

#include "sip/message.hpp"

namespace gw::sip {

// A response to `request` (RFC 3261 8.2.6): status line, every Via of the request in
// order, From, To (with `toTag` added when the request's To has no tag and toTag is not
// empty), Call-ID, CSeq, then the `extraHeaders` (each a full line ending in CRLF, may be
// empty), "Content-Length: 0" and the empty line. `out` is cleared first.
void writeResponse(std::string& out, const Message& request, int status, std::string_view reason,
                   std::string_view toTag = {}, std::string_view extraHeaders = {});

// For a caller that has parsed the request already (the proxy): what writeResponse() does,
// with these changes, so the request need not be copied nor its To parsed again.
struct ResponseEdits {
  // Non-empty: written instead of the value of the request's first Via header (the top Via
  // with received/rport filled in, then the rest of that line).
  std::string_view firstVia;
  // Non-empty: appended to To as ";tag=" without looking at To (the caller parsed it and
  // found no tag).
  std::string_view toTag;
};
void writeEditedResponse(std::string& out, const Message& request, int status,
                         std::string_view reason, const ResponseEdits& edits,
                         std::string_view extraHeaders = {});

// The default reason phrase of a status code ("Not Found" ...), "" if none is known.
std::string_view reasonPhrase(int status);

}  // namespace gw::sip
