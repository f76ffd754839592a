#include "ctl/commands.hpp"

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "ctl/api_client.hpp"
#include "ctl/command_context.hpp"
#include "ctl/import_command.hpp"
#include "ctl/output.hpp"
#include "ctl/settings.hpp"

namespace gw::ctl {

void Context::show(const rapidjson::Value& record) const {
  fmt() == Format::kJson ? printJson(out, record) : printRecord(out, record);
}

void Context::list(const rapidjson::Value& page, const std::vector<Column>& columns) const {
  fmt() == Format::kJson ? printJson(out, page) : printTable(out, page, columns);
}

void Context::deleted(const std::string& what, const std::string& id) const {
  if (fmt() == Format::kJson) {
    out << "{\"deleted\":\"" << id << "\"}\n";
  } else {
    out << "deleted " << what << " " << id << "\n";
  }
}

std::string jsonObject(const std::function<void(JsonWriter&)>& members) {
  rapidjson::StringBuffer sb;
  JsonWriter w(sb);
  w.StartObject();
  members(w);
  w.EndObject();
  return sb.GetString();
}

std::string forceSuffix(bool force) {
  return force ? "?force=true" : "";
}

void addPaging(CLI::App* cmd, Paging& paging) {
  cmd->add_option("--skip", paging.skip, "records to skip")->check(CLI::NonNegativeNumber);
  cmd->add_option("--take", paging.take, "records to show, 1 to 1000 (default 20)")
      ->check(CLI::Range(1, 1000));
}

// ---- providers ----------------------------------------------------------------------

void addProviderCommands(CLI::App& app, Context& ctx) {
  auto* group = app.add_subcommand("providers", "Twilio providers (accounts)");
  group->require_subcommand(1);

  struct Add {
    std::string accountSid, authToken, name, region, trunkSid;
    std::vector<std::string> allowed;
    bool transfer = false;
  };
  auto add = std::make_shared<Add>();
  auto* c = group->add_subcommand("add", "add a Twilio account (checks its credentials)");
  c->add_option("--account-sid", add->accountSid, "AC... of the Twilio account")->required();
  c->add_option("--auth-token", add->authToken, "its auth token (default: $TWILIO_AUTH_TOKEN)")
      ->envname("TWILIO_AUTH_TOKEN")
      ->required();
  c->add_option("--name", add->name, "display name (default: the account's friendly name)");
  c->add_option("--region", add->region, "us1 us2 ie1 de1 au1 jp1 br1 sg1");
  c->add_option("--trunk-sid", add->trunkSid, "adopt this existing trunk instead of creating one");
  c->add_option("--allowed-address", add->allowed,
                "address or CIDR that may send calls (repeat; default: Twilio's ranges)");
  c->add_flag("--supports-call-transfer", add->transfer, "the account may transfer calls");
  c->callback([&ctx, add] {
    ctx.action = [&ctx, add](ApiClient& api) {
      const std::string body = jsonObject([&](JsonWriter& w) {
        w.Key("accountSid");
        w.String(add->accountSid.c_str());
        w.Key("authToken");
        w.String(add->authToken.c_str());
        if (!add->name.empty()) {
          w.Key("name");
          w.String(add->name.c_str());
        }
        if (!add->region.empty()) {
          w.Key("region");
          w.String(add->region.c_str());
        }
        if (!add->trunkSid.empty()) {
          w.Key("trunkSid");
          w.String(add->trunkSid.c_str());
        }
        if (add->transfer) {
          w.Key("supportsCallTransfer");
          w.Bool(true);
        }
        if (!add->allowed.empty()) {
          w.Key("allowedAddresses");
          w.StartArray();
          for (const auto& a : add->allowed) w.String(a.c_str());
          w.EndArray();
        }
      });
      ctx.show(api.call("POST", "/api/v1/providers/twilio", 201, &body));
      return kExitOk;
    };
  });

  auto paging = std::make_shared<Paging>();
  auto* l = group->add_subcommand("list", "list the providers (oldest first)");
  addPaging(l, *paging);
  l->callback([&ctx, paging] {
    ctx.action = [&ctx, paging](ApiClient& api) {
      ctx.list(api.call("GET", "/api/v1/providers?" + paging->query()),
               {{"ID", "id"},
                {"NAME", "name"},
                {"ACCOUNT", "accountSid"},
                {"TRUNK", "trunkSid"},
                {"NUMBERS", "phoneNumberCount"},
                {"STATUS", "verificationStatus"}});
      return kExitOk;
    };
  });

  auto id = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  auto* s = group->add_subcommand("show", "show one provider");
  s->add_option("id", *id, "provider id")->required();
  s->callback([&ctx, id] {
    ctx.action = [&ctx, id](ApiClient& api) {
      ctx.show(api.call("GET", "/api/v1/providers/" + escape(*id)));
      return kExitOk;
    };
  });
  auto* r = group->add_subcommand("rm", "delete a provider, its trunk (if created) and numbers");
  r->add_option("id", *id, "provider id")->required();
  r->add_flag("--force", *force, "also unlink the agents that use its numbers");
  r->callback([&ctx, id, force] {
    ctx.action = [&ctx, id, force](ApiClient& api) {
      api.call("DELETE", "/api/v1/providers/" + escape(*id) + forceSuffix(*force), 204);
      ctx.deleted("provider", *id);
      return kExitOk;
    };
  });
}

int runCli(int argc, char** argv, std::ostream& out, std::ostream& err) {
  CLI::App app{
      "gatewayctl: administers a gatewayd through its admin API.\n"
      "URL and token: --url/--token, else GATEWAY_URL/GATEWAY_TOKEN, else the config\n"
      "file (~/.config/gatewayctl/config: 'url = ...' and 'token = ...' lines, mode 0600).\n"
      "Exit codes: 0 done, 1 the gateway refused or could not be reached, 2 bad\n"
      "arguments or configuration, 3 an import where some SIDs failed."};
  Context ctx{out, err};
  SettingsSources sources;
  app.add_option("--url", sources.flagUrl, "gateway admin URL (default http://127.0.0.1:8080)");
  app.add_option("--token", sources.flagToken,
                 "admin token (prefer GATEWAY_TOKEN: flags show in ps)");
  app.add_option("--config", sources.configPath,
                 "config file (default " + defaultConfigPath() + ")");
  app.add_option("-o,--output", ctx.format, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  app.require_subcommand(1);
  addProviderCommands(app, ctx);
  addNumberCommands(app, ctx);
  addAgentCommands(app, ctx);
  addClusterCommands(app, ctx);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e, out, err);
    return code == 0 ? kExitOk : kExitUsage;
  }
  Settings settings;
  try {
    settings = resolveSettings(sources);
  } catch (const std::exception& e) {
    err << "gatewayctl: " << e.what() << "\n";
    return kExitUsage;
  }
  try {
    ApiClient api(std::move(settings));
    return ctx.action ? ctx.action(api) : kExitUsage;
  } catch (const ApiError& e) {
    err << "gatewayctl: " << e.what() << "\n";
    return kExitError;
  } catch (const std::invalid_argument& e) {
    err << "gatewayctl: " << e.what() << "\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    err << "gatewayctl: " << e.what() << "\n";
    return kExitError;
  }
}

}  // namespace gw::ctl
