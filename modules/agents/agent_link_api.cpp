#include "modules/agents/agent_link_api.hpp"

#include <optional>
#include <string>
#include <utility>

#include "common/uuid.hpp"
#include "modules/admin/caller.hpp"
#include "modules/admin/json_io.hpp"
#include "modules/admin/list_json.hpp"
#include "modules/admin/problem.hpp"
#include "modules/admin/views.hpp"

namespace gw::agents {

using admin::DomainError;
using admin::problemOf;
using boost::asio::awaitable;
using http::Request;
using http::Response;

namespace {

// The query and path of a link request, one error per bad parameter.
admin::FieldErrors linkParamErrors(const Request& req) {
  admin::FieldErrors errors;
  auto agentId = admin::idQuery(req, "agentId");
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
  if (!isUuid(admin::idParam(req, "id"))) {
    errors.emplace_back("id", "The phone number id must be a UUID.");
  }
  return errors;
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
  admin::FieldErrors errors = linkParamErrors(req);
  if (!errors.empty()) co_return problemOf(DomainError::invalid(std::move(errors)), req.path);
  std::string org = admin::orgOf(req);
  std::string numberId = admin::idParam(req, "id");
  std::string agentId = admin::idQuery(req, "agentId").value_or("");
  auto linked = co_await service_.link(std::move(org), std::move(numberId), std::move(agentId));
  if (!linked) co_return problemOf(linked.error(), req.path);
  co_return Response::json(200, admin::numberJson(store_, *linked));
}

awaitable<Response> AgentLinkApi::unlink(Request& req) {
  std::string org = admin::orgOf(req);
  std::string numberId = admin::idParam(req, "id");
  auto unlinked = co_await service_.unlink(std::move(org), std::move(numberId));
  if (!unlinked) co_return problemOf(unlinked.error(), req.path);
  co_return Response::noContent();
}

awaitable<Response> AgentLinkApi::affectedAgents(Request& req) {
  auto uses = service_.affectedAgents(admin::orgOf(req), admin::idParam(req, "id"));
  if (!uses) co_return problemOf(uses.error(), req.path);
  std::string body = admin::listJson(uses->size(), std::nullopt, [&](admin::JsonWriter& w) {
    for (const auto& u : *uses) admin::writeAgentUse(w, u);
  });
  co_return Response::json(200, std::move(body));
}

}  // namespace gw::agents
