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

void answer(Decision& d, Action action, int status, std::string_view reason) {
  d.action = action;
  d.status = status;
  d.reason = reason;
}

}  // namespace

std::optional<uint64_t> calledKey(std::string_view user) {
  return normalizedE164Key(user.substr(0, user.find(';')));
}

Decision decideInbound(const RoutingTable& table, const Directory& dir, std::string_view calledUser,
                       const asio::ip::address& source, Detail detail) {
  const bool text = detail == Detail::kText;
  Decision d;
  // The key straight from the user part; its E.164 text (at most 16 characters, so
  // usually in the string's own buffer) for the decision's readers.
  const std::optional<uint64_t> key = calledKey(calledUser);
  if (key) d.normalizedNumber = e164FromKey(*key);
  if (key) d.route = table.lookup(*key);
  if (d.route) d.provider = dir.provider(d.route->providerId);

  if ((d.aclMatch = dir.trustedGlobally(source))) {
    d.acl = AclResult::kTrustedSource;
  } else if (d.route) {
    if (d.provider && (d.aclMatch = Directory::allowedBy(*d.provider, source)))
      d.acl = AclResult::kProviderSource;
  } else if ((d.aclMatch = dir.anyProviderAllowing(source))) {
    d.acl = AclResult::kProviderSource;
  }
  if (d.acl == AclResult::kDenied) {
    // Nothing about the number is revealed to an untrusted source.
    answer(d, Action::kReject, 403, "Forbidden");
    if (text)
      d.detail = "source " + source.to_string() +
                 " is neither in --sip-trusted-cidr nor in the allowedAddresses of " +
                 (d.route ? "the called number's provider" : "any provider");
    return d;
  }
  if (!key) {
    answer(d, Action::kReject, 404, "Not Found");
    if (text)
      d.detail = "the called user part '" + std::string(calledUser) + "' is not a phone number";
    return d;
  }
  if (!d.route) {
    answer(d, Action::kReject, 404, "Not Found");
    if (text) d.detail = d.normalizedNumber + " is not an imported number";
    return d;
  }
  if (isZero(d.route->agentId)) {
    answer(d, Action::kReject, 480, "Temporarily Unavailable");
    if (text) d.detail = d.normalizedNumber + " is imported but linked to no agent";
    return d;
  }
  d.agent = dir.agent(d.route->agentId);
  if (!d.agent) {
    answer(d, Action::kReject, 480, "Temporarily Unavailable");
    if (text)
      d.detail = d.normalizedNumber + " is linked to agent " + formatUuid(d.route->agentId) +
                 " which no longer exists";
    return d;
  }
  if (d.agent->mode == AgentMode::kRedirect) {
    answer(d, Action::kRedirect, 302, "Moved Temporarily");
    if (text) d.detail = "redirected to agent '" + d.agent->name + "' at " + d.agent->sipUri;
    return d;
  }
  if (d.agent->addresses.empty()) {
    answer(d, Action::kReject, 503, "Service Unavailable");
    if (text)
      d.detail =
          "agent '" + d.agent->name + "' has a host that does not resolve: " + d.agent->sipUri;
    return d;
  }
  answer(d, Action::kProxy, 100, {});
  if (text) d.detail = "proxied to agent '" + d.agent->name + "' at " + d.agent->sipUri;
  return d;
}

Decision decideOutbound(const RoutingTable& table, const Directory& dir, const AgentTarget& agent,
                        std::string_view fromUser, std::string_view calledUser, Detail detail) {
  const bool text = detail == Detail::kText;
  Decision d;
  d.agent = &agent;
  d.acl = AclResult::kTrustedSource;  // recognised as one of our agents by address
  auto called = calledNumber(calledUser);
  if (!called) {
    answer(d, Action::kReject, 484, "Address Incomplete");
    if (text)
      d.detail = "the called user part '" + std::string(calledUser) + "' is not an E.164 number";
    return d;
  }
  d.normalizedNumber = *called;
  std::optional<uint64_t> callerKey = calledKey(fromUser);
  if (callerKey) d.route = table.lookup(*callerKey);
  if (d.route) d.provider = dir.provider(d.route->providerId);
  bool usable =
      d.route && d.provider && d.provider->orgId == agent.orgId &&
      (d.route->agentId == agent.id || (!isZero(agent.outboundPhoneNumberId) &&
                                        agent.outboundPhoneNumberId == d.route->phoneNumberId));
  if (!usable) {
    answer(d, Action::kReject, 403, "Caller ID not imported");
    if (text)
      d.detail = "caller ID '" + std::string(fromUser) +
                 "' is not a number of this org linked to agent '" + agent.name +
                 "' or set as its outboundPhoneNumberId";
    return d;
  }
  if (d.provider->terminationUri.empty()) {
    answer(d, Action::kReject, 503, "Service Unavailable");
    if (text) d.detail = "provider " + d.provider->idText + " has no termination URI";
    return d;
  }
  answer(d, Action::kTerminate, 100, {});
  if (text)
    d.detail = "sent to sip:" + *called + "@" + d.provider->terminationUri + " with caller ID " +
               e164FromKey(*callerKey);
  return d;
}

}  // namespace gw::sip
