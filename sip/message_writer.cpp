#include "sip/message_writer.hpp"

#include <charconv>

#include "sip/uri.hpp"

namespace gw::sip {

namespace {

constexpr std::string_view kCrlf = "\r\n";

void appendHeader(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ": ";
  out += value;
  out += kCrlf;
}

void appendInt(std::string& out, int v) {
  char digits[16];
  const auto r = std::to_chars(digits, digits + sizeof digits, v);
  out.append(digits, r.ptr);
}

}  // namespace

namespace {

void write(std::string& out, const Message& request, int status, std::string_view reason,
           std::string_view firstVia, std::string_view toTag, bool checkTo,
           std::string_view extraHeaders) {
  out.clear();
  if (reason.empty()) reason = reasonPhrase(status);

  const Header* from = request.find(HeaderId::kFrom);
  const Header* to = request.find(HeaderId::kTo);
  const Header* cseq = request.find(HeaderId::kCSeq);
  const Header* first = firstVia.empty() ? nullptr : request.firstVia();

  // One allocation: every copied value plus the fixed text around it.
  size_t size = 64 + reason.size() + toTag.size() + extraHeaders.size() + request.callId.size() +
                firstVia.size();
  for (const auto& h : request.headers) {
    if (h.id == HeaderId::kVia) size += h.value.size() + 8;
  }
  for (const Header* h : {from, to, cseq}) {
    if (h != nullptr) size += h->value.size() + 16;
  }
  out.reserve(size);

  out += "SIP/2.0 ";
  appendInt(out, status);
  out += ' ';
  out += reason;
  out += kCrlf;
  // RFC 3261 8.2.6.2: all Via header field values, in order (a line with several values
  // is copied whole, which keeps the order).
  for (const auto& h : request.headers) {
    if (h.id == HeaderId::kVia) appendHeader(out, "Via", &h == first ? firstVia : h.value);
  }
  if (from != nullptr) appendHeader(out, "From", from->value);
  if (to != nullptr) {
    out += "To: ";
    out += to->value;
    if (!toTag.empty()) {
      bool add = true;
      if (checkTo) {
        const auto na = parseNameAddr(to->value);
        // An unparseable To is echoed as is: a tag appended to it could change its meaning.
        add = na && !na->tag();
      }
      if (add) {
        out += ";tag=";
        out += toTag;
      }
    }
    out += kCrlf;
  }
  if (!request.callId.empty()) appendHeader(out, "Call-ID", request.callId);
  if (cseq != nullptr) appendHeader(out, "CSeq", cseq->value);
  out += extraHeaders;
  out += "Content-Length: 0\r\n\r\n";
}

}  // namespace

void writeResponse(std::string& out, const Message& request, int status, std::string_view reason,
                   std::string_view toTag, std::string_view extraHeaders) {
  write(out, request, status, reason, {}, toTag, true, extraHeaders);
}

void writeEditedResponse(std::string& out, const Message& request, int status,
                         std::string_view reason, const ResponseEdits& edits,
                         std::string_view extraHeaders) {
  write(out, request, status, reason, edits.firstVia, edits.toTag, false, extraHeaders);
}

std::string_view reasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Trying";
    case 180:
      return "Ringing";
    case 181:
      return "Call Is Being Forwarded";
    case 182:
      return "Queued";
    case 183:
      return "Session Progress";
    case 200:
      return "OK";
    case 202:
      return "Accepted";
    case 300:
      return "Multiple Choices";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Moved Temporarily";
    case 305:
      return "Use Proxy";
    case 380:
      return "Alternative Service";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 402:
      return "Payment Required";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 407:
      return "Proxy Authentication Required";
    case 408:
      return "Request Timeout";
    case 410:
      return "Gone";
    case 413:
      return "Request Entity Too Large";
    case 414:
      return "Request-URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Unsupported URI Scheme";
    case 420:
      return "Bad Extension";
    case 421:
      return "Extension Required";
    case 423:
      return "Interval Too Brief";
    case 480:
      return "Temporarily Unavailable";
    case 481:
      return "Call/Transaction Does Not Exist";
    case 482:
      return "Loop Detected";
    case 483:
      return "Too Many Hops";
    case 484:
      return "Address Incomplete";
    case 485:
      return "Ambiguous";
    case 486:
      return "Busy Here";
    case 487:
      return "Request Terminated";
    case 488:
      return "Not Acceptable Here";
    case 491:
      return "Request Pending";
    case 493:
      return "Undecipherable";
    case 500:
      return "Server Internal Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Server Time-out";
    case 505:
      return "Version Not Supported";
    case 513:
      return "Message Too Large";
    case 600:
      return "Busy Everywhere";
    case 603:
      return "Decline";
    case 604:
      return "Does Not Exist Anywhere";
    case 606:
      return "Not Acceptable";
    default:
      return {};
  }
}

}  // namespace gw::sip
