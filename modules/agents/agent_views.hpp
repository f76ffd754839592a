#pragma once
// The API's JSON shape of an agent.
#include <cstdint>
#include <string>

#include "modules/admin/json_io.hpp"
#include "store/records.hpp"

namespace gw::agents {

// {id, orgId, name, sipUri, mode, outboundPhoneNumberId (null when none),
//  inboundPhoneNumberCount, createdTime, lastUpdateTime}
void writeAgent(admin::JsonWriter& w, const store::Agent& a, uint64_t inboundPhoneNumberCount);
std::string agentJson(const store::Agent& a, uint64_t inboundPhoneNumberCount);

}  // namespace gw::agents
