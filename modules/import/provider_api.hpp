#pragma once
// The admin API of Twilio providers: each route parses the request, calls one method of
// ProviderService (provider_service.hpp) and renders its result, or its domain error as
// problem+json. Create, read, list, update (name, region, call transfer, allowed source
// addresses), delete (409 while agents use its numbers unless ?force=true), and the account's
// available numbers.
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "gateway/http/message.hpp"
#include "gateway/http/router.hpp"
#include "modules/admin/context.hpp"
#include "modules/admin/json_io.hpp"
#include "modules/admin/validation.hpp"
#include "modules/import/import_service.hpp"
#include "modules/import/provider_service.hpp"
#include "store/records.hpp"

namespace gw::import {

class ProviderApi {
 public:
  ProviderApi(admin::Context& ctx, ImportService& imports, ImportJobService* jobs = nullptr)
      : service_(ctx, imports, jobs), idempotency_(ctx.idempotency) {}
  void registerRoutes(http::Router& router);

  boost::asio::awaitable<http::Response> create(http::Request& req);
  boost::asio::awaitable<http::Response> list(http::Request& req);
  boost::asio::awaitable<http::Response> get(http::Request& req);
  boost::asio::awaitable<http::Response> update(http::Request& req);
  boost::asio::awaitable<http::Response> remove(http::Request& req);
  boost::asio::awaitable<http::Response> availableNumbers(http::Request& req);

 private:
  ProviderService service_;
  admin::Idempotency* idempotency_;  // Idempotency-Key on create, when not null
};

// The `allowedAddresses` member of a provider body: nullopt when absent or null (the caller
// keeps its default) or invalid (then `errors` says why, keyed allowedAddresses[i]); else the
// CIDRs in canonical text, in the order sent.
std::optional<std::vector<std::string>> allowedAddressesField(const rapidjson::Value& body,
                                                              admin::FieldErrors& errors);

// A provider as every route renders it: record, number count and latest verification.
std::string providerViewJson(const ProviderView& v);

}  // namespace gw::import
