#include "sip/message_writer.hpp"

#include <gtest/gtest.h>

#include <string>

#include "sip/uri.hpp"
#include "tests/sip/message_samples.hpp"

namespace gw::sip {
namespace {

struct Parsed {
  std::string buf;
  ParseOutcome out;
};

Parsed parse(std::string text) {
  Parsed p{std::move(text), {}};
  p.out = parseDatagram({p.buf.data(), p.buf.size()});
  return p;
}

TEST(SipMessageWriterTest, CopiesViaFromToCallIdCSeqPerRfc3261) {
  auto req = parse(
      test::toCrlf("INVITE sip:+14155550100@gw.example.com SIP/2.0\n"
                   "Via: SIP/2.0/UDP proxy1;branch=z9hG4bK1, SIP/2.0/UDP proxy2;branch=z9hG4bK2\n"
                   "Max-Forwards: 69\n"
                   "v: SIP/2.0/TCP origin:5070;branch=z9hG4bK3;received=10.0.0.9\n"
                   "f: \"Alice\" <sip:alice@atlanta.com>;tag=1928301774\n"
                   "t: <sip:+14155550100@gw.example.com>\n"
                   "i: a84b4c76e66710\n"
                   "CSeq: 314159 INVITE\n"
                   "Contact: <sip:alice@pc33.atlanta.com>\n"
                   "Content-Length: 0\n\n"));
  ASSERT_FALSE(req.out.error);
  std::string out = "stale";
  writeResponse(out, req.out.message, 404, "Not Found", "gw-tag-1");
  EXPECT_EQ(out, test::toCrlf(
                     "SIP/2.0 404 Not Found\n"
                     "Via: SIP/2.0/UDP proxy1;branch=z9hG4bK1, SIP/2.0/UDP proxy2;branch=z9hG4bK2\n"
                     "Via: SIP/2.0/TCP origin:5070;branch=z9hG4bK3;received=10.0.0.9\n"
                     "From: \"Alice\" <sip:alice@atlanta.com>;tag=1928301774\n"
                     "To: <sip:+14155550100@gw.example.com>;tag=gw-tag-1\n"
                     "Call-ID: a84b4c76e66710\n"
                     "CSeq: 314159 INVITE\n"
                     "Content-Length: 0\n\n"));
  // The response parses back into the same dialog identifiers.
  auto back = parse(out);
  ASSERT_FALSE(back.out.error);
  EXPECT_EQ(back.out.message.statusCode, 404);
  EXPECT_EQ(back.out.message.callId, "a84b4c76e66710");
  EXPECT_EQ(parseNameAddr(back.out.message.find(HeaderId::kTo)->value)->tag(), "gw-tag-1");
}

// The proxy's way: the first Via line rewritten (received/rport) and the To tag it decided
// on, without copying the request.
TEST(SipMessageWriterTest, EditedResponseReplacesTheFirstViaLineOnly) {
  auto req = parse(test::toCrlf(
      "INVITE sip:x@y SIP/2.0\nVia: SIP/2.0/UDP a;branch=z9hG4bK1;rport, SIP/2.0/UDP b\n"
      "Via: SIP/2.0/UDP c\nFrom: <sip:a@x>;tag=1\nTo: <sip:b@y>\nCall-ID: c1\n"
      "CSeq: 1 INVITE\n\n"));
  ASSERT_FALSE(req.out.error);
  std::string out;
  ResponseEdits edits;
  edits.firstVia = "SIP/2.0/UDP a;branch=z9hG4bK1;rport=5062;received=10.0.0.1, SIP/2.0/UDP b";
  edits.toTag = "gw1";
  writeEditedResponse(out, req.out.message, 302, "Moved Temporarily", edits,
                      "Contact: <sip:agent@10.0.0.7>\r\n");
  EXPECT_EQ(out, test::toCrlf("SIP/2.0 302 Moved Temporarily\n"
                              "Via: SIP/2.0/UDP a;branch=z9hG4bK1;rport=5062;received=10.0.0.1, "
                              "SIP/2.0/UDP b\n"
                              "Via: SIP/2.0/UDP c\n"
                              "From: <sip:a@x>;tag=1\n"
                              "To: <sip:b@y>;tag=gw1\n"
                              "Call-ID: c1\n"
                              "CSeq: 1 INVITE\n"
                              "Contact: <sip:agent@10.0.0.7>\n"
                              "Content-Length: 0\n\n"));
  // Without edits: the same as writeResponse() without a tag.
  std::string plain;
  writeEditedResponse(out, req.out.message, 302, "", ResponseEdits{});
  writeResponse(plain, req.out.message, 302, "");
  EXPECT_EQ(out, plain);
}

TEST(SipMessageWriterTest, KeepsAnExistingToTag) {
  auto req = parse(test::toCrlf(
      "BYE sip:x@y SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nFrom: <sip:a@x>;tag=1\n"
      "To: <sip:b@y>;TAG=theirs\nCall-ID: c\nCSeq: 2 BYE\n\n"));
  ASSERT_FALSE(req.out.error);
  std::string out;
  writeResponse(out, req.out.message, 481, "", "ours");
  EXPECT_NE(out.find("To: <sip:b@y>;TAG=theirs\r\n"), std::string::npos);
  EXPECT_EQ(out.find("ours"), std::string::npos);
  EXPECT_TRUE(out.starts_with("SIP/2.0 481 Call/Transaction Does Not Exist\r\n"));
}

TEST(SipMessageWriterTest, AddsNoTagWhenNoneGivenAndAppendsExtraHeaders) {
  auto req = parse(test::tcpOptions("opt-1"));
  ASSERT_FALSE(req.out.error);
  std::string out;
  writeResponse(out, req.out.message, 200, "OK", {},
                "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS\r\nServer: gw\r\n");
  EXPECT_EQ(out, test::toCrlf("SIP/2.0 200 OK\n"
                              "Via: SIP/2.0/TCP 10.0.0.7:5060;branch=z9hG4bK-opt\n"
                              "From: <sip:monitor@10.0.0.7>;tag=m1\n"
                              "To: <sip:gw.example.com>\n"
                              "Call-ID: opt-1\n"
                              "CSeq: 1 OPTIONS\n"
                              "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS\n"
                              "Server: gw\n"
                              "Content-Length: 0\n\n"));
}

TEST(SipMessageWriterTest, TagsABareAddrSpecTo) {
  auto req = parse(
      test::toCrlf("OPTIONS sip:x@y SIP/2.0\nVia: SIP/2.0/UDP h\nFrom: sip:a@x;tag=1\nTo: sip:b@y\n"
                   "Call-ID: c\nCSeq: 1 OPTIONS\n\n"));
  ASSERT_FALSE(req.out.error);
  std::string out;
  writeResponse(out, req.out.message, 405, "Method Not Allowed", "t");
  EXPECT_NE(out.find("\r\nTo: sip:b@y;tag=t\r\n"), std::string::npos);
}

TEST(SipMessageWriterTest, AnswersAPartialMessage) {
  // A 400 for a request whose Max-Forwards is broken still carries the dialog identifiers.
  auto req = parse(test::toCrlf(
      "INVITE sip:x@y SIP/2.0\nMax-Forwards: many\nVia: SIP/2.0/UDP h;branch=z9hG4bK9\n"
      "From: <sip:a@x>;tag=1\nTo: <sip:b@y>\nCall-ID: c9\nCSeq: 1 INVITE\n\n"));
  ASSERT_EQ(req.out.error, ParseError::kBadMaxForwards);
  ASSERT_TRUE(canAnswer(req.out.message));
  std::string out;
  writeResponse(out, req.out.message, 400, "Bad Max-Forwards", "z");
  EXPECT_TRUE(
      out.starts_with("SIP/2.0 400 Bad Max-Forwards\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK9\r\n"));
  EXPECT_NE(out.find("Call-ID: c9\r\n"), std::string::npos);
}

TEST(SipMessageWriterTest, KnowsCommonReasonPhrases) {
  EXPECT_EQ(reasonPhrase(100), "Trying");
  EXPECT_EQ(reasonPhrase(302), "Moved Temporarily");
  EXPECT_EQ(reasonPhrase(403), "Forbidden");
  EXPECT_EQ(reasonPhrase(416), "Unsupported URI Scheme");
  EXPECT_EQ(reasonPhrase(480), "Temporarily Unavailable");
  EXPECT_EQ(reasonPhrase(483), "Too Many Hops");
  EXPECT_EQ(reasonPhrase(513), "Message Too Large");
  EXPECT_EQ(reasonPhrase(299), "");
}

}  // namespace
}  // namespace gw::sip
