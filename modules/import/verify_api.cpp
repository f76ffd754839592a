#include "modules/import/verify_api.hpp"

#include <utility>

#include "modules/admin/caller.hpp"
#include "modules/admin/json_io.hpp"
#include "modules/admin/problem.hpp"
#include "modules/admin/validation.hpp"
#include "modules/import/provider_api.hpp"

namespace gw::import {

using boost::asio::awaitable;
using http::Request;
using http::Response;

namespace {

// The new token of a PATCH auth-token body, or what is wrong with the body.
admin::Result<std::string> parseToken(const Request& req) {
  auto parsed = admin::parseJsonObjectBody(req);
  if (!parsed) return parsed.error();
  admin::FieldErrors errors;
  for (auto it = parsed->MemberBegin(); it != parsed->MemberEnd(); ++it) {
    const std::string name(it->name.GetString(), it->name.GetStringLength());
    if (name != "authToken") {
      errors.emplace_back(name, name + " cannot be changed here; only authToken is accepted.");
    }
  }
  auto token = admin::stringField(*parsed, "authToken");
  if (!token.present) {
    errors.emplace_back("authToken", "authToken is required.");
  } else if (token.wrongType || !admin::isLowerHex(token.value, 32)) {
    errors.emplace_back("authToken", "authToken must be 32 lowercase hex characters.");
  }
  if (!errors.empty()) return admin::DomainError::invalid(std::move(errors));
  return std::move(token.value);
}

std::string reconcileJson(const ReconcileReport& report) {
  rapidjson::StringBuffer buf;
  admin::JsonWriter w(buf);
  w.StartObject();
  admin::writeKey(w, "results");
  w.StartArray();
  for (const auto& i : report.items) {
    w.StartObject();
    admin::writeString(w, "phoneNumberSid", i.phoneNumberSid);
    admin::writeStringOrNull(w, "phoneNumberId", i.phoneNumberId);
    admin::writeString(w, "code", i.code);
    admin::writeString(w, "action", i.action);
    admin::writeString(w, "message", i.message);
    w.EndObject();
  }
  w.EndArray();
  admin::writeKey(w, "provider");
  const std::string provider = providerViewJson(report.provider);
  w.RawValue(provider.data(), provider.size(), rapidjson::kObjectType);
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

}  // namespace

void VerifyApi::registerRoutes(http::Router& router) {
  router.add("PATCH", "/api/v1/providers/twilio/{id}/auth-token",
             [this](Request& r) { return rotateToken(r); });
  router.add("POST", "/api/v1/providers/{id}/verify", [this](Request& r) { return verify(r); });
  router.add("POST", "/api/v1/providers/{id}/reconcile",
             [this](Request& r) { return reconcile(r); });
}

awaitable<Response> VerifyApi::rotateToken(Request& req) {
  // The provider before the body, as PUT does: a wrong id answers 400 or 404 first.
  auto found = service_.find(admin::orgOf(req), admin::idParam(req, "id"));
  if (!found) co_return admin::problemOf(found.error(), req.path);
  auto token = parseToken(req);
  if (!token) co_return admin::problemOf(token.error(), req.path);
  auto rotated = co_await service_.rotateToken(admin::orgOf(req), admin::idParam(req, "id"),
                                               std::move(*token), req.requestId);
  if (!rotated) co_return admin::problemOf(rotated.error(), req.path);
  co_return Response::json(200, providerViewJson(*rotated));
}

awaitable<Response> VerifyApi::verify(Request& req) {
  auto verified =
      co_await service_.verify(admin::orgOf(req), admin::idParam(req, "id"), req.requestId);
  if (!verified) co_return admin::problemOf(verified.error(), req.path);
  co_return Response::json(200, providerViewJson(*verified));
}

awaitable<Response> VerifyApi::reconcile(Request& req) {
  auto report =
      co_await service_.reconcile(admin::orgOf(req), admin::idParam(req, "id"), req.requestId);
  if (!report) co_return admin::problemOf(report.error(), req.path);
  co_return Response::json(200, reconcileJson(*report));
}

}  // namespace gw::import
