#include "modules/agents/agent_api.hpp"

#include <string>
#include <utility>

#include "modules/admin/caller.hpp"
#include "modules/admin/json_io.hpp"
#include "modules/admin/list_json.hpp"
#include "modules/admin/problem.hpp"
#include "modules/admin/validation.hpp"
#include "modules/agents/agent_rules.hpp"
#include "modules/agents/agent_views.hpp"

namespace gw::agents {

using admin::DomainError;
using admin::JsonWriter;
using admin::problemOf;
using boost::asio::awaitable;
using http::Request;
using http::Response;

namespace {

// {items, totalCount, skip, take}
std::string pageJson(const AgentPage& page, const admin::Paging& paging) {
  return admin::listJson(page.totalCount, paging, [&](JsonWriter& w) {
    for (const auto& item : page.items) writeAgent(w, item.agent, item.inboundPhoneNumberCount);
  });
}

}  // namespace

void AgentApi::registerRoutes(http::Router& router) {
  router.add("POST", "/api/v1/agents", [this](Request& r) { return create(r); });
  router.add("GET", "/api/v1/agents", [this](Request& r) { return list(r); });
  router.add("GET", "/api/v1/agents/{id}", [this](Request& r) { return get(r); });
  router.add("PATCH", "/api/v1/agents/{id}", [this](Request& r) { return patch(r); });
  router.add("DELETE", "/api/v1/agents/{id}", [this](Request& r) { return remove(r); });
}

awaitable<Response> AgentApi::create(Request& req) {
  auto parsed = admin::parseJsonObjectBody(req);
  if (!parsed) co_return problemOf(parsed.error(), req.path);
  admin::FieldErrors errors;
  auto changes = parseAgentBody(*parsed, BodyKind::kCreate, errors);
  if (!errors.empty()) co_return problemOf(DomainError::invalid(std::move(errors)), req.path);

  std::string org = admin::orgOf(req);
  auto created = co_await service_.create(std::move(org), std::move(changes));
  if (!created) co_return problemOf(created.error(), req.path);
  Response resp = Response::json(201, agentJson(*created, 0));
  resp.set("Location", "/api/v1/agents/" + created->id);
  co_return resp;
}

awaitable<Response> AgentApi::list(Request& req) {
  admin::FieldErrors errors;
  const admin::Paging paging = admin::parsePaging(req, errors);
  if (!errors.empty()) co_return problemOf(DomainError::invalid(std::move(errors)), req.path);
  const AgentPage page = service_.list(admin::orgOf(req), paging.skip, paging.take);
  co_return Response::json(200, pageJson(page, paging));
}

awaitable<Response> AgentApi::get(Request& req) {
  auto found = service_.get(admin::orgOf(req), admin::idParam(req, "id"));
  if (!found) co_return problemOf(found.error(), req.path);
  co_return Response::json(200, agentJson(found->agent, found->inboundPhoneNumberCount));
}

awaitable<Response> AgentApi::patch(Request& req) {
  std::string org = admin::orgOf(req);
  std::string id = admin::idParam(req, "id");
  auto parsed = admin::parseJsonObjectBody(req);
  if (!parsed) {
    // The id comes first: an unknown agent is a 404 whatever its body.
    auto found = service_.get(org, id);
    if (!found) co_return problemOf(found.error(), req.path);
    co_return problemOf(parsed.error(), req.path);
  }
  AgentPatch patch;
  patch.changes = parseAgentBody(*parsed, BodyKind::kPatch, patch.errors);
  auto patched = co_await service_.patch(std::move(org), std::move(id), std::move(patch));
  if (!patched) co_return problemOf(patched.error(), req.path);
  co_return Response::json(200, agentJson(patched->agent, patched->inboundPhoneNumberCount));
}

awaitable<Response> AgentApi::remove(Request& req) {
  admin::FieldErrors errors;
  const bool force = admin::forceParam(req, errors);
  if (!errors.empty()) co_return problemOf(DomainError::invalid(std::move(errors)), req.path);
  std::string org = admin::orgOf(req);
  std::string id = admin::idParam(req, "id");
  auto removed = co_await service_.remove(std::move(org), std::move(id), force);
  if (!removed) co_return problemOf(removed.error(), req.path);
  co_return Response::noContent();
}

}  // namespace gw::agents
