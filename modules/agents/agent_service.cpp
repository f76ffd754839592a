#include "modules/agents/agent_service.hpp"

#include <algorithm>
#include <utility>

#include "common/clock.hpp"
#include "common/log.hpp"
#include "common/uuid.hpp"
#include "modules/admin/agent_uses.hpp"
#include "modules/admin/directory_sync.hpp"
#include "store/store.hpp"

namespace gw::agents {

using admin::DomainError;
using admin::Fault;
using boost::asio::awaitable;

namespace {

// The caller ID must be one of the org's numbers; checked inside the commit that stores the
// agent. nullopt when fine.
std::optional<std::string> callerIdProblem(const store::Store& store, const store::ReadView& view,
                                           const std::string& orgId, const std::string& numberId) {
  if (numberId.empty()) return std::nullopt;
  auto n = store.getNumber(view, numberId);
  if (n && n->orgId == orgId) return std::nullopt;
  return "No phone number with id " + numberId +
         " in this organization: import it first, or send null for no caller ID.";
}

void apply(const AgentChanges& c, store::Agent& a) {
  if (c.name) a.name = *c.name;
  if (c.sipUri) a.sipUri = *c.sipUri;
  if (c.mode) a.mode = *c.mode;
  if (c.outboundPhoneNumberId) a.outboundPhoneNumberId = *c.outboundPhoneNumberId;
}

// The agent still has linked numbers and the delete was not forced.
DomainError linkedProblem(const std::string& agentId, std::vector<std::string> linked) {
  DomainError e = DomainError::of(
      Fault::kConflict,
      "Agent " + agentId + " is linked to " + std::to_string(linked.size()) +
          " phone number(s). Unlink them (DELETE /api/v1/sip-phone-numbers/{id}/agent-link) "
          "or delete the agent with ?force=true to unlink them.");
  e.linkedPhoneNumberIds = std::move(linked);
  return e;
}

}  // namespace

admin::Result<store::Agent> AgentService::findAgent(const store::ReadView& view,
                                                    const std::string& org,
                                                    const std::string& id) const {
  if (!isUuid(id)) return DomainError::invalid("id", "The agent id must be a UUID.");
  auto a = ctx_.store.getAgent(view, id);
  // Another org's agent is indistinguishable from a missing one.
  if (!a || a->orgId != org) {
    return DomainError::of(Fault::kNotFound, "No agent with id " + id + ".");
  }
  return std::move(*a);
}

admin::Result<store::PhoneNumber> AgentService::findNumber(const store::ReadView& view,
                                                           const std::string& org,
                                                           const std::string& id) const {
  if (!isUuid(id)) return DomainError::invalid("id", "The phone number id must be a UUID.");
  auto n = ctx_.store.getNumber(view, id);
  if (!n || n->orgId != org) {
    return DomainError::of(Fault::kNotFound, "No phone number with id " + id + ".");
  }
  return std::move(*n);
}

awaitable<std::optional<std::string>> AgentService::selfProblem(std::string sipUri) {
  if (ctx_.sipSelf == nullptr) co_return std::nullopt;
  // A named local: GCC 12 destroys a temporary inside a co_await expression twice.
  std::string host = sipUriHost(sipUri);
  auto addresses = co_await ctx_.directory.addressesOf(std::move(host));
  co_return selfTargetProblem(sipUri, addresses, ctx_.sipSelf);
}

awaitable<admin::Result<store::Agent>> AgentService::create(std::string org, AgentChanges changes) {
  if (auto problem = sipUriModeProblem(*changes.sipUri, *changes.mode)) {
    co_return DomainError::invalid("sipUri", *problem);
  }
  if (auto self = co_await selfProblem(*changes.sipUri)) {
    co_return DomainError::invalid("sipUri", *self);
  }
  store::Agent a;
  a.id = newUuid();
  a.orgId = org;
  apply(changes, a);
  a.createdMs = a.updatedMs = nowUnixMillis();
  std::optional<std::string> problem;
  co_await ctx_.writes.commit([&](const store::ReadView& view, admin::ChangeSet& change) {
    problem = callerIdProblem(ctx_.store, view, org, a.outboundPhoneNumberId);
    if (!problem) change.agentsPut.push_back(a);
  });
  if (problem) co_return DomainError::invalid("outboundPhoneNumberId", *problem);
  log::info("agents", "created agent ", a.id, " (", a.mode, ")");
  co_return a;
}

AgentPage AgentService::list(const std::string& org, uint64_t skip, uint64_t take) const {
  auto txn = ctx_.store.read();
  auto agents = ctx_.store.listAgents(txn, org);
  AgentPage page;
  page.totalCount = agents.size();
  const uint64_t first = std::min<uint64_t>(skip, agents.size());
  const uint64_t last = std::min<uint64_t>(agents.size() - first, take) + first;
  for (uint64_t i = first; i < last; ++i) {
    const uint64_t count = ctx_.store.countNumbersLinkedToAgent(txn, agents[i].id);
    page.items.push_back(AgentRecord{std::move(agents[i]), count});
  }
  return page;
}

admin::Result<AgentRecord> AgentService::get(const std::string& org, const std::string& id) const {
  auto txn = ctx_.store.read();
  auto found = findAgent(txn, org, id);
  if (!found) return found.error();
  const uint64_t count = ctx_.store.countNumbersLinkedToAgent(txn, found->id);
  return AgentRecord{std::move(found).value(), count};
}

std::optional<DomainError> AgentService::patchProblem(const store::ReadView& view,
                                                      const std::string& org,
                                                      const AgentPatch& patch,
                                                      const std::optional<std::string>& loops,
                                                      store::Agent& a) const {
  if (!patch.errors.empty()) return DomainError::invalid(patch.errors);
  const AgentChanges& changes = patch.changes;
  if (changes.outboundPhoneNumberId) {
    if (auto problem = callerIdProblem(ctx_.store, view, org, *changes.outboundPhoneNumberId)) {
      return DomainError::invalid("outboundPhoneNumberId", *problem);
    }
  }
  if (!changes.empty()) apply(changes, a);
  if (auto problem = sipUriModeProblem(a.sipUri, a.mode)) {
    // Blame mode only when it alone was sent (an agent stored before sips: was refused for
    // proxy mode is refused on any change until it is fixed).
    const char* field = changes.mode && !changes.sipUri ? "mode" : "sipUri";
    return DomainError::invalid(field, *problem);
  }
  if (changes.sipUri && loops) return DomainError::invalid("sipUri", *loops);
  return std::nullopt;
}

awaitable<admin::Result<AgentRecord>> AgentService::patch(std::string org, std::string id,
                                                          AgentPatch patch) {
  std::optional<std::string> loops;  // the new sipUri points back at the gateway
  if (patch.changes.sipUri) loops = co_await selfProblem(*patch.changes.sipUri);
  AgentRecord out;
  std::optional<DomainError> refused;
  // One read of the agent, in the commit that writes it.
  co_await ctx_.writes.commit([&](const store::ReadView& view, admin::ChangeSet& change) {
    auto found = findAgent(view, org, id);
    if (!found) {
      refused = found.error();
      return;
    }
    out.agent = std::move(found).value();
    refused = patchProblem(view, org, patch, loops, out.agent);
    if (refused) return;
    out.inboundPhoneNumberCount = ctx_.store.countNumbersLinkedToAgent(view, id);
    if (!patch.changes.empty()) {
      out.agent.updatedMs = nowUnixMillis();
      change.agentsPut.push_back(out.agent);
    }
  });
  if (refused) co_return std::move(*refused);
  if (!patch.changes.empty()) log::info("agents", "updated agent ", out.agent.id);
  co_return out;
}

awaitable<admin::Result<void>> AgentService::remove(std::string org, std::string id, bool force) {
  size_t unlinked = 0;
  std::optional<DomainError> refused;
  co_await ctx_.writes.commit([&](const store::ReadView& view, admin::ChangeSet& change) {
    unlinked = 0;
    refused.reset();
    auto found = findAgent(view, org, id);
    if (!found) {
      refused = found.error();
      return;
    }
    auto linked = ctx_.store.numbersLinkedToAgent(view, id);
    if (!linked.empty() && !force) {
      refused = linkedProblem(id, std::move(linked));
      return;
    }
    const int64_t now = nowUnixMillis();
    for (const auto& numberId : linked) {
      auto n = ctx_.store.getNumber(view, numberId);
      if (!n) continue;
      n->incomingCallsAgentId.clear();
      n->updatedMs = now;
      change.numbersChanged.push_back(std::move(*n));
    }
    unlinked = change.numbersChanged.size();
    change.agentsRemoved.push_back(id);
  });
  if (refused) co_return std::move(*refused);
  log::info("agents", "deleted agent ", id, "; numbers unlinked: ", unlinked);
  co_return admin::Result<void>{};
}

awaitable<std::optional<store::PhoneNumber>> AgentService::setInboundAgent(std::string numberId,
                                                                           std::string agentId) {
  std::optional<store::PhoneNumber> n;
  co_await ctx_.writes.commit([&](const store::ReadView& view, admin::ChangeSet& change) {
    n = ctx_.store.getNumber(view, numberId);
    if (!n || n->incomingCallsAgentId == agentId) return;  // gone, or nothing to change
    n->incomingCallsAgentId = agentId;
    n->updatedMs = nowUnixMillis();
    change.numbersChanged.push_back(*n);
  });
  co_return n;
}

awaitable<admin::Result<store::PhoneNumber>> AgentService::link(std::string org,
                                                                std::string numberId,
                                                                std::string agentId) {
  {
    auto txn = ctx_.store.read();
    auto number = findNumber(txn, org, numberId);
    if (!number) co_return number.error();
    auto agent = findAgent(txn, org, agentId);
    if (!agent) co_return agent.error();
  }
  auto linked = co_await setInboundAgent(numberId, agentId);
  if (!linked) {
    co_return DomainError::of(Fault::kNotFound, "No phone number with id " + numberId + ".");
  }
  log::info("agents", "linked number ", numberId, " to agent ", agentId);
  co_return std::move(*linked);
}

awaitable<admin::Result<void>> AgentService::unlink(std::string org, std::string numberId) {
  std::string agentId;  // the inbound agent before the unlink
  {
    auto txn = ctx_.store.read();
    auto number = findNumber(txn, org, numberId);
    if (!number) co_return number.error();
    agentId = number->incomingCallsAgentId;
  }
  if (!agentId.empty()) {
    std::string none;
    (void)co_await setInboundAgent(numberId, std::move(none));
    log::info("agents", "unlinked number ", numberId, " from agent ", agentId);
  }
  co_return admin::Result<void>{};
}

admin::Result<std::vector<admin::AgentUse>> AgentService::affectedAgents(
    const std::string& org, const std::string& numberId) const {
  auto txn = ctx_.store.read();
  auto number = findNumber(txn, org, numberId);
  if (!number) return number.error();
  return admin::agentUsesOf(ctx_.store, txn, *number);
}

}  // namespace gw::agents
