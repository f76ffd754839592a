#pragma once
// What an admin service answers when it refuses or fails: a typed domain error, without
// HTTP. The admin API turns it into problem+json with one function, admin::problemOf()
// (problem.hpp); services return admin::Result<T>, the project's Result with this error.
//
// Store failures (store::StoreFullError, store::StoreError) stay exceptions: they are the
// machine's, not the request's, and the router's error mapper answers them (507, 500).
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.hpp"

namespace gw::admin {

enum class Fault {
  kUnreadable,   // 400: the body is not a JSON object (the detail says where parsing stopped)
  kMediaType,    // 415: the body is not application/json
  kInvalid,      // 400: a field is wrong; `fields` says which and why
  kNotFound,     // 404: no such record in the caller's org
  kConflict,     // 409: the state refuses it (a duplicate, a record in use)
  kRejected,     // 422: Twilio refused what was sent (credentials, a trunk)
  kUpstream,     // 502: Twilio failed, or refused the stored credentials
};

// One field and what is wrong with it ("allowedAddresses[2]", "must be a CIDR").
using FieldErrors = std::vector<std::pair<std::string, std::string>>;

// An agent that uses a number: linked to it for inbound calls, or using it as caller ID.
struct AgentUse {
  std::string agentId;
  std::string name;
  std::string usage;  // "inbound" or "outbound"
};

struct DomainError {
  Fault fault = Fault::kInvalid;
  std::string detail;  // what was wrong and what to do; never a secret
  FieldErrors fields;  // kInvalid
  // kConflict of a delete that is in use: who uses it (problem member affectedAgents), or
  // which numbers are linked (linkedPhoneNumberIds).
  std::vector<AgentUse> affectedAgents;
  std::optional<std::vector<std::string>> linkedPhoneNumberIds;

  static DomainError invalid(FieldErrors fields) {
    DomainError e;
    e.fault = Fault::kInvalid;
    e.fields = std::move(fields);
    return e;
  }
  static DomainError invalid(std::string field, std::string message) {
    return invalid(FieldErrors{{std::move(field), std::move(message)}});
  }
  // 409: agents use what a delete would remove.
  static DomainError inUse(std::string detail, std::vector<AgentUse> uses) {
    DomainError e = of(Fault::kConflict, std::move(detail));
    e.affectedAgents = std::move(uses);
    return e;
  }
  static DomainError of(Fault fault, std::string detail) {
    DomainError e;
    e.fault = fault;
    e.detail = std::move(detail);
    return e;
  }
};

template <typename T>
using Result = gw::Result<T, DomainError>;

}  // namespace gw::admin
