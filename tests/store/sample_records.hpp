#pragma once
// Records with every field set, distinct per index, for the store tests.
#include <cstdio>
#include <ostream>
#include <string>

#include "store/records.hpp"

namespace gw::store::testing {

inline Provider sampleProvider(const std::string& id, const std::string& org = "org-1",
                               int64_t createdMs = 1000) {
  Provider p;
  p.id = id;
  p.orgId = org;
  p.name = "Provider " + id;
  p.providerType = "twilio";
  p.accountSid = "AC" + std::string(32, 'a');
  p.authToken = std::string(32, 'b');
  p.region = "ie1";
  p.supportsCallTransfer = true;
  p.trunkSid = "TK" + std::string(32, 'c');
  p.trunkCreatedByGateway = true;
  p.originationUrlSid = "OU" + std::string(32, 'd');
  p.terminationUri = "gw-" + id + ".pstn.twilio.com";
  p.allowedAddresses = {"192.0.2.0/24", "2001:db8::/32", "198.51.100.7/32"};
  p.verificationStatus = "verified";
  p.createdMs = createdMs;
  p.updatedMs = createdMs + 1;
  p.lastVerifiedMs = createdMs + 2;
  return p;
}

inline std::string sampleSid(int i) {
  char sid[40];
  std::snprintf(sid, sizeof sid, "PN%032d", i);
  return sid;
}

// Numbers are "+1415" followed by seven digits, so E.164 order is the order of i.
inline PhoneNumber sampleNumber(int i, const std::string& providerId = "p1",
                                const std::string& org = "org-1") {
  char e164[16];
  std::snprintf(e164, sizeof e164, "+1415%07d", i);
  PhoneNumber n;
  n.id = "n" + std::to_string(i);
  n.orgId = org;
  n.providerId = providerId;
  n.phoneNumberSid = sampleSid(i);
  n.phoneNumber = e164;
  n.displayName = "Line " + std::to_string(i);
  n.description = "desk " + std::to_string(i);
  n.createdMs = 10'000 + i;
  n.updatedMs = 20'000 + i;
  return n;
}

inline Agent sampleAgent(const std::string& id, const std::string& org = "org-1",
                         int64_t createdMs = 1000) {
  Agent a;
  a.id = id;
  a.orgId = org;
  a.name = "Agent " + id;
  a.sipUri = "sip:" + id + "@pbx.example.com:5060;transport=tcp";
  a.mode = "redirect";
  a.outboundPhoneNumberId = "";
  a.createdMs = createdMs;
  a.updatedMs = createdMs + 1;
  return a;
}

}  // namespace gw::store::testing

namespace gw::store {

// Readable failure messages (found by GoogleTest through argument-dependent lookup).
inline void PrintTo(const PhoneNumber& n, std::ostream* os) {
  *os << "{id " << n.id << ", org " << n.orgId << ", provider " << n.providerId << ", "
      << n.phoneNumberSid << ", " << n.phoneNumber << ", agent '" << n.incomingCallsAgentId << "'}";
}
inline void PrintTo(const Agent& a, std::ostream* os) {
  *os << "{id " << a.id << ", org " << a.orgId << ", created " << a.createdMs << ", caller ID '"
      << a.outboundPhoneNumberId << "'}";
}
inline void PrintTo(const Provider& p, std::ostream* os) {
  *os << "{id " << p.id << ", org " << p.orgId << ", created " << p.createdMs << "}";
}

}  // namespace gw::store
