#include "modules/import/number_api.hpp"

#include "common/clock.hpp"
#include "common/e164.hpp"
#include "common/log.hpp"
#include "common/uuid.hpp"
#include "modules/admin/agent_uses.hpp"
#include "modules/admin/caller.hpp"
#include "modules/admin/json_io.hpp"
#include "modules/admin/problem.hpp"
#include "modules/import/provider_api.hpp"
#include "modules/import/twilio_errors.hpp"
#include "modules/admin/validation.hpp"
#include "modules/admin/views.hpp"
#include "store/store.hpp"

namespace gw::import {

using boost::asio::awaitable;
using http::Request;
using http::Response;

void NumberApi::registerRoutes(http::Router& router) {
  router.add("GET", "/api/v1/sip-phone-numbers", [this](Request& r) { return list(r); });
  router.add("GET", "/api/v1/sip-phone-numbers/{id}", [this](Request& r) { return get(r); });
  router.add("DELETE", "/api/v1/providers/twilio/{id}/phone-numbers/{phoneNumberId}",
             [this](Request& r) { return remove(r); });
}

awaitable<Response> NumberApi::list(Request& req) {
  admin::FieldErrors errors;
  store::NumberFilter filter;
  filter.orgId = admin::orgOf(req);
  if (auto v = req.queryParam("providerId")) {
    if (!isUuid(*v)) errors.emplace_back("providerId", "providerId must be a UUID.");
    filter.providerId = *v;
  }
  if (auto v = req.queryParam("phoneNumber")) {
    auto e164 = normalizeE164(*v);
    if (!e164) {
      errors.emplace_back("phoneNumber",
                          "phoneNumber must be an E.164 number such as +14155550100.");
    } else {
      filter.phoneNumber = *e164;
    }
  }
  if (auto v = req.queryParam("linkedAgentId")) {
    if (!isUuid(*v)) errors.emplace_back("linkedAgentId", "linkedAgentId must be a UUID.");
    filter.linkedAgentId = *v;
  }
  if (auto v = req.queryParam("unlinkedOnly")) {
    if (*v != "true" && *v != "false") {
      errors.emplace_back("unlinkedOnly", "unlinkedOnly must be true or false.");
    }
    filter.unlinkedOnly = *v == "true";
  }
  const admin::Paging paging = admin::parsePaging(req, errors);
  if (!errors.empty()) co_return Response::validationProblem(errors, req.path);

  store::NumberPage page;
  {
    auto txn = ctx_.store.read();
    page = ctx_.store.listNumbers(txn, filter, paging.skip, paging.take);
  }
  rapidjson::StringBuffer buf;
  admin::JsonWriter w(buf);
  w.StartObject();
  admin::writeKey(w, "items");
  w.StartArray();
  for (const auto& n : page.items) admin::writeNumber(w, n);
  w.EndArray();
  admin::writeKey(w, "totalCount");
  w.Uint64(page.totalCount);
  admin::writeKey(w, "skip");
  w.Uint64(paging.skip);
  admin::writeKey(w, "take");
  w.Uint64(paging.take);
  w.EndObject();
  co_return Response::json(200, std::string(buf.GetString(), buf.GetSize()));
}

awaitable<Response> NumberApi::get(Request& req) {
  const std::string& id = req.param("id");
  if (!isUuid(id)) {
    co_return Response::validationProblem({{"id", "The phone number id must be a UUID."}},
                                          req.path);
  }
  std::optional<store::PhoneNumber> n;
  {
    auto txn = ctx_.store.read();
    n = ctx_.store.getNumber(txn, id);
  }
  if (!n || n->orgId != admin::orgOf(req)) {
    co_return Response::problem(404, "No phone number with id " + id + ".", req.path);
  }
  co_return Response::json(200, admin::numberJson(*n));
}

awaitable<Response> NumberApi::remove(Request& req) {
  admin::FieldErrors forceErrors;
  const bool force = admin::forceParam(req, forceErrors);
  if (!forceErrors.empty()) co_return Response::validationProblem(forceErrors, req.path);
  auto found = findOwnProvider(ctx_, req, req.param("id"));
  if (auto* resp = std::get_if<Response>(&found)) co_return std::move(*resp);
  const auto provider = std::get<store::Provider>(found);
  const std::string& numberId = req.param("phoneNumberId");
  if (!isUuid(numberId)) {
    co_return Response::validationProblem(
        {{"phoneNumberId", "The phone number id must be a UUID."}}, req.path);
  }
  std::optional<store::PhoneNumber> n;
  std::vector<admin::AgentUse> uses;
  {
    auto txn = ctx_.store.read();
    n = ctx_.store.getNumber(txn, numberId);
    if (n) uses = admin::agentUsesOf(ctx_.store, txn, *n);
  }
  if (!n || n->providerId != provider.id) {
    co_return Response::problem(
        404, "Provider " + provider.id + " has no phone number with id " + numberId + ".",
        req.path);
  }
  // Before Twilio is touched: a refused delete changes nothing anywhere.
  if (!uses.empty() && !force) {
    co_return admin::problemOf(admin::DomainError::inUse(
        "Phone number " + n->phoneNumber + " is used by " + std::to_string(uses.size()) +
            " agent link(s) or caller ID(s). Unlink it first (DELETE /api/v1/sip-phone-numbers/" +
            n->id +
            "/agent-link, PATCH the agents' outboundPhoneNumberId), or delete with "
            "?force=true to unlink it.",
        uses), req.path);
  }

  // A named local: GCC 12 destroys a braced temporary inside a co_await expression twice.
  twilio::Credentials creds{provider.accountSid, provider.authToken};
  creds.requestId = req.requestId;
  auto detached = co_await ctx_.twilio.detachNumber(creds, provider.trunkSid, n->phoneNumberSid);
  if (!detached) {
    co_return admin::problemOf(twilioFault(detached.error(), "detaching the number from the trunk"), req.path);
  }
  bool deleted = false;
  co_await ctx_.writes.commit([&](const store::ReadView& txn, admin::ChangeSet& change) {
    // A link made while Twilio answered goes too: the number is off the trunk already.
    auto current = ctx_.store.getNumber(txn, n->id);
    deleted = current.has_value();
    if (!current) return;
    admin::clearCallerIds(ctx_.store, txn, *current, nowUnixMillis(), change);
    change.numbersRemoved.push_back(std::move(*current));
  });
  if (!deleted) {
    // Removed by a concurrent request while Twilio answered: the result is the same.
    log::info("numbers", "number ", n->id, " was already deleted");
  } else {
    log::info("numbers", "deleted number ", n->id, " (", n->phoneNumberSid, ") of provider ",
              provider.id);
  }
  co_return Response::noContent();
}

}  // namespace gw::import
