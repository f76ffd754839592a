#include "modules/import/import_api.hpp"

#include "modules/admin/json_io.hpp"
#include "modules/import/provider_api.hpp"
#include "modules/import/twilio_errors.hpp"
#include "modules/admin/validation.hpp"

namespace gw::import {

using boost::asio::awaitable;
using http::Request;
using http::Response;

namespace {
constexpr size_t kMaxListedFieldErrors = 100;
}

std::variant<std::vector<std::string>, Response> parseImportRequest(const Request& req) {
  auto parsed = admin::parseJsonObjectBody(req);
  if (auto* resp = std::get_if<Response>(&parsed)) return std::move(*resp);
  const auto& body = std::get<rapidjson::Document>(parsed);

  auto it = body.FindMember("phoneNumberSids");
  if (it == body.MemberEnd() || it->value.IsNull()) {
    return Response::validationProblem(
        {{"phoneNumberSids", "phoneNumberSids is required: a list of 1 to 10000 SIDs."}}, req.path);
  }
  if (!it->value.IsArray()) {
    return Response::validationProblem(
        {{"phoneNumberSids", "phoneNumberSids must be an array of strings."}}, req.path);
  }
  const auto& arr = it->value.GetArray();
  if (arr.Empty() || arr.Size() > kMaxSidsPerImport) {
    return Response::validationProblem(
        {{"phoneNumberSids", "phoneNumberSids must hold 1 to 10000 SIDs; it holds " +
                                 std::to_string(arr.Size()) + "."}},
        req.path);
  }
  admin::FieldErrors errors;
  size_t invalid = 0;
  std::vector<std::string> sids;
  sids.reserve(arr.Size());
  for (rapidjson::SizeType i = 0; i < arr.Size(); ++i) {
    const auto& v = arr[i];
    bool ok = v.IsString() && admin::isSid(std::string_view(v.GetString(), v.GetStringLength()), "PN");
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
  if (!errors.empty()) return Response::validationProblem(errors, req.path);
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
             [this](Request& r) { return importNumbers(r); });
}

awaitable<Response> ImportApi::importNumbers(Request& req) {
  auto found = findOwnProvider(ctx_, req, req.param("id"));
  if (auto* resp = std::get_if<Response>(&found)) co_return std::move(*resp);
  const auto provider = std::get<store::Provider>(found);

  auto parsed = parseImportRequest(req);
  if (auto* resp = std::get_if<Response>(&parsed)) co_return std::move(*resp);
  const auto& sids = std::get<std::vector<std::string>>(parsed);

  ImportOutcome outcome = co_await service_.run(provider, sids, req.requestId);
  metrics_.record(outcome);
  if (outcome.credentialsRejected) {
    co_return Response::problem(
        502,
        "Twilio rejected the credentials of provider " + provider.id + " (account " +
            provider.accountSid + "): " + outcome.credentialsRejected->describe() +
            ". No number was imported. Update the provider's auth token and retry.",
        req.path);
  }
  // Nothing imported because the store is full: the answer every full-store write gets.
  if (outcome.storeFull && outcome.successCount == 0) std::rethrow_exception(outcome.storeFull);
  co_return Response::json(200, importResultJson(outcome));
}

}  // namespace gw::import
