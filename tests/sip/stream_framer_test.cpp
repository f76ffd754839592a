#include "sip/stream_framer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "tests/sip/message_samples.hpp"

namespace gw::sip {
namespace {

using Status = StreamFramer::Status;

void feed(StreamFramer& f, std::string_view bytes) {
  const auto span = f.prepare(bytes.size());
  ASSERT_GE(span.size(), bytes.size());
  std::memcpy(span.data(), bytes.data(), bytes.size());
  f.commit(bytes.size());
}

// What the framer reported, with copies of the message's views (they do not outlive next()).
struct Event {
  Status status;
  std::string startLine;
  std::string callId;
  std::string topVia;
  std::string body;
  size_t headers = 0;
  std::optional<ParseError> error;
  bool operator==(const Event&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Event& e) {
  return os << static_cast<int>(e.status) << " '" << e.startLine << "' call-id=" << e.callId
            << " headers=" << e.headers << " body=" << e.body.size()
            << (e.error ? " error=" + std::string(describe(*e.error)) : "");
}

// Calls next() until kNeedMore (or kError), appending what it returns.
void drain(StreamFramer& f, std::vector<Event>& events) {
  for (;;) {
    const Status s = f.next();
    if (s == Status::kNeedMore) return;
    Event e{s, {}, {}, {}, {}, 0, {}};
    if (s == Status::kMessage || s == Status::kError) {
      const Message& m = f.message();
      e.startLine = m.startLine;
      e.callId = m.callId;
      e.topVia = m.topVia;
      e.body = m.body;
      e.headers = m.headers.size();
    }
    if (s == Status::kError) {
      e.error = f.error();
      events.push_back(e);
      return;
    }
    events.push_back(e);
  }
}

// Feeds `stream` cut at the given offsets (ascending), draining after each piece.
std::vector<Event> run(std::string_view stream, const std::vector<size_t>& cuts,
                       size_t maxMessageBytes = kMaxHeaderBytes + kMaxBodyBytes) {
  StreamFramer f(maxMessageBytes);
  std::vector<Event> events;
  size_t at = 0;
  for (size_t cut : cuts) {
    feed(f, stream.substr(at, cut - at));
    drain(f, events);
    at = cut;
  }
  feed(f, stream.substr(at));
  drain(f, events);
  return events;
}

std::vector<Event> runWhole(std::string_view stream) {
  return run(stream, {});
}

std::vector<Event> runByteByByte(std::string_view stream) {
  std::vector<size_t> cuts;
  for (size_t i = 1; i < stream.size(); ++i) cuts.push_back(i);
  return run(stream, cuts);
}

std::string messageWithBody(std::string_view callId, std::string_view body) {
  return test::withBody(std::string("MESSAGE sip:a@b SIP/2.0\nVia: SIP/2.0/TCP h;branch=z9hG4bK") +
                            std::string(callId) + "\nCall-ID: " + std::string(callId) +
                            "\nCSeq: 1 MESSAGE\n",
                        body);
}

TEST(SipStreamFramerTest, FramesOneMessage) {
  const auto events = runWhole(test::twilioInvite());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].status, Status::kMessage);
  EXPECT_EQ(events[0].callId, "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6@0.0.0.0");
  EXPECT_EQ(events[0].body, test::toCrlf(test::kTwilioSdp));
}

TEST(SipStreamFramerTest, AgreesWithTheDatagramParser) {
  std::string text = test::sippInvite();
  StreamFramer f;
  feed(f, text);
  ASSERT_EQ(f.next(), Status::kMessage);
  const Message& m = f.message();
  std::string copy = text;
  const auto d = parseDatagram({copy.data(), copy.size()});
  ASSERT_FALSE(d.error);
  ASSERT_EQ(m.headers.size(), d.message.headers.size());
  for (size_t i = 0; i < m.headers.size(); ++i) {
    EXPECT_EQ(m.headers[i].id, d.message.headers[i].id);
    EXPECT_EQ(m.headers[i].line, d.message.headers[i].line);
  }
  EXPECT_EQ(m.body, d.message.body);
  EXPECT_EQ(m.cseqNumber, d.message.cseqNumber);
  EXPECT_EQ(f.buffered(), 0u);
  EXPECT_EQ(f.next(), Status::kNeedMore);
}

TEST(SipStreamFramerTest, FramesAMessageDeliveredOneByteAtATime) {
  for (const std::string& text :
       {test::twilioInvite(), test::sippInvite(), test::tcpOptions("o")}) {
    EXPECT_EQ(runByteByByte(text), runWhole(text));
    ASSERT_EQ(runWhole(text).size(), 1u);
  }
}

TEST(SipStreamFramerTest, FramesAMessageSplitAtEveryPoint) {
  const std::string text = test::twilioInvite();
  const auto expected = runWhole(text);
  ASSERT_EQ(expected.size(), 1u);
  ASSERT_EQ(expected[0].status, Status::kMessage);
  for (size_t cut = 1; cut < text.size(); ++cut) {
    ASSERT_EQ(run(text, {cut}), expected) << "cut at " << cut;
  }
}

TEST(SipStreamFramerTest, FramesEveryHeaderSplitAcrossThreeSegments) {
  // Each header line cut twice (inside the name and inside the value), so every header
  // and every line ending straddles a segment boundary at some point.
  const std::string text = test::sippInvite();
  const auto expected = runWhole(text);
  for (size_t a = 1; a < text.size(); a += 7) {
    for (size_t b = a + 1; b < text.size(); b += 13) {
      ASSERT_EQ(run(text, {a, b}), expected) << a << "," << b;
    }
  }
}

TEST(SipStreamFramerTest, FramesBackToBackMessagesAndPings) {
  const std::string stream = test::tcpOptions("one") + "\r\n\r\n" + test::twilioInvite() + "\r\n" +
                             messageWithBody("three", "hello\nworld\n") + "\r\n\r\n" + "\r\n\r\n" +
                             test::tcpOptions("four");
  const auto events = runWhole(stream);
  ASSERT_EQ(events.size(), 7u);
  EXPECT_EQ(events[0].callId, "one");
  EXPECT_EQ(events[1].status, Status::kPing);
  EXPECT_EQ(events[2].status, Status::kMessage);
  EXPECT_EQ(events[2].body, test::toCrlf(test::kTwilioSdp));
  EXPECT_EQ(events[3].callId, "three");  // a lone CRLF (pong) is skipped silently
  EXPECT_EQ(events[3].body, "hello\r\nworld\r\n");
  EXPECT_EQ(events[4].status, Status::kPing);
  EXPECT_EQ(events[5].status, Status::kPing);
  EXPECT_EQ(events[6].callId, "four");

  EXPECT_EQ(runByteByByte(stream), events);
  for (size_t cut = 1; cut < stream.size(); ++cut) {
    ASSERT_EQ(run(stream, {cut}), events) << "cut at " << cut;
  }
}

TEST(SipStreamFramerTest, ReportsAPingOnlyWhenComplete) {
  StreamFramer f;
  feed(f, "\r\n");
  EXPECT_EQ(f.next(), Status::kNeedMore);
  feed(f, "\r");
  EXPECT_EQ(f.next(), Status::kNeedMore);
  feed(f, "\n");
  EXPECT_EQ(f.next(), Status::kPing);
  EXPECT_EQ(f.next(), Status::kNeedMore);
  EXPECT_EQ(f.buffered(), 0u);
}

TEST(SipStreamFramerTest, WaitsForTheBodyAndSurvivesABufferReallocation) {
  const std::string text = messageWithBody("late", std::string(3000, 'x'));
  const size_t head = text.find("\r\n\r\n") + 4;
  StreamFramer f;
  feed(f, text.substr(0, head + 10));
  EXPECT_EQ(f.next(), Status::kNeedMore);
  // Force the buffer to move: the views of the header section must be rebuilt.
  (void)f.prepare(1 << 20);
  f.commit(0);
  feed(f, text.substr(head + 10));
  ASSERT_EQ(f.next(), Status::kMessage);
  EXPECT_EQ(f.message().callId, "late");
  EXPECT_EQ(f.message().body, std::string(3000, 'x'));
  EXPECT_EQ(f.message().topVia, "SIP/2.0/TCP h;branch=z9hG4bKlate");
}

TEST(SipStreamFramerTest, UnfoldsHeadersSplitAcrossSegments) {
  const std::string text = test::withBody(
      "OPTIONS sip:x@y SIP/2.0\nVia: SIP/2.0/TCP a;branch=z9hG4bK1,\n SIP/2.0/TCP b\n"
      "Call-ID: folded\n",
      "");
  for (size_t cut = 1; cut < text.size(); ++cut) {
    const auto events = run(text, {cut});
    ASSERT_EQ(events.size(), 1u);
    ASSERT_EQ(events[0].status, Status::kMessage);
    EXPECT_EQ(events[0].topVia, "SIP/2.0/TCP a;branch=z9hG4bK1");
  }
}

TEST(SipStreamFramerTest, RequiresContentLength) {
  const std::string text = test::toCrlf(
      "OPTIONS sip:x@y SIP/2.0\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\nFrom: <sip:a@b>;tag=1\n"
      "To: <sip:x@y>\nCall-ID: nocl\nCSeq: 1 OPTIONS\n\n");
  StreamFramer f;
  feed(f, text);
  ASSERT_EQ(f.next(), Status::kError);
  EXPECT_EQ(f.error(), ParseError::kMissingContentLength);
  EXPECT_EQ(f.message().callId, "nocl");
  EXPECT_TRUE(canAnswer(f.message()));
  // A broken stream stays broken: the next message's start cannot be known.
  feed(f, test::tcpOptions("after"));
  EXPECT_EQ(f.next(), Status::kError);
}

TEST(SipStreamFramerTest, ReportsHeaderErrors) {
  const auto events = runWhole("INVITE sip:x@y SIP/2.0\r\nCSeq: x INVITE\r\nl: 0\r\n\r\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].error, ParseError::kBadCSeq);
  const auto bad = runWhole("HELLO\r\n\r\n");
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0].error, ParseError::kBadStartLine);
  const auto cr = runWhole("\r\n\rINVITE sip:x@y SIP/2.0\r\nl: 0\r\n\r\n");
  ASSERT_EQ(cr.size(), 1u);
  EXPECT_EQ(cr[0].error, ParseError::kBadStartLine);
}

TEST(SipStreamFramerTest, RejectsAnEndlessHeaderSection) {
  StreamFramer f;
  feed(f, "INVITE sip:x@y SIP/2.0\r\nCall-ID: big\r\n");
  EXPECT_EQ(f.next(), Status::kNeedMore);
  const std::string line = "X-Filler: " + std::string(100, 'a') + "\r\n";
  Status s = Status::kNeedMore;
  size_t fed = 0;
  while (s == Status::kNeedMore && fed < 2 * kMaxHeaderBytes) {
    feed(f, line);
    fed += line.size();
    s = f.next();
  }
  ASSERT_EQ(s, Status::kError);
  EXPECT_EQ(f.error(), ParseError::kTooLarge);
  EXPECT_LE(fed, kMaxHeaderBytes + line.size());
  EXPECT_EQ(f.message().callId, "big");  // enough to log, and to answer if it had the rest
}

TEST(SipStreamFramerTest, RejectsAHeaderSectionThatEndsBeyondTheLimit) {
  const std::string text =
      test::withBody("INVITE sip:x@y SIP/2.0\nX: " + std::string(kMaxHeaderBytes, 'a') + "\n", "");
  const auto events = runWhole(text);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].error, ParseError::kTooLarge);
}

TEST(SipStreamFramerTest, RejectsAMessageAboveItsLimit) {
  const std::string text = messageWithBody("big", std::string(600, 'b'));
  const auto events = run(text, {}, 512);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].error, ParseError::kTooLarge);
  const auto body = runWhole(test::toCrlf("MESSAGE sip:a@b SIP/2.0\nl: 70000\n\n"));
  ASSERT_EQ(body.size(), 1u);
  EXPECT_EQ(body[0].error, ParseError::kTooLarge);
}

TEST(SipStreamFramerTest, ToleratesBareLf) {
  const std::string text = "OPTIONS sip:x@y SIP/2.0\nCall-ID: lf\nl: 2\n\nok";
  EXPECT_EQ(runByteByByte(text), runWhole(text));
  const auto events = runWhole("\n" + text + "\n" + text);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].body, "ok");
}

TEST(SipStreamFramerTest, KeepsItsBufferSmallOverALongConnection) {
  // Thousands of messages through one framer, each delivered in a few pieces: the buffer is
  // compacted instead of growing with the total traffic.
  StreamFramer f;
  std::vector<Event> events;
  const std::string text = test::twilioInvite();
  size_t maxBuffered = 0;
  for (int i = 0; i < 2000; ++i) {
    const size_t cut = static_cast<size_t>(i * 37) % text.size();
    feed(f, std::string_view(text).substr(0, cut));
    drain(f, events);
    feed(f, std::string_view(text).substr(cut));
    drain(f, events);
    maxBuffered = std::max(maxBuffered, f.buffered());
    const auto span = f.prepare(1);
    EXPECT_LT(span.size() + f.buffered(), 4 * (text.size() + 4096)) << i;
    f.commit(0);
  }
  EXPECT_EQ(events.size(), 2000u);
  EXPECT_LE(maxBuffered, text.size());
  EXPECT_TRUE(std::all_of(events.begin(), events.end(),
                          [](const Event& e) { return e.status == Status::kMessage; }));
}

TEST(SipStreamFramerTest, CompactKeepsThePendingBytes) {
  const std::string a = test::tcpOptions("a");
  const std::string b = test::tcpOptions("b");
  StreamFramer f;
  feed(f, a + b.substr(0, 20));
  ASSERT_EQ(f.next(), Status::kMessage);
  EXPECT_EQ(f.buffered(), 20u);  // the message returned counts as consumed
  f.compact();
  EXPECT_EQ(f.buffered(), 20u);
  EXPECT_EQ(f.next(), Status::kNeedMore);
  feed(f, b.substr(20));
  ASSERT_EQ(f.next(), Status::kMessage);
  EXPECT_EQ(f.message().callId, "b");
}

TEST(SipStreamFramerTest, CommitNeverGoesPastThePreparedSpace) {
  StreamFramer f;
  const auto span = f.prepare(8);
  f.commit(span.size() + 100);
  EXPECT_EQ(f.buffered(), span.size());
}

}  // namespace
}  // namespace gw::sip
