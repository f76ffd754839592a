#pragma once
// POST /api/v1/providers/twilio/{id}/import-numbers: the request parsed (the provider first,
// then the body), one ImportService::importNumbers() call, its outcome rendered.
#include <string>
#include <variant>
#include <vector>

#include <rapidjson/document.h>
#include <boost/asio/awaitable.hpp>

#include "gateway/http/message.hpp"
#include "gateway/http/router.hpp"
#include "modules/admin/domain_error.hpp"
#include "modules/import/import_service.hpp"
#include "modules/import/verify_service.hpp"

namespace gw::admin {
class Idempotency;
}

namespace gw::import {

constexpr size_t kMaxSidsPerImport = 10'000;

// The SIDs of a valid body, or what is wrong with it (kMediaType, kUnreadable, kInvalid).
admin::Result<std::vector<std::string>> parseImportRequest(const http::Request& req,
                                                           size_t max = kMaxSidsPerImport);
// The `phoneNumberSids` of a JSON object body: 1 to `max` phone number SIDs, in the order
// sent; kInvalid lists what is wrong (at most 100 entries by index, then a count).
admin::Result<std::vector<std::string>> importSidsOf(const rapidjson::Value& body,
                                                     size_t max = kMaxSidsPerImport);
// {"successCount","failedCount","errors":[{"phoneNumberSid","errorMessage"}]}
std::string importResultJson(const ImportOutcome& outcome);

class ImportApi {
 public:
  // Idempotency-Key is honoured when `idempotency` is not null. `verify`: when given,
  // numbers found "Already imported" that are on no trunk in Twilio are re-attached to the
  // provider's trunk and count as imported.
  ImportApi(ImportService& service, admin::Idempotency* idempotency,
            VerifyService* verify = nullptr)
      : service_(service), idempotency_(idempotency), verify_(verify) {}
  void registerRoutes(http::Router& router);
  boost::asio::awaitable<http::Response> importNumbers(http::Request& req);

 private:
  ImportService& service_;  // counts each answered import in the module's metrics
  admin::Idempotency* idempotency_;
  VerifyService* verify_;
};

}  // namespace gw::import
