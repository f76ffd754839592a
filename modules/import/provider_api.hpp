#pragma once
// Twilio providers: create (credentials checked, trunk adopted or created), read, list,
// delete (numbers detached, trunk removed when the gateway created it), and the account's
// available numbers.
#include <utility>  // before Asio's coroutine headers (Boost 1.74 + GCC 12)

#include <variant>

#include <boost/asio/awaitable.hpp>

#include "gateway/http/message.hpp"
#include "gateway/http/router.hpp"
#include "modules/import/module_context.hpp"
#include "store/records.hpp"

namespace gw::import {

class ProviderApi {
 public:
  explicit ProviderApi(ModuleContext& ctx) : ctx_(ctx) {}
  void registerRoutes(http::Router& router);

  boost::asio::awaitable<http::Response> create(http::Request& req);
  boost::asio::awaitable<http::Response> list(http::Request& req);
  boost::asio::awaitable<http::Response> get(http::Request& req);
  boost::asio::awaitable<http::Response> remove(http::Request& req);
  boost::asio::awaitable<http::Response> availableNumbers(http::Request& req);

 private:
  ModuleContext& ctx_;
};

// The provider `id` of this org, or the 400/404 response to send.
std::variant<store::Provider, http::Response> findOwnProvider(const ModuleContext& ctx,
                                                              const http::Request& req,
                                                              const std::string& id);

}  // namespace gw::import
