// gatewayctl agents ..., route explain.
#include <memory>
#include <optional>

#include "ctl/command_context.hpp"
#include "ctl/import_command.hpp"

namespace gw::ctl {
namespace {

struct AgentFields {
  std::optional<std::string> name, sipUri, mode, outboundNumber;
  bool clearOutbound = false;

  std::string body() const {
    return jsonObject([this](JsonWriter& w) {
      auto put = [&w](const char* key, const std::optional<std::string>& v) {
        if (!v) return;
        w.Key(key);
        w.String(v->c_str());
      };
      put("name", name);
      put("sipUri", sipUri);
      put("mode", mode);
      put("outboundPhoneNumberId", outboundNumber);
      if (clearOutbound) {
        w.Key("outboundPhoneNumberId");
        w.Null();
      }
    });
  }
};

void addFieldOptions(CLI::App* c, AgentFields& f, bool required) {
  auto* name = c->add_option("--name", f.name, "display name");
  auto* uri = c->add_option("--sip-uri", f.sipUri, "where calls go, e.g. sip:desk@10.0.0.5:5070");
  if (required) {
    name->required();
    uri->required();
  }
  c->add_option("--mode", f.mode, "proxy (default) or redirect")
      ->check(CLI::IsMember({"proxy", "redirect"}));
  c->add_option("--outbound-number", f.outboundNumber, "caller ID: a number id of the org");
}

void addAgents(CLI::App& app, Context& ctx) {
  auto* group = app.add_subcommand("agents", "agents: where linked numbers' calls go");
  group->require_subcommand(1);

  auto add = std::make_shared<AgentFields>();
  auto* a = group->add_subcommand("add", "create an agent");
  addFieldOptions(a, *add, true);
  a->callback([&ctx, add] {
    ctx.action = [&ctx, add](ApiClient& api) {
      const std::string body = add->body();
      ctx.show(api.call("POST", "/api/v1/agents", 201, &body));
      return kExitOk;
    };
  });

  auto paging = std::make_shared<Paging>();
  auto* l = group->add_subcommand("list", "list the agents (oldest first)");
  addPaging(l, *paging);
  l->callback([&ctx, paging] {
    ctx.action = [&ctx, paging](ApiClient& api) {
      ctx.list(api.call("GET", "/api/v1/agents?" + paging->query()),
               {{"ID", "id"},
                {"NAME", "name"},
                {"MODE", "mode"},
                {"SIP URI", "sipUri"},
                {"NUMBERS", "inboundPhoneNumberCount"}});
      return kExitOk;
    };
  });

  auto id = std::make_shared<std::string>();
  auto* s = group->add_subcommand("show", "show one agent");
  s->add_option("id", *id, "agent id")->required();
  s->callback([&ctx, id] {
    ctx.action = [&ctx, id](ApiClient& api) {
      ctx.show(api.call("GET", "/api/v1/agents/" + escape(*id)));
      return kExitOk;
    };
  });

  auto patch = std::make_shared<AgentFields>();
  auto* p = group->add_subcommand("patch", "change an agent's fields (others keep their value)");
  p->add_option("id", *id, "agent id")->required();
  addFieldOptions(p, *patch, false);
  p->add_flag("--clear-outbound-number", patch->clearOutbound, "remove the caller ID");
  p->callback([&ctx, id, patch] {
    ctx.action = [&ctx, id, patch](ApiClient& api) {
      const std::string body = patch->body();
      ctx.show(api.call("PATCH", "/api/v1/agents/" + escape(*id), 200, &body));
      return kExitOk;
    };
  });

  auto force = std::make_shared<bool>(false);
  auto* r = group->add_subcommand("rm", "delete an agent");
  r->add_option("id", *id, "agent id")->required();
  r->add_flag("--force", *force, "also unlink its numbers (their calls get 480)");
  r->callback([&ctx, id, force] {
    ctx.action = [&ctx, id, force](ApiClient& api) {
      api.call("DELETE", "/api/v1/agents/" + escape(*id) + forceSuffix(*force), 204);
      ctx.deleted("agent", *id);
      return kExitOk;
    };
  });
}

struct Explain {
  std::string number, source = "127.0.0.1", from;
};

void addRoute(CLI::App& app, Context& ctx) {
  auto* group = app.add_subcommand("route", "call routing");
  group->require_subcommand(1);
  auto e = std::make_shared<Explain>();
  auto* c = group->add_subcommand("explain", "what the gateway answers an INVITE for NUMBER");
  c->add_option("number", e->number, "called number or sip:/tel: URI")->required();
  c->add_option("--source", e->source, "the caller's IP address (the ACL depends on it)")
      ->capture_default_str();
  c->add_option("--from", e->from, "caller number (only echoed)");
  c->callback([&ctx, e] {
    ctx.action = [&ctx, e](ApiClient& api) {
      std::string q = "to=" + escape(e->number) + "&source=" + escape(e->source);
      if (!e->from.empty()) q += "&from=" + escape(e->from);
      ctx.show(api.call("GET", "/api/v1/routes/explain?" + q));
      return kExitOk;
    };
  });
}

}  // namespace

void addAgentCommands(CLI::App& app, Context& ctx) {
  addAgents(app, ctx);
  addRoute(app, ctx);
}

}  // namespace gw::ctl
