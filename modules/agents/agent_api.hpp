#pragma once
// Agents: where the calls of their linked numbers go. Create, list, get, PATCH and delete
// (409 while numbers are linked, unless ?force=true, which unlinks them). Each handler reads
// the request, calls AgentService (agent_service.hpp) and writes its answer: JSON, or the
// problem of its DomainError.
#include <boost/asio/awaitable.hpp>

#include "gateway/http/message.hpp"
#include "gateway/http/router.hpp"
#include "modules/admin/context.hpp"
#include "modules/agents/agent_service.hpp"

namespace gw::agents {

class AgentApi {
 public:
  explicit AgentApi(admin::Context& ctx) : service_(ctx) {}
  void registerRoutes(http::Router& router);

  boost::asio::awaitable<http::Response> create(http::Request& req);
  boost::asio::awaitable<http::Response> list(http::Request& req);
  boost::asio::awaitable<http::Response> get(http::Request& req);
  boost::asio::awaitable<http::Response> patch(http::Request& req);
  boost::asio::awaitable<http::Response> remove(http::Request& req);

 private:
  AgentService service_;
};

}  // namespace gw::agents
