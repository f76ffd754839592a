#include "modules/import/import_api.hpp"

#include "modules/admin/caller.hpp"
#include "modules/admin/idempotency.hpp"
#include "modules/admin/json_io.hpp"
#include "modules/admin/problem.hpp"
#include "modules/admin/validation.hpp"

namespace gw::import {

using boost::asio::awaitable;
using http::Request;
using http::Response;

namespace {
constexpr size_t kMaxListedFieldErrors = 100;
}

admin::Result<std::vector<std::string>> parseImportRequest(const Request& req, size_t max) {
  auto parsed = admin::parseJsonObjectBody(req);
  if (!parsed) return parsed.error();
  return importSidsOf(*parsed, max);
}

admin::Result<std::vector<std::string>> importSidsOf(const rapidjson::Value& body, size_t max) {
  auto it = body.FindMember("phoneNumberSids");
  if (it == body.MemberEnd() || it->value.IsNull()) {
    return admin::DomainError::invalid(
        "phoneNumberSids",
        "phoneNumberSids is required: a list of 1 to " + std::to_string(max) + " SIDs.");
  }
  if (!it->value.IsArray()) {
    return admin::DomainError::invalid("phoneNumberSids",
                                       "phoneNumberSids must be an array of strings.");
  }
  const auto& arr = it->value.GetArray();
  if (arr.Empty() || arr.Size() > max) {
    return admin::DomainError::invalid("phoneNumberSids",
                                       "phoneNumberSids must hold 1 to " + std::to_string(max) +
                                           " SIDs; it holds " + std::to_string(arr.Size()) + ".");
  }
  admin::FieldErrors errors;
  size_t invalid = 0;
  std::vector<std::string> sids;
  sids.reserve(arr.Size());
  for (rapidjson::SizeType i = 0; i < arr.Size(); ++i) {
    const auto& v = arr[i];
    bool ok =
        v.IsString() && admin::isSid(std::string_view(v.GetString(), v.GetStringLength()), "PN");
    if (!ok) {
      if (++invalid <= kMaxListedFieldErrors) {
        errors.emplace_back("phoneNumberSids[" + std::to_string(i) + "]",
                            "Must be a phone number SID: 'PN' followed by 32 lowercase hex "
                            "characters.");
      }
      continue;
    }
    sids.emplace_back(v.GetString(), v.GetStringLength());
  }
  if (invalid > kMaxListedFieldErrors) {
    errors.emplace_back("phoneNumberSids", std::to_string(invalid - kMaxListedFieldErrors) +
                                               " more invalid SIDs are not listed.");
  }
  if (!errors.empty()) return admin::DomainError::invalid(std::move(errors));
  return sids;
}

std::string importResultJson(const ImportOutcome& outcome) {
  rapidjson::StringBuffer buf;
  admin::JsonWriter w(buf);
  w.StartObject();
  admin::writeKey(w, "successCount");
  w.Uint64(outcome.successCount);
  admin::writeKey(w, "failedCount");
  w.Uint64(outcome.errors.size());
  admin::writeKey(w, "errors");
  w.StartArray();
  for (const auto& e : outcome.errors) {
    w.StartObject();
    admin::writeString(w, "phoneNumberSid", e.phoneNumberSid);
    admin::writeString(w, "errorMessage", e.errorMessage);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

void ImportApi::registerRoutes(http::Router& router) {
  router.add("POST", "/api/v1/providers/twilio/{id}/import-numbers",
             admin::idempotent(idempotency_, [this](Request& r) { return importNumbers(r); }));
}

awaitable<Response> ImportApi::importNumbers(Request& req) {
  // The provider before the body, as it always was: its 400 or 404 comes before the body's
  // 415 or 400.
  auto provider = service_.provider(admin::orgOf(req), admin::idParam(req, "id"));
  if (!provider) co_return admin::problemOf(provider.error(), req.path);
  auto sids = parseImportRequest(req);
  if (!sids) co_return admin::problemOf(sids.error(), req.path);
  auto outcome = co_await service_.importNumbers(*provider, *sids, req.requestId);
  if (!outcome) co_return admin::problemOf(outcome.error(), req.path);
  if (verify_ != nullptr) co_await reattachReimported(*verify_, *provider, *outcome, req.requestId);
  co_return Response::json(200, importResultJson(*outcome));
}

}  // namespace gw::import
