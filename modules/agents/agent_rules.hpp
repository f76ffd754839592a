#pragma once
// Field rules of the agents API that need no store: the agent body (create and PATCH) and the
// agent's SIP URI. List paging is admin::parsePaging.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>
#include <boost/asio/ip/address.hpp>

#include "modules/admin/domain_error.hpp"
#include "sip/proxy.hpp"

namespace gw::agents {

inline constexpr size_t kMaxAgentNameChars = 100;
inline constexpr size_t kMaxSipUriLength = 512;

// nullopt when `text` can be an agent's sipUri: a sip: or sips: URI with a host, a port from
// 1 to 65535 if any, ;transport=udp or tcp if any, and no headers. Otherwise the message for
// the client: what is wrong and what to send instead.
std::optional<std::string> sipUriProblem(std::string_view text);

// nullopt when an agent with this sipUri (one that passed sipUriProblem()) can have this
// mode. A sips: URI needs TLS to the agent, which the proxy does not speak: it is only
// accepted for redirect mode, where the caller connects to the agent itself.
std::optional<std::string> sipUriModeProblem(std::string_view sipUri, std::string_view mode);

// The host of a URI that passed sipUriProblem() (without brackets for IPv6).
std::string sipUriHost(std::string_view text);

// nullopt unless `sipUri` (one that passed sipUriProblem()) names the gateway's own SIP
// listener `self`: by its advertised host and port, or by one of `addresses` (the URI's
// host resolved) and the port. Calls sent there would come back to the gateway (a loop),
// whatever the mode. `self` null (SIP not running): no check.
std::optional<std::string> selfTargetProblem(std::string_view sipUri,
                                             const std::vector<boost::asio::ip::address>& addresses,
                                             const sip::ProxyOptions* self);

// What a create or PATCH body asks for. For PATCH an absent field keeps its value.
struct AgentChanges {
  std::optional<std::string> name;
  std::optional<std::string> sipUri;
  std::optional<std::string> mode;  // "proxy" or "redirect"
  // Set when sent: a number id, or "" to clear the caller ID (null in the body).
  std::optional<std::string> outboundPhoneNumberId;
  bool empty() const { return !name && !sipUri && !mode && !outboundPhoneNumberId; }
};

enum class BodyKind : uint8_t { kCreate, kPatch };

// Checks every field's shape (not whether the caller ID number exists: that needs the
// store). Appends one error per bad field to `errors`. For kCreate, name and sipUri are
// required and mode defaults to "proxy".
AgentChanges parseAgentBody(const rapidjson::Value& body, BodyKind kind,
                            admin::FieldErrors& errors);

}  // namespace gw::agents
