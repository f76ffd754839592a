#include "modules/admin/agent_uses.hpp"

#include "store/store.hpp"

namespace gw::admin {

std::vector<AgentUse> agentUsesOf(const std::vector<store::Agent>& agents,
                                  const store::PhoneNumber& number) {
  std::vector<AgentUse> out;
  for (const auto& a : agents) {
    if (!number.incomingCallsAgentId.empty() && a.id == number.incomingCallsAgentId) {
      out.push_back({a.id, a.name, "inbound"});
    }
  }
  for (const auto& a : agents) {
    if (a.outboundPhoneNumberId == number.id) out.push_back({a.id, a.name, "outbound"});
  }
  return out;
}

std::vector<AgentUse> agentUsesOf(const store::Store& store, const store::ReadView& txn,
                                  const store::PhoneNumber& number) {
  return agentUsesOf(store.agentsUsingNumber(txn, number), number);
}

size_t clearCallerIds(const store::Store& store, const store::ReadView& txn,
                      const store::PhoneNumber& number, int64_t nowMs, admin::ChangeSet& change) {
  return clearCallerIds(store, txn, number.orgId, {number.id}, nowMs, change);
}

size_t clearCallerIds(const store::Store& store, const store::ReadView& txn, std::string_view orgId,
                      const std::unordered_set<std::string>& numberIds, int64_t nowMs,
                      admin::ChangeSet& change) {
  size_t changed = 0;
  if (numberIds.empty()) return changed;
  for (auto a : store.listAgents(txn, orgId)) {
    if (a.outboundPhoneNumberId.empty() || !numberIds.contains(a.outboundPhoneNumberId)) continue;
    a.outboundPhoneNumberId.clear();
    a.updatedMs = nowMs;
    change.agentsPut.push_back(std::move(a));
    ++changed;
  }
  return changed;
}

void writeAgentUses(JsonWriter& w, const std::vector<AgentUse>& uses) {
  w.StartArray();
  for (const auto& u : uses) {
    w.StartObject();
    writeString(w, "agentId", u.agentId);
    writeString(w, "name", u.name);
    writeString(w, "usage", u.usage);
    w.EndObject();
  }
  w.EndArray();
}

http::Response problemWithMembers(int status, std::string_view detail, std::string_view instance,
                                  const std::function<void(JsonWriter&)>& extra) {
  // The same head as http::Response::problem, which has no way to add members.
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  writeString(w, "type", "about:blank");
  writeString(w, "title", http::reasonPhrase(status));
  writeKey(w, "status");
  w.Int(status);
  if (!detail.empty()) writeString(w, "detail", detail);
  if (!instance.empty()) writeString(w, "instance", instance);
  extra(w);
  w.EndObject();
  http::Response r;
  r.status = status;
  r.body.assign(buf.GetString(), buf.GetSize());
  r.set("Content-Type", "application/problem+json");
  return r;
}

http::Response agentsInUseProblem(std::string_view detail, const std::vector<AgentUse>& uses,
                                  std::string_view instance) {
  return problemWithMembers(409, detail, instance, [&](JsonWriter& w) {
    writeKey(w, "affectedAgents");
    writeAgentUses(w, uses);
  });
}

std::variant<bool, http::Response> forceParam(const http::Request& req) {
  auto v = req.queryParam("force");
  if (!v || *v == "false") return false;
  if (*v == "true") return true;
  return http::Response::validationProblem({{"force", "force must be true or false."}}, req.path);
}

}  // namespace gw::admin
