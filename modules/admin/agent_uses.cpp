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

}  // namespace gw::admin
