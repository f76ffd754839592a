#include "modules/agents/agent_views.hpp"

#include "common/clock.hpp"

namespace gw::agents {

using admin::writeKey;
using admin::writeString;
using admin::writeStringOrNull;

void writeAgent(admin::JsonWriter& w, const store::Agent& a, uint64_t inboundPhoneNumberCount) {
  w.StartObject();
  writeString(w, "id", a.id);
  writeString(w, "orgId", a.orgId);
  writeString(w, "name", a.name);
  writeString(w, "sipUri", a.sipUri);
  writeString(w, "mode", a.mode);
  writeStringOrNull(w, "outboundPhoneNumberId", a.outboundPhoneNumberId);
  writeKey(w, "inboundPhoneNumberCount");
  w.Uint64(inboundPhoneNumberCount);
  writeString(w, "createdTime", toIso8601(a.createdMs));
  writeString(w, "lastUpdateTime", toIso8601(a.updatedMs));
  w.EndObject();
}

std::string agentJson(const store::Agent& a, uint64_t inboundPhoneNumberCount) {
  rapidjson::StringBuffer buf;
  admin::JsonWriter w(buf);
  writeAgent(w, a, inboundPhoneNumberCount);
  return {buf.GetString(), buf.GetSize()};
}

}  // namespace gw::agents
