#pragma once
// What the gateway persists. Every record carries the org that owns it.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/twilio_ranges.hpp"

namespace gw::store {

// Twilio's SIP signaling ranges (common/twilio_ranges.hpp) as the vector a Provider holds:
// the allowedAddresses of a provider created without any, and of every provider stored
// before schema version 3.
inline std::vector<std::string> defaultAllowedAddresses() {
  return {kTwilioSignalingRanges.begin(), kTwilioSignalingRanges.end()};
}

struct Provider {
  std::string id;  // UUID
  std::string orgId;
  std::string name;
  std::string providerType = "twilio";
  std::string accountSid;  // AC...
  std::string authToken;   // secret: never logged, never returned by the API
  std::string region;      // "us1" ... or empty
  bool supportsCallTransfer = false;
  std::string trunkSid;                // TK...
  bool trunkCreatedByGateway = false;  // only then does provider delete remove the trunk
  std::string originationUrlSid;       // OU... created by the gateway, or empty
  std::string terminationUri;          // "<domain>.pstn.twilio.com" or empty
  // CIDRs allowed to send inbound calls for this provider's numbers (canonical text).
  // Providers created before schema 3 get Twilio's signaling ranges.
  std::vector<std::string> allowedAddresses;
  std::string verificationStatus = "verified";
  int64_t createdMs = 0;
  int64_t updatedMs = 0;
  int64_t lastVerifiedMs = 0;

  bool operator==(const Provider&) const = default;
};

struct PhoneNumber {
  std::string id;  // UUID
  std::string orgId;
  std::string providerId;
  std::string phoneNumberSid;  // PN...
  std::string phoneNumber;     // E.164
  std::string displayName;     // Twilio's friendly_name at import time
  std::string description;
  std::string incomingCallsAgentId;  // empty when unlinked
  int64_t createdMs = 0;
  int64_t updatedMs = 0;

  bool operator==(const PhoneNumber&) const = default;
};

struct Agent {
  std::string id;  // UUID
  std::string orgId;
  std::string name;
  std::string sipUri;                 // where its calls go (validated by the API)
  std::string mode = "proxy";         // "proxy" or "redirect"
  std::string outboundPhoneNumberId;  // its caller ID (a number id of the org), or empty
  int64_t createdMs = 0;
  int64_t updatedMs = 0;

  bool operator==(const Agent&) const = default;
};

// The answer to a POST sent with an Idempotency-Key, kept so that a retry of the same request
// gets it again (store/idempotency_table.hpp).
struct IdempotentAnswer {
  std::string fingerprint;  // of the request that produced it (what makes it "the same")
  int64_t createdMs = 0;
  int status = 0;
  std::vector<std::string> headers;  // name, value, name, value...
  std::string body;

  bool operator==(const IdempotentAnswer&) const = default;
};

struct NumberFilter {
  std::string orgId;  // required
  std::optional<std::string> providerId;
  std::optional<std::string> phoneNumber;  // exact E.164
  std::optional<std::string> linkedAgentId;
  bool unlinkedOnly = false;
};

struct NumberPage {
  std::vector<PhoneNumber> items;
  uint64_t totalCount = 0;
};

// One problem a verification of a provider found.
struct VerificationIssue {
  std::string code;            // machine-readable, e.g. "number_detached"
  std::string message;         // what is wrong and what the operator can do
  std::string phoneNumberSid;  // PN... when it is about a number, else empty
  std::string phoneNumberId;   // the stored number's id when it has one, else empty

  bool operator==(const VerificationIssue&) const = default;
};

// The latest verification of a provider (provider_verifications): one issue per problem.
struct Verification {
  std::string providerId;
  std::string status;  // "pending", "verified", "warning" or "failed"
  int64_t verifiedMs = 0;
  std::vector<VerificationIssue> issues;

  bool operator==(const Verification&) const = default;
};

}  // namespace gw::store
