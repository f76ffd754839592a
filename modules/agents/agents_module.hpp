#pragma once
// The agents module: agents, the links between numbers and agents, and the routing
// explanation, registered into the admin listener's router at start-up. It shares the
// import module's context (store, routing table, directory) on the control thread.
#include "gateway/http/router.hpp"
#include "modules/agents/agent_api.hpp"
#include "modules/agents/agent_link_api.hpp"
#include "modules/agents/explain_api.hpp"
#include "modules/admin/context.hpp"

namespace gw::agents {

class AgentsModule {
 public:
  explicit AgentsModule(admin::Context ctx)
      : ctx_(ctx), agents_(ctx_), links_(ctx_), explain_(ctx_) {}

  void registerRoutes(http::Router& router) {
    agents_.registerRoutes(router);
    links_.registerRoutes(router);
    explain_.registerRoutes(router);
  }

 private:
  admin::Context ctx_;
  AgentApi agents_;
  AgentLinkApi links_;
  ExplainApi explain_;
};

}  // namespace gw::agents
