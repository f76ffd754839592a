#include "modules/agents/agent_api.hpp"

#include <algorithm>

#include "common/clock.hpp"
#include "common/log.hpp"
#include "common/uuid.hpp"
#include "modules/agents/agent_rules.hpp"
#include "modules/agents/agent_views.hpp"
#include "modules/admin/agent_uses.hpp"
#include "modules/admin/caller.hpp"
#include "modules/admin/directory_sync.hpp"
#include "modules/admin/json_io.hpp"
#include "modules/admin/problem.hpp"
#include "store/store.hpp"

namespace gw::agents {

using boost::asio::awaitable;
using http::Request;
using http::Response;
using admin::JsonWriter;

namespace {

// The caller ID must be one of the org's numbers; checked inside the commit that stores the
// agent. nullopt when fine.
std::optional<std::string> callerIdProblem(const store::Store& store, const store::ReadView& txn,
                                           const std::string& orgId, const std::string& numberId) {
  if (numberId.empty()) return std::nullopt;
  auto n = store.getNumber(txn, numberId);
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

}  // namespace

std::variant<store::Agent, Response> findOwnAgent(const admin::Context& ctx,
                                                  const Request& req, const std::string& id,
                                                  const store::ReadView& txn) {
  if (!isUuid(id)) {
    return Response::validationProblem({{"id", "The agent id must be a UUID."}}, req.path);
  }
  auto a = ctx.store.getAgent(txn, id);
  // Another org's agent is indistinguishable from a missing one.
  if (!a || a->orgId != admin::orgOf(req)) {
    return Response::problem(404, "No agent with id " + id + ".", req.path);
  }
  return std::move(*a);
}

namespace {

// The sipUri a PATCH body asks for, when it has a valid one (parseAgentBody reports
// everything else).
std::optional<std::string> requestedSipUri(const Request& req) {
  auto parsed = admin::parseJsonObjectBody(req);
  const auto* body = std::get_if<rapidjson::Document>(&parsed);
  if (body == nullptr) return std::nullopt;
  auto it = body->FindMember("sipUri");
  if (it == body->MemberEnd() || !it->value.IsString()) return std::nullopt;
  std::string uri(it->value.GetString(), it->value.GetStringLength());
  if (sipUriProblem(uri)) return std::nullopt;
  return uri;
}

// The agent `id` with the PATCH body applied (into `a` and `changes`), read in `txn`; or the
// response that refuses it (404, 400, 415), with nothing changed.
std::optional<Response> patched(const admin::Context& ctx, const Request& req,
                                const std::string& id,
                                const std::variant<rapidjson::Document, Response>& parsed,
                                const std::optional<std::string>& loops,
                                const store::ReadView& txn, store::Agent& a,
                                AgentChanges& changes) {
  auto found = findOwnAgent(ctx, req, id, txn);
  if (auto* resp = std::get_if<Response>(&found)) return std::move(*resp);
  a = std::move(std::get<store::Agent>(found));
  if (const auto* resp = std::get_if<Response>(&parsed)) return *resp;
  admin::FieldErrors errors;
  changes = parseAgentBody(std::get<rapidjson::Document>(parsed), BodyKind::kPatch, errors);
  if (!errors.empty()) return Response::validationProblem(errors, req.path);
  if (changes.outboundPhoneNumberId) {
    if (auto problem = callerIdProblem(ctx.store, txn, admin::orgOf(req),
                                       *changes.outboundPhoneNumberId)) {
      return Response::validationProblem({{"outboundPhoneNumberId", *problem}}, req.path);
    }
  }
  if (!changes.empty()) apply(changes, a);
  if (auto problem = sipUriModeProblem(a.sipUri, a.mode)) {
    // Blame mode only when it alone was sent (an agent stored before sips: was refused for
    // proxy mode is refused on any change until it is fixed).
    const char* field = changes.mode && !changes.sipUri ? "mode" : "sipUri";
    return Response::validationProblem({{field, *problem}}, req.path);
  }
  if (changes.sipUri && loops) return Response::validationProblem({{"sipUri", *loops}}, req.path);
  return std::nullopt;
}

// 409: the agent still has linked numbers and ?force=true was not sent.
Response linkedProblem(const std::string& agentId, const std::vector<std::string>& linked,
                       const std::string& instance) {
  return admin::problemWithMembers(
      409,
      "Agent " + agentId + " is linked to " + std::to_string(linked.size()) +
          " phone number(s). Unlink them (DELETE /api/v1/sip-phone-numbers/{id}/agent-link) "
          "or delete the agent with ?force=true to unlink them.",
      instance, [&](JsonWriter& w) {
        admin::writeKey(w, "linkedPhoneNumberIds");
        w.StartArray();
        for (const auto& id : linked) {
          w.String(id.data(), static_cast<rapidjson::SizeType>(id.size()));
        }
        w.EndArray();
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

awaitable<std::optional<std::string>> AgentApi::selfProblem(std::string sipUri) {
  if (ctx_.sipSelf == nullptr) co_return std::nullopt;
  // A named local: GCC 12 destroys a temporary inside a co_await expression twice.
  std::string host = sipUriHost(sipUri);
  auto addresses = co_await ctx_.directory.addressesOf(std::move(host));
  co_return selfTargetProblem(sipUri, addresses, ctx_.sipSelf);
}

awaitable<Response> AgentApi::create(Request& req) {
  auto parsed = admin::parseJsonObjectBody(req);
  if (auto* resp = std::get_if<Response>(&parsed)) co_return std::move(*resp);
  const auto& body = std::get<rapidjson::Document>(parsed);

  admin::FieldErrors errors;
  auto changes = parseAgentBody(body, BodyKind::kCreate, errors);
  if (errors.empty()) {
    if (auto problem = sipUriModeProblem(*changes.sipUri, *changes.mode)) {
      errors.emplace_back("sipUri", *problem);
    } else if (auto self = co_await selfProblem(*changes.sipUri)) {
      errors.emplace_back("sipUri", *self);
    }
  }
  if (!errors.empty()) co_return Response::validationProblem(errors, req.path);

  store::Agent a;
  a.id = newUuid();
  a.orgId = admin::orgOf(req);
  apply(changes, a);
  a.createdMs = a.updatedMs = nowUnixMillis();
  std::optional<std::string> problem;
  co_await ctx_.writes.commit([&](const store::ReadView& txn, admin::ChangeSet& change) {
    problem = callerIdProblem(ctx_.store, txn, admin::orgOf(req), a.outboundPhoneNumberId);
    if (!problem) change.agentsPut.push_back(a);
  });
  if (problem)
    co_return Response::validationProblem({{"outboundPhoneNumberId", *problem}}, req.path);
  log::info("agents", "created agent ", a.id, " (", a.mode, ")");
  Response resp = Response::json(201, agentJson(a, 0));
  resp.set("Location", "/api/v1/agents/" + a.id);
  co_return resp;
}

awaitable<Response> AgentApi::list(Request& req) {
  admin::FieldErrors errors;
  const admin::Paging paging = admin::parsePaging(req, errors);
  if (!errors.empty()) co_return Response::validationProblem(errors, req.path);

  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  auto txn = ctx_.store.read();
  auto agents = ctx_.store.listAgents(txn, admin::orgOf(req));
  w.StartObject();
  admin::writeKey(w, "items");
  w.StartArray();
  const uint64_t first = std::min<uint64_t>(paging.skip, agents.size());
  const uint64_t last = std::min<uint64_t>(agents.size() - first, paging.take) + first;
  for (uint64_t i = first; i < last; ++i) {
    writeAgent(w, agents[i], ctx_.store.countNumbersLinkedToAgent(txn, agents[i].id));
  }
  w.EndArray();
  admin::writeKey(w, "totalCount");
  w.Uint64(agents.size());
  admin::writeKey(w, "skip");
  w.Uint64(paging.skip);
  admin::writeKey(w, "take");
  w.Uint64(paging.take);
  w.EndObject();
  co_return Response::json(200, std::string(buf.GetString(), buf.GetSize()));
}

awaitable<Response> AgentApi::get(Request& req) {
  auto txn = ctx_.store.read();
  auto found = findOwnAgent(ctx_, req, req.param("id"), txn);
  if (auto* resp = std::get_if<Response>(&found)) co_return std::move(*resp);
  const auto& a = std::get<store::Agent>(found);
  co_return Response::json(200, agentJson(a, ctx_.store.countNumbersLinkedToAgent(txn, a.id)));
}

awaitable<Response> AgentApi::patch(Request& req) {
  const std::string id = req.param("id");
  store::Agent a;
  uint64_t count = 0;
  AgentChanges changes;
  std::optional<std::string> loops;  // the new sipUri points back at the gateway
  if (auto uri = requestedSipUri(req)) loops = co_await selfProblem(std::move(*uri));
  auto parsed = admin::parseJsonObjectBody(req);
  std::optional<Response> refused;
  // One read of the agent, in the commit that writes it.
  co_await ctx_.writes.commit([&](const store::ReadView& txn, admin::ChangeSet& change) {
    refused = patched(ctx_, req, id, parsed, loops, txn, a, changes);
    if (refused) return;
    count = ctx_.store.countNumbersLinkedToAgent(txn, id);
    if (!changes.empty()) {
      a.updatedMs = nowUnixMillis();
      change.agentsPut.push_back(a);
    }
  });
  if (refused) co_return std::move(*refused);
  if (!changes.empty()) log::info("agents", "updated agent ", a.id);
  co_return Response::json(200, agentJson(a, count));
}

awaitable<Response> AgentApi::remove(Request& req) {
  admin::FieldErrors forceErrors;
  const bool force = admin::forceParam(req, forceErrors);
  if (!forceErrors.empty()) co_return Response::validationProblem(forceErrors, req.path);
  std::string agentId;
  size_t unlinked = 0;
  std::optional<Response> refused;
  co_await ctx_.writes.commit([&](const store::ReadView& txn, admin::ChangeSet& change) {
    auto found = findOwnAgent(ctx_, req, req.param("id"), txn);
    if (auto* resp = std::get_if<Response>(&found)) {
      refused = std::move(*resp);
      return;
    }
    agentId = std::get<store::Agent>(found).id;
    auto linked = ctx_.store.numbersLinkedToAgent(txn, agentId);
    if (!linked.empty() && !force) {
      refused = linkedProblem(agentId, linked, req.path);
      return;
    }
    const int64_t now = nowUnixMillis();
    for (const auto& numberId : linked) {
      auto n = ctx_.store.getNumber(txn, numberId);
      if (!n) continue;
      n->incomingCallsAgentId.clear();
      n->updatedMs = now;
      change.numbersChanged.push_back(std::move(*n));
    }
    unlinked = change.numbersChanged.size();
    change.agentsRemoved.push_back(agentId);
  });
  if (refused) co_return std::move(*refused);
  log::info("agents", "deleted agent ", agentId, "; numbers unlinked: ", unlinked);
  co_return Response::noContent();
}

}  // namespace gw::agents
