#pragma once
// What the gateway persists. Every record carries the org that owns it.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gw::store {

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

}  // namespace gw::store
