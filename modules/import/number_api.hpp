#pragma once
// Imported numbers over HTTP: GET /api/v1/sip-phone-numbers (filters and paging),
// GET /api/v1/sip-phone-numbers/{id}, and DELETE
// /api/v1/providers/twilio/{id}/phone-numbers/{phoneNumberId} (?force=true). Each handler
// parses the request, calls NumberService once and renders the result.
#include <boost/asio/awaitable.hpp>

#include "gateway/http/message.hpp"
#include "gateway/http/router.hpp"
#include "modules/admin/context.hpp"
#include "modules/import/number_service.hpp"

namespace gw::import {

class NumberApi {
 public:
  explicit NumberApi(admin::Context& ctx) : store_(ctx.store), numbers_(ctx) {}
  void registerRoutes(http::Router& router);

  boost::asio::awaitable<http::Response> list(http::Request& req);
  boost::asio::awaitable<http::Response> get(http::Request& req);
  boost::asio::awaitable<http::Response> remove(http::Request& req);

 private:
  const store::Store& store_;  // the rendered numbers' trunkStatus
  NumberService numbers_;
};

}  // namespace gw::import
