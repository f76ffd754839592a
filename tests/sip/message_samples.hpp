#pragma once
// Real-world shaped SIP messages shared by the message, framer and writer tests.
#include <string>
#include <string_view>

namespace gw::sip::test {

// Lines written with "\n" in the source, sent with CRLF.
inline std::string toCrlf(std::string_view lines) {
  std::string out;
  out.reserve(lines.size() * 2);
  for (char c : lines) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

// Head (without Content-Length and the empty line) + body, Content-Length computed.
inline std::string withBody(std::string_view head, std::string_view body,
                            std::string_view clName = "Content-Length: ") {
  std::string out = toCrlf(head);
  const std::string crlfBody = toCrlf(body);
  out += clName;
  out += std::to_string(crlfBody.size());
  out += "\r\n\r\n";
  out += crlfBody;
  return out;
}

inline constexpr std::string_view kTwilioSdp =
    "v=0\n"
    "o=root 1234567 1234567 IN IP4 54.172.60.10\n"
    "s=Twilio Media Gateway\n"
    "c=IN IP4 54.172.60.10\n"
    "t=0 0\n"
    "m=audio 12345 RTP/AVP 0 8 101\n"
    "a=rtpmap:0 PCMU/8000\n"
    "a=rtpmap:8 PCMA/8000\n"
    "a=rtpmap:101 telephone-event/8000\n"
    "a=fmtp:101 0-16\n"
    "a=ptime:20\n"
    "a=sendrecv\n";

// What Twilio's SIP trunking origination sends to a customer's SIP URI.
inline std::string twilioInvite() {
  return withBody(
      "INVITE sip:+14155550100@gw.example.com;transport=udp SIP/2.0\n"
      "Record-Route: <sip:54.172.60.1:5060;lr;r2=on;ftag=73628363_6772d868>,"
      " <sip:54.172.60.1;transport=udp;lr;r2=on>\n"
      "Via: SIP/2.0/UDP 54.172.60.1:5060;branch=z9hG4bK1a2b3c4d5e6f;rport\n"
      "From: \"+12125550199\" <sip:+12125550199@mycompany.pstn.twilio.com>"
      ";tag=73628363_6772d868_2b1ae55e-96ad-4dc2-8a8d-fcb4d1d9a2d1\n"
      "To: <sip:+14155550100@gw.example.com>\n"
      "Call-ID: a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6@0.0.0.0\n"
      "CSeq: 1 INVITE\n"
      "Contact: <sip:+12125550199@54.172.60.1:5060;transport=udp>\n"
      "Max-Forwards: 69\n"
      "User-Agent: Twilio Gateway\n"
      "Allow: INVITE, ACK, CANCEL, BYE, REFER, NOTIFY, OPTIONS\n"
      "Supported: replaces, timer\n"
      "P-Asserted-Identity: <sip:+12125550199@mycompany.pstn.twilio.com>\n"
      "X-Twilio-AccountSid: AC00000000000000000000000000000000\n"
      "X-Twilio-CallSid: CA0123456789abcdef0123456789abcdef\n"
      "Content-Type: application/sdp\n",
      kTwilioSdp);
}

// sipp's built-in "uac" scenario, Content-Length padded the way sipp writes it.
inline std::string sippInvite() {
  return withBody(
      "INVITE sip:service@127.0.0.1:5060 SIP/2.0\n"
      "Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-12345-1-0\n"
      "From: sipp <sip:sipp@127.0.0.1:5061>;tag=1\n"
      "To: service <sip:service@127.0.0.1:5060>\n"
      "Call-ID: 1-12345@127.0.0.1\n"
      "CSeq: 1 INVITE\n"
      "Contact: sip:sipp@127.0.0.1:5061\n"
      "Max-Forwards: 70\n"
      "Subject: Performance Test\n"
      "Content-Type: application/sdp\n",
      "v=0\n"
      "o=user1 53655765 2353687637 IN IP4 127.0.0.1\n"
      "s=-\n"
      "c=IN IP4 127.0.0.1\n"
      "t=0 0\n"
      "m=audio 6000 RTP/AVP 0\n"
      "a=rtpmap:0 PCMU/8000\n",
      "Content-Length:   ");
}

// A short OPTIONS ping with every mandatory header, over TCP.
inline std::string tcpOptions(std::string_view callId) {
  std::string head =
      "OPTIONS sip:gw.example.com SIP/2.0\n"
      "Via: SIP/2.0/TCP 10.0.0.7:5060;branch=z9hG4bK-opt\n"
      "Max-Forwards: 70\n"
      "From: <sip:monitor@10.0.0.7>;tag=m1\n"
      "To: <sip:gw.example.com>\n"
      "Call-ID: ";
  head += callId;
  head += "\nCSeq: 1 OPTIONS\n";
  return withBody(head, "");
}

}  // namespace gw::sip::test
