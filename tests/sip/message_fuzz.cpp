// libFuzzer target for the SIP message layer. Arbitrary bytes go
//  1. into parseDatagram (every view must stay inside the datagram), then every header
//     value into the URI / name-addr / Via parsers, and a response is written when the
//     parser says the message can be answered;
//  2. into StreamFramer twice: all at once, and in pieces whose size the first input byte
//     picks. Both must report the same sequence of messages, pings and errors: framing
//     must not depend on how TCP segments the stream.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "sip/message_writer.hpp"
#include "sip/stream_framer.hpp"
#include "sip/uri.hpp"

namespace {

using gw::sip::Message;
using gw::sip::StreamFramer;

void check(bool ok) {
  if (!ok) std::abort();
}

bool inside(std::string_view v, const char* begin, size_t size) {
  return v.empty() || (v.data() >= begin && v.data() + v.size() <= begin + size);
}

void checkViews(const Message& m, const char* begin, size_t size) {
  for (std::string_view v : {m.methodText, m.requestUri, m.reason, m.startLine, m.body, m.callId,
                             m.cseqMethod, m.topVia}) {
    check(inside(v, begin, size));
  }
  for (const auto& h : m.headers) {
    check(inside(h.name, begin, size) && inside(h.value, begin, size) &&
          inside(h.line, begin, size));
    check(!h.name.empty() && h.line.size() >= h.name.size());
  }
  check(m.headers.size() <= gw::sip::kMaxHeaders);
}

void exerciseValues(const Message& m) {
  for (const auto& h : m.headers) {
    gw::sip::forEachListElement(h.value, [](std::string_view e) {
      if (auto na = gw::sip::parseNameAddr(e)) {
        (void)na->tag();
        (void)na->uri.param("transport");
        (void)na->uri.userBase();
      }
      if (auto via = gw::sip::parseVia(e)) {
        (void)via->branch();
        (void)via->rport();
      }
      return true;
    });
  }
  if (auto uri = gw::sip::parseUri(m.requestUri)) (void)uri->param("user");
}

void datagram(std::string_view input) {
  std::vector<char> buf(input.begin(), input.end());
  const auto out = gw::sip::parseDatagram({buf.data(), buf.size()});
  const Message& m = out.message;
  checkViews(m, buf.data(), buf.size());
  check(out.error != gw::sip::ParseError::kIncomplete);
  if (!out.error) {
    check(!m.startLine.empty());
    if (m.contentLength) check(m.body.size() == *m.contentLength);
    check(m.body.size() <= gw::sip::kMaxBodyBytes);
    exerciseValues(m);
  }
  (void)gw::sip::isKeepAlive(input);
  if (gw::sip::canAnswer(m)) {
    std::string response;
    gw::sip::writeResponse(response, m, 400, {}, "tag");
    // What we write must parse back as a response with the same Call-ID.
    const auto back = gw::sip::parseDatagram({response.data(), response.size()});
    check(!back.message.isRequest && back.message.statusCode == 400);
  }
}

struct Event {
  StreamFramer::Status status;
  std::optional<gw::sip::ParseError> error;
  std::string startLine;
  std::string body;
  size_t headers = 0;
  bool operator==(const Event&) const = default;
};

constexpr size_t kMaxMessage = 4096;  // small, so that inputs of fuzzer size reach the limits

void drain(StreamFramer& f, std::vector<Event>& events, bool& failed) {
  for (;;) {
    const auto s = f.next();
    if (s == StreamFramer::Status::kNeedMore) return;
    Event e{s, {}, {}, {}, 0};
    if (s == StreamFramer::Status::kMessage) {
      const Message& m = f.message();
      check(m.contentLength && m.body.size() == *m.contentLength);
      check(m.startLine.size() + m.body.size() <= kMaxMessage);
      e.startLine = m.startLine;
      e.body = m.body;
      e.headers = m.headers.size();
      exerciseValues(m);
    } else if (s == StreamFramer::Status::kError) {
      // The partial message may differ with the segmentation (more or less of an
      // oversized header section seen); the error may not.
      e.error = f.error();
      check(f.next() == StreamFramer::Status::kError);
      events.push_back(e);
      failed = true;
      return;
    }
    events.push_back(e);
  }
}

std::vector<Event> frame(std::string_view input, size_t piece) {
  StreamFramer f(kMaxMessage);
  std::vector<Event> events;
  bool failed = false;
  size_t fed = 0;
  while (!input.empty() && !failed) {
    const size_t n = std::min(piece, input.size());
    const auto span = f.prepare(n);
    check(span.size() >= n);
    std::memcpy(span.data(), input.data(), n);
    f.commit(n);
    fed += n;
    input.remove_prefix(n);
    drain(f, events, failed);
    check(f.buffered() <= fed);
  }
  return events;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t piece = data[0] == 0 ? 1 : data[0];
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  datagram(input);
  check(frame(input, piece) == frame(input, SIZE_MAX));
  return 0;
}
