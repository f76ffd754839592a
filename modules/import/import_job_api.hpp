#pragma once
// Import jobs over HTTP: POST /api/v1/providers/twilio/{id}/import-jobs (202 and Location),
// GET /api/v1/import-jobs, GET and DELETE /api/v1/import-jobs/{id}.
#include <string>

#include <boost/asio/awaitable.hpp>

#include "gateway/http/message.hpp"
#include "gateway/http/router.hpp"
#include "modules/import/import_job_service.hpp"

namespace gw::admin {
class Idempotency;
}

namespace gw::import {

constexpr size_t kMaxSidsPerJob = 100'000;
// A body of kMaxSidsPerJob SIDs (37 bytes each with quotes and comma) with room for spacing.
constexpr size_t kMaxJobBodyBytes = 8 * 1024 * 1024;
// Whether a request may carry a body up to kMaxJobBodyBytes (the job POST) rather than the
// usual limit.
bool takesJobBody(std::string_view method, std::string_view path);

class ImportJobApi {
 public:
  // Idempotency-Key is honoured on create when `idempotency` is not null.
  ImportJobApi(ImportService& imports, ImportJobService& jobs, admin::Idempotency* idempotency)
      : imports_(imports), jobs_(jobs), idempotency_(idempotency) {}
  void registerRoutes(http::Router& router);

  boost::asio::awaitable<http::Response> create(http::Request& req);
  boost::asio::awaitable<http::Response> list(http::Request& req);
  boost::asio::awaitable<http::Response> get(http::Request& req);
  boost::asio::awaitable<http::Response> cancel(http::Request& req);

 private:
  ImportService& imports_;  // the provider lookup, shared with the synchronous import
  ImportJobService& jobs_;
  admin::Idempotency* idempotency_;
};

}  // namespace gw::import
