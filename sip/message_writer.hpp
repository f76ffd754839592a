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

// The default reason phrase of a status code ("Not Found" ...), "" if none is known.
std::string_view reasonPhrase(int status);

}  // namespace gw::sip
