#pragma once
// Domain errors out, as problem+json (RFC 9457): the one place where an admin service's
// refusal becomes an HTTP status and body.
#include <functional>
#include <string_view>
#include <vector>

#include "gateway/http/message.hpp"
#include "modules/admin/domain_error.hpp"
#include "modules/admin/json_io.hpp"

namespace gw::admin {

// kUnreadable -> 400, kMediaType -> 415, kInvalid -> 400 validation problem (errors by
// field), kNotFound -> 404, kConflict -> 409
// (with affectedAgents or linkedPhoneNumberIds when set), kRejected -> 422,
// kUpstream -> 502. `instance` is the request path.
http::Response problemOf(const DomainError& error, std::string_view instance);

// {agentId, name, usage}
void writeAgentUse(JsonWriter& w, const AgentUse& use);
// [{agentId, name, usage}, ...]
void writeAgentUses(JsonWriter& w, const std::vector<AgentUse>& uses);

// A problem+json document like http::Response::problem with further members, written by
// `extra` while the object is still open.
http::Response problemWithMembers(int status, std::string_view detail, std::string_view instance,
                                  const std::function<void(JsonWriter&)>& extra);

}  // namespace gw::admin
