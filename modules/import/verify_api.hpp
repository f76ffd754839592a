#pragma once
// The admin API of provider verification and drift repair: each route parses the request,
// calls one method of VerifyService (verify_service.hpp) and renders its result, or its
// domain error as problem+json.
//   PATCH /api/v1/providers/twilio/{id}/auth-token  {authToken}: checked with Twilio, then
//         stored; 422 when Twilio refuses it, 502 when Twilio cannot be asked
//   POST  /api/v1/providers/{id}/verify             verifies now; the provider
//   POST  /api/v1/providers/{id}/reconcile          re-attaches detached numbers, reports
//         the rest per number, verifies again
#include <boost/asio/awaitable.hpp>

#include "gateway/http/message.hpp"
#include "gateway/http/router.hpp"
#include "modules/import/verify_service.hpp"

namespace gw::import {

class VerifyApi {
 public:
  explicit VerifyApi(VerifyService& service) : service_(service) {}
  void registerRoutes(http::Router& router);

  boost::asio::awaitable<http::Response> rotateToken(http::Request& req);
  boost::asio::awaitable<http::Response> verify(http::Request& req);
  boost::asio::awaitable<http::Response> reconcile(http::Request& req);

 private:
  VerifyService& service_;
};

}  // namespace gw::import
