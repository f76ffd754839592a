#pragma once
// Agents and the links between numbers and agents, without HTTP: what the agents API asks
// for, with the caller's org as a plain string and refusals as admin::DomainError. Every
// change is one commit of the write path (admin::WritePath), which updates the routes and
// the SIP directory before it returns. Control thread only; the service holds nothing but
// the context.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "modules/admin/context.hpp"
#include "modules/admin/domain_error.hpp"
#include "modules/agents/agent_rules.hpp"
#include "store/records.hpp"

namespace gw::store {
class ReadView;
}  // namespace gw::store

namespace gw::agents {

// An agent and how many numbers send it their inbound calls.
struct AgentRecord {
  store::Agent agent;
  uint64_t inboundPhoneNumberCount = 0;
};

// One page of an org's agents, in the store's order.
struct AgentPage {
  std::vector<AgentRecord> items;
  uint64_t totalCount = 0;
};

// A PATCH as parseAgentBody(kPatch) read it: the changes and what was wrong with the body.
// The errors are reported only once the agent is found (an unknown agent is a 404 whatever
// its body).
struct AgentPatch {
  AgentChanges changes;
  admin::FieldErrors errors;
};

class AgentService {
 public:
  explicit AgentService(admin::Context& ctx) : ctx_(ctx) {}

  // A new agent of `org` from a create body that parseAgentBody(kCreate) accepted (name,
  // sipUri and mode set). kInvalid: a sips: URI in proxy mode, a URI that points back at
  // the gateway, a caller ID that is not one of the org's numbers.
  boost::asio::awaitable<admin::Result<store::Agent>> create(std::string org, AgentChanges changes);
  // Never fails: a page beyond the end is empty.
  AgentPage list(const std::string& org, uint64_t skip, uint64_t take) const;
  // kInvalid: `id` is not a UUID; kNotFound: no such agent in `org`.
  admin::Result<AgentRecord> get(const std::string& org, const std::string& id) const;
  // The agent with `patch` applied, stored when it changes anything. Checked in this order:
  // the id (kInvalid, kNotFound), the body's field errors, the caller ID, the URI against
  // the mode, a new URI pointing back at the gateway (all kInvalid).
  boost::asio::awaitable<admin::Result<AgentRecord>> patch(std::string org, std::string id,
                                                           AgentPatch patch);
  // kConflict (with linkedPhoneNumberIds) while numbers are linked to the agent, unless
  // `force`, which unlinks them in the same commit.
  boost::asio::awaitable<admin::Result<void>> remove(std::string org, std::string id, bool force);

  // Makes `agentId` the inbound agent of number `numberId` (both UUIDs, checked by the
  // caller) and returns the number as stored. kNotFound: no such number or agent in `org`.
  boost::asio::awaitable<admin::Result<store::PhoneNumber>> link(std::string org,
                                                                 std::string numberId,
                                                                 std::string agentId);
  // Clears the number's inbound agent; a number without one is left as it is.
  boost::asio::awaitable<admin::Result<void>> unlink(std::string org, std::string numberId);
  // Every agent using the number: its inbound agent first, then those using it as caller ID.
  admin::Result<std::vector<admin::AgentUse>> affectedAgents(const std::string& org,
                                                             const std::string& numberId) const;

  // The agent or number `id` of `org`, read in `view` (a read transaction or a commit's
  // view). kInvalid: `id` is not a UUID. kNotFound: none, or another org's (the same answer).
  admin::Result<store::Agent> findAgent(const store::ReadView& view, const std::string& org,
                                        const std::string& id) const;
  admin::Result<store::PhoneNumber> findNumber(const store::ReadView& view, const std::string& org,
                                               const std::string& id) const;

 private:
  // selfTargetProblem() of `sipUri`, its host resolved first (before the commit: nothing
  // awaits inside one).
  boost::asio::awaitable<std::optional<std::string>> selfProblem(std::string sipUri);
  // What refuses `patch` of the agent `a` (read in `view`), after it was found; applies the
  // changes to `a` when nothing does.
  std::optional<admin::DomainError> patchProblem(const store::ReadView& view,
                                                 const std::string& org, const AgentPatch& patch,
                                                 const std::optional<std::string>& loops,
                                                 store::Agent& a) const;
  // Sets (or clears, with "") the number's inbound agent in one commit. nullopt when the
  // number vanished.
  boost::asio::awaitable<std::optional<store::PhoneNumber>> setInboundAgent(std::string numberId,
                                                                            std::string agentId);

  admin::Context& ctx_;
};

}  // namespace gw::agents
