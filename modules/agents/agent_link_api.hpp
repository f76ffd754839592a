#pragma once
// The links between numbers and agents: PUT/DELETE /api/v1/sip-phone-numbers/{id}/agent-link
// (the number's inbound agent; the route is updated before the response) and GET
// .../affected-agents (every agent using the number, inbound or as its caller ID). The
// handlers read the request, call AgentService and write its answer.
#include <boost/asio/awaitable.hpp>

#include "gateway/http/message.hpp"
#include "gateway/http/router.hpp"
#include "modules/admin/context.hpp"
#include "modules/agents/agent_service.hpp"

namespace gw::agents {

class AgentLinkApi {
 public:
  explicit AgentLinkApi(admin::Context& ctx) : store_(ctx.store), service_(ctx) {}
  void registerRoutes(http::Router& router);

  boost::asio::awaitable<http::Response> link(http::Request& req);
  boost::asio::awaitable<http::Response> unlink(http::Request& req);
  boost::asio::awaitable<http::Response> affectedAgents(http::Request& req);

 private:
  const store::Store& store_;  // the rendered number's trunkStatus
  AgentService service_;
};

}  // namespace gw::agents
