#pragma once
// POST /api/v1/providers/twilio/{id}/import-numbers
#include <string>
#include <variant>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "gateway/http/message.hpp"
#include "gateway/http/router.hpp"
#include "modules/import/import_metrics.hpp"
#include "modules/import/import_service.hpp"
#include "modules/admin/context.hpp"

namespace gw::import {

constexpr size_t kMaxSidsPerImport = 10'000;

// The SIDs of a valid body, or the 400/415 response listing what is wrong.
std::variant<std::vector<std::string>, http::Response> parseImportRequest(const http::Request& req);
// {"successCount","failedCount","errors":[{"phoneNumberSid","errorMessage"}]}
std::string importResultJson(const ImportOutcome& outcome);

class ImportApi {
 public:
  ImportApi(admin::Context& ctx, ImportService& service, ImportMetrics& metrics)
      : ctx_(ctx), service_(service), metrics_(metrics) {}
  void registerRoutes(http::Router& router);
  boost::asio::awaitable<http::Response> importNumbers(http::Request& req);

 private:
  admin::Context& ctx_;
  ImportService& service_;
  ImportMetrics& metrics_;
};

}  // namespace gw::import
