#include "modules/import/number_api.hpp"

#include "common/e164.hpp"
#include "common/uuid.hpp"
#include "modules/admin/caller.hpp"
#include "modules/admin/json_io.hpp"
#include "modules/admin/list_json.hpp"
#include "modules/admin/problem.hpp"
#include "modules/admin/validation.hpp"
#include "modules/admin/views.hpp"
#include "store/store.hpp"

namespace gw::import {

using boost::asio::awaitable;
using http::Request;
using http::Response;

namespace {

// The filter of a list request (its org is the service's to set); one error per bad parameter.
store::NumberFilter numberFilterOf(const Request& req, admin::FieldErrors& errors) {
  store::NumberFilter filter;
  if (auto v = admin::idQuery(req, "providerId")) {
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
  if (auto v = admin::idQuery(req, "linkedAgentId")) {
    if (!isUuid(*v)) errors.emplace_back("linkedAgentId", "linkedAgentId must be a UUID.");
    filter.linkedAgentId = *v;
  }
  if (auto v = req.queryParam("unlinkedOnly")) {
    if (*v != "true" && *v != "false") {
      errors.emplace_back("unlinkedOnly", "unlinkedOnly must be true or false.");
    }
    filter.unlinkedOnly = *v == "true";
  }
  return filter;
}

// {"items":[...],"totalCount","skip","take"}
std::string numberPageJson(const store::Store& store, const store::NumberPage& page,
                           const admin::Paging& paging) {
  auto txn = store.read();
  admin::TrunkStatuses statuses(store, txn);
  return admin::listJson(page.totalCount, paging, [&](admin::JsonWriter& w) {
    for (const auto& n : page.items) admin::writeNumber(w, n, statuses.of(n));
  });
}

}  // namespace

void NumberApi::registerRoutes(http::Router& router) {
  router.add("GET", "/api/v1/sip-phone-numbers", [this](Request& r) { return list(r); });
  router.add("GET", "/api/v1/sip-phone-numbers/{id}", [this](Request& r) { return get(r); });
  router.add("DELETE", "/api/v1/providers/twilio/{id}/phone-numbers/{phoneNumberId}",
             [this](Request& r) { return remove(r); });
}

awaitable<Response> NumberApi::list(Request& req) {
  admin::FieldErrors errors;
  store::NumberFilter filter = numberFilterOf(req, errors);
  const admin::Paging paging = admin::parsePaging(req, errors);
  if (!errors.empty()) co_return admin::problemOf(admin::DomainError::invalid(errors), req.path);
  auto page = numbers_.list(admin::orgOf(req), std::move(filter), paging.skip, paging.take);
  co_return Response::json(200, numberPageJson(store_, page, paging));
}

awaitable<Response> NumberApi::get(Request& req) {
  auto n = numbers_.get(admin::orgOf(req), admin::idParam(req, "id"));
  if (!n) co_return admin::problemOf(n.error(), req.path);
  co_return Response::json(200, admin::numberJson(store_, *n));
}

awaitable<Response> NumberApi::remove(Request& req) {
  admin::FieldErrors errors;
  const bool force = admin::forceParam(req, errors);
  if (!errors.empty()) co_return admin::problemOf(admin::DomainError::invalid(errors), req.path);
  auto removed =
      co_await numbers_.remove(admin::orgOf(req), admin::idParam(req, "id"),
                               admin::idParam(req, "phoneNumberId"), force, req.requestId);
  if (!removed) co_return admin::problemOf(removed.error(), req.path);
  co_return Response::noContent();
}

}  // namespace gw::import
