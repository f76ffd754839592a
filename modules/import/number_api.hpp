#pragma once
// Imported numbers: list with filters and paging, get one, and remove one from its provider
// (detached from the trunk, record deleted, route unbound; 409 while agents use it unless
// ?force=true, which clears the agents' links and caller IDs in the same transaction).
#include <boost/asio/awaitable.hpp>

#include "gateway/http/message.hpp"
#include "gateway/http/router.hpp"
#include "modules/admin/context.hpp"

namespace gw::import {

class NumberApi {
 public:
  explicit NumberApi(admin::Context& ctx) : ctx_(ctx) {}
  void registerRoutes(http::Router& router);

  boost::asio::awaitable<http::Response> list(http::Request& req);
  boost::asio::awaitable<http::Response> get(http::Request& req);
  boost::asio::awaitable<http::Response> remove(http::Request& req);

 private:
  admin::Context& ctx_;
};

}  // namespace gw::import
