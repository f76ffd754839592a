#pragma once
// Agents that use imported numbers, as the number and provider deletes see them: a use
// blocks the delete (409 with `affectedAgents`) unless ?force=true, which clears it in the
// delete's own change set. The agents module lists the same uses.
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "modules/admin/change_set.hpp"
#include "modules/admin/domain_error.hpp"
#include "store/records.hpp"

namespace gw::store {
class Store;
class ReadView;
}  // namespace gw::store

namespace gw::admin {

// The uses of `number`: its inbound agent first, then the agents using it as caller ID. An
// agent doing both is listed twice, once per usage.
std::vector<AgentUse> agentUsesOf(const store::Store& store, const store::ReadView& txn,
                                  const store::PhoneNumber& number);

// The same, given the agents of the number's org already read (one read for many numbers).
std::vector<AgentUse> agentUsesOf(const std::vector<store::Agent>& orgAgents,
                                  const store::PhoneNumber& number);

// Adds to `change` every agent whose outboundPhoneNumberId is `number`, with its caller ID
// cleared (the inbound link lives on the number record itself). Returns how many.
size_t clearCallerIds(const store::Store& store, const store::ReadView& txn,
                      const store::PhoneNumber& number, int64_t nowMs, admin::ChangeSet& change);

// The same for every number of `numberIds` (numbers of org `orgId`), reading the org's
// agents once.
size_t clearCallerIds(const store::Store& store, const store::ReadView& txn, std::string_view orgId,
                      const std::unordered_set<std::string>& numberIds, int64_t nowMs,
                      admin::ChangeSet& change);

}  // namespace gw::admin
