#pragma once
// Agents and their per-org index (see schema.hpp), on the raw transaction behind the
// Store's ReadView or WriteTxn. The numbers linked to an agent are indexed by NumberTable,
// which owns numbers_by_agent.
#include <lmdb.h>

#include <optional>
#include <string_view>
#include <vector>

#include "store/lmdb_dbi.hpp"
#include "store/records.hpp"
#include "store/schema.hpp"

namespace gw::store {

class AgentTable {
 public:
  AgentTable() = default;
  explicit AgentTable(const Schema& s) : records_(s.agents), byOrg_(s.agentsByOrg) {}

  std::optional<Agent> get(MDB_txn* txn, std::string_view id) const;
  // By createdMs, then id.
  std::vector<Agent> listOfOrg(MDB_txn* txn, std::string_view orgId) const;
  // Every org's agents, in id order.
  std::vector<Agent> listAll(MDB_txn* txn) const;
  // The agents of the number's org whose id is its incomingCallsAgentId or whose
  // outboundPhoneNumberId is its id, by createdMs then id. Reads the org's agents.
  std::vector<Agent> usingNumber(MDB_txn* txn, const PhoneNumber& number) const;
  void put(MDB_txn* txn, const Agent& a);  // insert or replace
  bool remove(MDB_txn* txn, std::string_view id);

 private:
  lmdb::Dbi records_;
  lmdb::Dbi byOrg_;
};

}  // namespace gw::store
