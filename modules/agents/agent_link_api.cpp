#include "modules/agents/agent_link_api.hpp"

#include <optional>
#include <string>
#include <variant>

#include "common/clock.hpp"
#include "common/log.hpp"
#include "common/uuid.hpp"
#include "modules/agents/agent_api.hpp"
#include "modules/admin/agent_uses.hpp"
#include "modules/admin/caller.hpp"
#include "modules/admin/json_io.hpp"
#include "modules/admin/problem.hpp"
#include "modules/admin/validation.hpp"
#include "modules/admin/views.hpp"
#include "store/store.hpp"

namespace gw::agents {

using boost::asio::awaitable;
using http::Request;
using http::Response;

namespace {

// The number in the path, of this org, or the 400/404 to send.
std::variant<store::PhoneNumber, Response> findOwnNumber(const admin::Context& ctx,
                                                         const Request& req) {
  const std::string& id = req.param("id");
  if (!isUuid(id)) {
    return Response::validationProblem({{"id", "The phone number id must be a UUID."}}, req.path);
  }
  auto txn = ctx.store.read();
  auto n = ctx.store.getNumber(txn, id);
  if (!n || n->orgId != admin::orgOf(req)) {
    return Response::problem(404, "No phone number with id " + id + ".", req.path);
  }
  return std::move(*n);
}

// Sets (or clears, with "") the number's inbound agent in one commit, which updates its
// route. Returns the stored number, or nullopt when it vanished.
boost::asio::awaitable<std::optional<store::PhoneNumber>> setInboundAgent(
    admin::Context& ctx, const std::string& numberId, const std::string& agentId) {
  std::optional<store::PhoneNumber> n;
  co_await ctx.writes.commit([&](const store::ReadView& txn, admin::ChangeSet& change) {
    n = ctx.store.getNumber(txn, numberId);
    if (!n || n->incomingCallsAgentId == agentId) return;  // gone, or nothing to change
    n->incomingCallsAgentId = agentId;
    n->updatedMs = nowUnixMillis();
    change.numbersChanged.push_back(*n);
  });
  co_return n;
}

}  // namespace

void AgentLinkApi::registerRoutes(http::Router& router) {
  router.add("PUT", "/api/v1/sip-phone-numbers/{id}/agent-link",
             [this](Request& r) { return link(r); });
  router.add("DELETE", "/api/v1/sip-phone-numbers/{id}/agent-link",
             [this](Request& r) { return unlink(r); });
  router.add("GET", "/api/v1/sip-phone-numbers/{id}/affected-agents",
             [this](Request& r) { return affectedAgents(r); });
}

awaitable<Response> AgentLinkApi::link(Request& req) {
  admin::FieldErrors errors;
  auto agentId = req.queryParam("agentId");
  if (!agentId || agentId->empty()) {
    errors.emplace_back("agentId", "agentId is required: the id of the agent to link.");
  } else if (!isUuid(*agentId)) {
    errors.emplace_back("agentId", "agentId must be a UUID.");
  }
  if (auto mode = req.queryParam("mode"); mode && *mode != "inbound") {
    errors.emplace_back("mode",
                        "mode must be inbound (the only link mode); caller IDs are set with "
                        "PATCH /api/v1/agents/{id} {\"outboundPhoneNumberId\": ...}.");
  }
  if (!isUuid(req.param("id"))) {
    errors.emplace_back("id", "The phone number id must be a UUID.");
  }
  if (!errors.empty()) co_return Response::validationProblem(errors, req.path);

  auto number = findOwnNumber(ctx_, req);
  if (auto* resp = std::get_if<Response>(&number)) co_return std::move(*resp);
  auto agent = findOwnAgent(ctx_, req, *agentId, ctx_.store.read());
  if (auto* resp = std::get_if<Response>(&agent)) co_return std::move(*resp);

  const auto& n = std::get<store::PhoneNumber>(number);
  auto linked = co_await setInboundAgent(ctx_, n.id, *agentId);
  if (!linked) co_return Response::problem(404, "No phone number with id " + n.id + ".", req.path);
  log::info("agents", "linked number ", n.id, " to agent ", *agentId);
  co_return Response::json(200, admin::numberJson(*linked));
}

awaitable<Response> AgentLinkApi::unlink(Request& req) {
  auto number = findOwnNumber(ctx_, req);
  if (auto* resp = std::get_if<Response>(&number)) co_return std::move(*resp);
  const auto& n = std::get<store::PhoneNumber>(number);
  if (!n.incomingCallsAgentId.empty()) {
    (void)co_await setInboundAgent(ctx_, n.id, "");
    log::info("agents", "unlinked number ", n.id, " from agent ", n.incomingCallsAgentId);
  }
  co_return Response::noContent();
}

awaitable<Response> AgentLinkApi::affectedAgents(Request& req) {
  auto number = findOwnNumber(ctx_, req);
  if (auto* resp = std::get_if<Response>(&number)) co_return std::move(*resp);
  const auto& n = std::get<store::PhoneNumber>(number);
  std::vector<admin::AgentUse> uses;
  {
    auto txn = ctx_.store.read();
    uses = admin::agentUsesOf(ctx_.store, txn, n);
  }
  rapidjson::StringBuffer buf;
  admin::JsonWriter w(buf);
  w.StartObject();
  admin::writeKey(w, "items");
  admin::writeAgentUses(w, uses);
  admin::writeKey(w, "totalCount");
  w.Uint64(uses.size());
  w.EndObject();
  co_return Response::json(200, std::string(buf.GetString(), buf.GetSize()));
}

}  // namespace gw::agents
