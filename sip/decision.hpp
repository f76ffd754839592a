#pragma once
// What the gateway answers a call, decided from the routing table and the directory. The
// SIP workers act on it and GET /api/v1/routes/explain reports it, so both always agree.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/ip/address.hpp>

#include "sip/directory.hpp"
#include "sip/routing_table.hpp"

namespace gw::sip {

enum class AclResult : uint8_t {
  kTrustedSource,   // in --sip-trusted-cidr
  kProviderSource,  // in the allowedAddresses of the called number's provider (or, for an
                    // unknown number, of any provider)
  kDenied,
};
std::string_view aclName(AclResult r);  // "trusted-cidr", "provider-allowed-addresses", "denied"

// The SIP workers need the answer only; routes/explain also wants the reason in words,
// which costs string building the hot path should not pay.
enum class Detail : uint8_t { kNone, kText };

enum class Action : uint8_t {
  kReject,     // answer `status` with `reason`
  kRedirect,   // 302 with Contact: agent->sipUri
  kProxy,      // forward to agent
  kTerminate,  // outbound: forward to the provider's termination URI
};
std::string_view actionName(Action a);  // "reject", "redirect", "proxy", "terminate"

struct Decision {
  std::string normalizedNumber;  // the called number in E.164, empty if it is not one
  AclResult acl = AclResult::kDenied;
  const Cidr* aclMatch = nullptr;  // the CIDR that matched (in the directory passed in)
  std::optional<Route> route;
  const ProviderTarget* provider = nullptr;
  const AgentTarget* agent = nullptr;
  Action action = Action::kReject;
  int status = 0;           // SIP status the caller gets first (302, 403, 404, 480, 503,
                            // or 100 for a proxied call: the final answer is the agent's)
  std::string_view reason;  // reason phrase for rejections, e.g. "Not Found"
  std::string detail;       // why, in words: only filled with Detail::kText
};

// The routing key of a Request-URI or From user part ("+1 (415) 555-0100;phone-context=x"):
// normalizedE164Key() of what comes before any ';', without allocating. decideInbound()
// looks the called number up with it, and a worker prefetches it for a batch of datagrams
// (RoutingTable::prefetch) before deciding on each. nullopt when it is not a number.
std::optional<uint64_t> calledKey(std::string_view user);

// An INVITE arriving from `source` for Request-URI user part `calledUser` (may be
// "+1 (415) 555-0100", "14155550100", "tel"-style with separators).
// Order: the called number is normalised; a denied source gets 403 before anything about
// the number is revealed; unknown number 404; no agent 480; agent missing from the
// directory 480; redirect 302; proxy with an unresolved agent 503; else proxy.
Decision decideInbound(const RoutingTable& table, const Directory& dir, std::string_view calledUser,
                       const boost::asio::ip::address& source, Detail detail = Detail::kNone);

// An INVITE from `agent` (recognised by its source address) calling `calledUser` with
// caller ID `fromUser`. Forwarded to the caller ID's provider termination URI when the
// caller ID is a number of the agent's org that is linked to this agent (inbound) or is
// its outboundPhoneNumberId; else 403 "Caller ID not imported". A called number that is
// not E.164 is 484 Address Incomplete; a provider without termination URI 503.
Decision decideOutbound(const RoutingTable& table, const Directory& dir, const AgentTarget& agent,
                        std::string_view fromUser, std::string_view calledUser,
                        Detail detail = Detail::kNone);

}  // namespace gw::sip
