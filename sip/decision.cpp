#include "sip/decision.hpp"

#include "common/e164.hpp"

namespace gw::sip {
namespace asio = boost::asio;

std::string_view aclName(AclResult r) {
  switch (r) {
    case AclResult::kTrustedSource:
      return "trusted-cidr";
    case AclResult::kProviderSource:
      return "provider-allowed-addresses";
    case AclResult::kDenied:
      break;
  }
  return "denied";
}

std::string_view actionName(Action a) {
  switch (a) {
    case Action::kRedirect:
      return "redirect";
    case Action::kProxy:
      return "proxy";
    case Action::kTerminate:
      return "terminate";
    case Action::kReject:
      break;
  }
  return "reject";
}

namespace {

bool isZero(const UuidBytes& u) {
  for (uint8_t b : u) {
    if (b != 0) return false;
  }
  return true;
}

// The number part of a Request-URI or From user: "+14155550100;phone-context=..." and
// percent-free visual separators are handled by normalizeE164.
std::optional<std::string> calledNumber(std::string_view user) {
  if (auto semi = user.find(';'); semi != std::string_view::npos) user = user.substr(0, semi);
  return normalizeE164(user);
}

void reject(Decision& d, int status, std::string_view reason, std::string detail) {
  d.action = Action::kReject;
  d.status = status;
  d.reason = reason;
  d.detail = std::move(detail);
}

}  // namespace

Decision decideInbound(const RoutingTable& table, const Directory& dir, std::string_view calledUser,
                       const asio::ip::address& source) {
  Decision d;
  std::optional<uint64_t> key;
  if (auto n = calledNumber(calledUser)) {
    d.normalizedNumber = *n;
    key = e164Key(*n);
  }
  if (key) d.route = table.lookup(*key);
  if (d.route) d.provider = dir.provider(d.route->providerId);

  if (const Cidr* c = dir.trustedGlobally(source)) {
    d.acl = AclResult::kTrustedSource;
    d.aclMatch = c->text();
  } else if (d.route) {
    if (d.provider) {
      if (const Cidr* c = Directory::allowedBy(*d.provider, source)) {
        d.acl = AclResult::kProviderSource;
        d.aclMatch = c->text();
      }
    }
  } else if (const ProviderTarget* p = dir.anyProviderAllowing(source)) {
    if (const Cidr* c = Directory::allowedBy(*p, source)) {
      d.acl = AclResult::kProviderSource;
      d.aclMatch = c->text();
    }
  }
  if (d.acl == AclResult::kDenied) {
    // Nothing about the number is revealed to an untrusted source.
    reject(d, 403, "Forbidden",
           "source " + source.to_string() +
               " is neither in --sip-trusted-cidr nor in the allowedAddresses of " +
               (d.route ? "the called number's provider" : "any provider"));
    return d;
  }
  if (!key) {
    reject(d, 404, "Not Found",
           "the called user part '" + std::string(calledUser) + "' is not a phone number");
    return d;
  }
  if (!d.route) {
    reject(d, 404, "Not Found", d.normalizedNumber + " is not an imported number");
    return d;
  }
  if (isZero(d.route->agentId)) {
    reject(d, 480, "Temporarily Unavailable",
           d.normalizedNumber + " is imported but linked to no agent");
    return d;
  }
  d.agent = dir.agent(d.route->agentId);
  if (!d.agent) {
    reject(d, 480, "Temporarily Unavailable",
           d.normalizedNumber + " is linked to agent " + formatUuid(d.route->agentId) +
               " which no longer exists");
    return d;
  }
  if (d.agent->mode == AgentMode::kRedirect) {
    d.action = Action::kRedirect;
    d.status = 302;
    d.reason = "Moved Temporarily";
    d.detail = "redirected to agent '" + d.agent->name + "' at " + d.agent->sipUri;
    return d;
  }
  if (d.agent->addresses.empty()) {
    reject(d, 503, "Service Unavailable",
           "agent '" + d.agent->name + "' has a host that does not resolve: " + d.agent->sipUri);
    return d;
  }
  d.action = Action::kProxy;
  d.status = 100;
  d.detail = "proxied to agent '" + d.agent->name + "' at " + d.agent->sipUri;
  return d;
}

Decision decideOutbound(const RoutingTable& table, const Directory& dir, const AgentTarget& agent,
                        std::string_view fromUser, std::string_view calledUser) {
  Decision d;
  d.agent = &agent;
  d.acl = AclResult::kTrustedSource;  // recognised as one of our agents by address
  auto called = calledNumber(calledUser);
  if (!called) {
    reject(d, 484, "Address Incomplete",
           "the called user part '" + std::string(calledUser) + "' is not an E.164 number");
    return d;
  }
  d.normalizedNumber = *called;
  auto callerId = calledNumber(fromUser);
  std::optional<uint64_t> callerKey = callerId ? e164Key(*callerId) : std::nullopt;
  if (callerKey) d.route = table.lookup(*callerKey);
  if (d.route) d.provider = dir.provider(d.route->providerId);
  bool usable =
      d.route && d.provider && d.provider->orgId == agent.orgId &&
      (d.route->agentId == agent.id || (!isZero(agent.outboundPhoneNumberId) &&
                                        agent.outboundPhoneNumberId == d.route->phoneNumberId));
  if (!usable) {
    reject(d, 403, "Caller ID not imported",
           "caller ID '" + std::string(fromUser) +
               "' is not a number of this org linked to agent '" + agent.name +
               "' or set as its outboundPhoneNumberId");
    return d;
  }
  if (d.provider->terminationUri.empty()) {
    reject(d, 503, "Service Unavailable",
           "provider " + d.provider->idText + " has no termination URI");
    return d;
  }
  d.action = Action::kTerminate;
  d.status = 100;
  d.detail =
      "sent to sip:" + *called + "@" + d.provider->terminationUri + " with caller ID " + *callerId;
  return d;
}

}  // namespace gw::sip
