#include "modules/import/import_job_api.hpp"

#include "common/clock.hpp"
#include "modules/admin/caller.hpp"
#include "modules/admin/idempotency.hpp"
#include "modules/admin/json_io.hpp"
#include "modules/admin/list_json.hpp"
#include "modules/admin/problem.hpp"
#include "modules/admin/validation.hpp"
#include "modules/import/import_api.hpp"

namespace gw::import {

using boost::asio::awaitable;
using http::Request;
using http::Response;

namespace {

constexpr std::string_view kJobsPath = "/api/v1/import-jobs/";

void writeTime(admin::JsonWriter& w, std::string_view key, int64_t ms) {
  admin::writeKey(w, key);
  if (ms == 0) {
    w.Null();
  } else {
    admin::writeText(w, toIso8601(ms));
  }
}

// The job's fields, inside an open object.
void writeJobFields(admin::JsonWriter& w, const store::ImportJob& j) {
  admin::writeString(w, "id", j.id);
  admin::writeString(w, "providerId", j.providerId);
  admin::writeString(w, "state", stateName(j.state));
  for (auto [key, value] : {std::pair<const char*, uint64_t>{"total", j.total},
                            {"done", j.done},
                            {"successCount", j.successCount},
                            {"failedCount", j.failedCount}}) {
    admin::writeKey(w, key);
    w.Uint64(value);
  }
  writeTime(w, "createdAt", j.createdMs);
  writeTime(w, "startedAt", j.startedMs);
  writeTime(w, "finishedAt", j.finishedMs);
  admin::writeStringOrNull(w, "failureReason", j.error);
}

std::string jobJson(const store::ImportJob& j) {
  rapidjson::StringBuffer buf;
  admin::JsonWriter w(buf);
  w.StartObject();
  writeJobFields(w, j);
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

// The job with one page of its errors: "errors": {items, totalCount, skip, take}.
std::string jobPageJson(const ImportJobPage& page, const admin::Paging& paging) {
  rapidjson::StringBuffer buf;
  admin::JsonWriter w(buf);
  w.StartObject();
  writeJobFields(w, page.job);
  admin::writeKey(w, "errors");
  const std::string errors = admin::listJson(page.job.failedCount, paging, [&](auto& ew) {
    for (const auto& e : page.errors) {
      ew.StartObject();
      admin::writeString(ew, "phoneNumberSid", e.phoneNumberSid);
      admin::writeString(ew, "errorMessage", e.errorMessage);
      ew.EndObject();
    }
  });
  w.RawValue(errors.data(), errors.size(), rapidjson::kObjectType);
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

Response jobResponse(int status, const store::ImportJob& job) {
  return Response::json(status, jobJson(job));
}

}  // namespace

bool takesJobBody(std::string_view method, std::string_view path) {
  constexpr std::string_view kPrefix = "/api/v1/providers/twilio/";
  constexpr std::string_view kSuffix = "/import-jobs";
  return method == "POST" && path.size() > kPrefix.size() + kSuffix.size() &&
         path.substr(0, kPrefix.size()) == kPrefix &&
         path.substr(path.size() - kSuffix.size()) == kSuffix;
}

void ImportJobApi::registerRoutes(http::Router& router) {
  router.add("POST", "/api/v1/providers/twilio/{id}/import-jobs",
             admin::idempotent(idempotency_, [this](Request& r) { return create(r); }));
  router.add("GET", "/api/v1/import-jobs", [this](Request& r) { return list(r); });
  router.add("GET", "/api/v1/import-jobs/{id}", [this](Request& r) { return get(r); });
  router.add("DELETE", "/api/v1/import-jobs/{id}", [this](Request& r) { return cancel(r); });
}

awaitable<Response> ImportJobApi::create(Request& req) {
  // As the synchronous import: the provider's 400 or 404 before the body's 415 or 400, and
  // nothing is queued unless the whole body is valid.
  auto provider = imports_.provider(admin::orgOf(req), admin::idParam(req, "id"));
  if (!provider) co_return admin::problemOf(provider.error(), req.path);
  auto sids = parseImportRequest(req, kMaxSidsPerJob);
  if (!sids) co_return admin::problemOf(sids.error(), req.path);
  auto job = co_await jobs_.create(*provider, *sids);
  if (!job) co_return admin::problemOf(job.error(), req.path);
  Response resp = jobResponse(202, *job);
  resp.set("Location", std::string(kJobsPath) + job->id);
  co_return resp;
}

awaitable<Response> ImportJobApi::list(Request& req) {
  admin::FieldErrors errors;
  const admin::Paging paging = admin::parsePaging(req, errors);
  if (!errors.empty()) co_return admin::problemOf(admin::DomainError::invalid(errors), req.path);
  auto [jobs, total] = jobs_.list(admin::orgOf(req), paging);
  co_return Response::json(200, admin::listJson(total, paging, [&](auto& w) {
                             for (const auto& j : jobs) {
                               w.StartObject();
                               writeJobFields(w, j);
                               w.EndObject();
                             }
                           }));
}

awaitable<Response> ImportJobApi::get(Request& req) {
  admin::FieldErrors errors;
  const admin::Paging paging = admin::parsePaging(req, errors);
  const std::string id = admin::idParam(req, "id");
  if (!errors.empty()) co_return admin::problemOf(admin::DomainError::invalid(errors), req.path);
  auto page = jobs_.get(admin::orgOf(req), id, paging);
  if (!page) co_return admin::problemOf(page.error(), req.path);
  co_return Response::json(200, jobPageJson(*page, paging));
}

awaitable<Response> ImportJobApi::cancel(Request& req) {
  auto job = co_await jobs_.cancel(admin::orgOf(req), admin::idParam(req, "id"));
  if (!job) co_return admin::problemOf(job.error(), req.path);
  co_return jobResponse(200, *job);
}

}  // namespace gw::import
