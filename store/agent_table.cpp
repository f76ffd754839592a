#include "store/agent_table.hpp"

#include <string>

#include "store/codec.hpp"
#include "store/keys.hpp"
#include "store/lmdb_cursor.hpp"
#include "store/store.hpp"

namespace gw::store {

std::optional<Agent> AgentTable::get(MDB_txn* txn, std::string_view id) const {
  auto v = records_.get(txn, id);
  if (!v) return std::nullopt;
  return codec::decodeAgent(*v);
}

std::vector<Agent> AgentTable::listOfOrg(MDB_txn* txn, std::string_view orgId) const {
  std::vector<Agent> out;
  lmdb::Cursor c(txn, byOrg_);
  for (bool ok = c.find(orgId); ok; ok = c.nextDup()) {
    std::string_view id = keys::idOfAgentEntry(c.value());
    auto a = get(txn, id);
    if (!a) {
      throw StoreError("store: agents_by_org names agent " + std::string(id) +
                       " which is not stored; the store is damaged");
    }
    out.push_back(std::move(*a));
  }
  return out;
}

std::vector<Agent> AgentTable::listAll(MDB_txn* txn) const {
  std::vector<Agent> out;
  out.reserve(records_.entries(txn));
  lmdb::Cursor c(txn, records_);
  for (bool ok = c.first(); ok; ok = c.next()) out.push_back(codec::decodeAgent(c.value()));
  return out;
}

std::vector<Agent> AgentTable::usingNumber(MDB_txn* txn, const PhoneNumber& number) const {
  std::vector<Agent> out;
  if (number.orgId.empty()) return out;
  for (auto& a : listOfOrg(txn, number.orgId)) {
    bool inbound = !number.incomingCallsAgentId.empty() && a.id == number.incomingCallsAgentId;
    bool outbound = !number.id.empty() && a.outboundPhoneNumberId == number.id;
    if (inbound || outbound) out.push_back(std::move(a));
  }
  return out;
}

void AgentTable::put(MDB_txn* txn, const Agent& a) {
  std::string entry = keys::agentEntry(a.createdMs, a.id);
  if (a.id.empty() || a.orgId.empty() || !lmdb::keyFits(txn, a.id) ||
      !lmdb::keyFits(txn, a.orgId) || !lmdb::keyFits(txn, entry)) {
    throw StoreError("store: an agent needs an id and an org, each short enough to be an LMDB key");
  }
  if (auto old = get(txn, a.id); old && (old->orgId != a.orgId || old->createdMs != a.createdMs)) {
    byOrg_.delPair(txn, old->orgId, keys::agentEntry(old->createdMs, old->id));
  }
  records_.put(txn, a.id, codec::encode(a));
  byOrg_.put(txn, a.orgId, entry);
}

bool AgentTable::remove(MDB_txn* txn, std::string_view id) {
  auto old = get(txn, id);
  if (!old) return false;
  records_.del(txn, id);
  byOrg_.delPair(txn, old->orgId, keys::agentEntry(old->createdMs, old->id));
  return true;
}

}  // namespace gw::store
