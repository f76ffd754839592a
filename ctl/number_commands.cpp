// gatewayctl numbers ..., link, unlink.
#include <memory>

#include "ctl/command_context.hpp"
#include "ctl/import_command.hpp"

namespace gw::ctl {
namespace {

const std::vector<Column> kNumberColumns = {{"ID", "id"},
                                            {"NUMBER", "phoneNumber"},
                                            {"SID", "phoneNumberSid"},
                                            {"PROVIDER", "providerId"},
                                            {"AGENT", "incomingCallsAgentId"}};

bool looksLikeUuid(const std::string& s) {
  return s.size() == 36 && s[8] == '-' && s[13] == '-' && s[18] == '-' && s[23] == '-';
}

// A number given by id, or by its E.164 number (separators and a missing '+' accepted).
rapidjson::Document findNumber(ApiClient& api, const std::string& idOrNumber) {
  if (looksLikeUuid(idOrNumber)) {
    return api.call("GET", "/api/v1/sip-phone-numbers/" + escape(idOrNumber));
  }
  auto page = api.call("GET", "/api/v1/sip-phone-numbers?take=1&phoneNumber=" + escape(idOrNumber));
  const auto* items = memberAt(page, "items");
  if (items == nullptr || !items->IsArray() || items->Empty()) {
    throw ApiError(404,
                   "no imported number " + idOrNumber +
                       ": give a number id or an imported E.164 number (gatewayctl numbers list)");
  }
  rapidjson::Document one;
  one.CopyFrom((*items)[0], one.GetAllocator());
  return one;
}

std::string idOf(const rapidjson::Value& record) {
  return cellText(memberAt(record, "id"));
}

void addImport(CLI::App* group, Context& ctx) {
  auto opt = std::make_shared<ImportOptions>();
  auto progress = std::make_shared<std::string>("auto");
  auto* c = group->add_subcommand(
      "import", "import the SIDs of a file (one per line, any number) into a provider");
  c->add_option("--provider", opt->providerId, "provider id")->required();
  c->add_option("--file", opt->file, "file of phone number SIDs, one per line ('#' comments)")
      ->required();
  c->add_option("--retry-file", opt->retryFile,
                "where the failed SIDs and their reasons go (default <file>.retry)");
  c->add_option("--chunk-size", opt->chunkSize, "SIDs per request, 1 to 10000")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  c->add_option("--progress", *progress, "auto (a bar on a terminal), bar, lines or none")
      ->check(CLI::IsMember({"auto", "bar", "lines", "none"}));
  c->callback([&ctx, opt, progress] {
    ctx.action = [&ctx, opt, progress](ApiClient& api) {
      const std::string& p = *progress;
      opt->progress = p == "bar"     ? ProgressMode::kBar
                      : p == "lines" ? ProgressMode::kLines
                      : p == "none"  ? ProgressMode::kNone
                                     : ProgressMode::kAuto;
      return runImport(api, *opt, ctx.fmt(), ctx.out, ctx.err);
    };
  });
}

struct ListFilters {
  std::string provider, number, agent;
  bool unlinked = false;
  Paging paging;
};

void addList(CLI::App* group, Context& ctx) {
  auto f = std::make_shared<ListFilters>();
  auto* c = group->add_subcommand("list", "list imported numbers (ordered by number)");
  c->add_option("--provider", f->provider, "only this provider's numbers");
  c->add_option("--number", f->number, "only this E.164 number");
  c->add_option("--agent", f->agent, "only numbers linked to this agent");
  c->add_flag("--unlinked", f->unlinked, "only numbers linked to no agent");
  addPaging(c, f->paging);
  c->callback([&ctx, f] {
    ctx.action = [&ctx, f](ApiClient& api) {
      std::string q = f->paging.query();
      if (!f->provider.empty()) q += "&providerId=" + escape(f->provider);
      if (!f->number.empty()) q += "&phoneNumber=" + escape(f->number);
      if (!f->agent.empty()) q += "&linkedAgentId=" + escape(f->agent);
      if (f->unlinked) q += "&unlinkedOnly=true";
      ctx.list(api.call("GET", "/api/v1/sip-phone-numbers?" + q), kNumberColumns);
      return kExitOk;
    };
  });
}

void addShowRm(CLI::App* group, Context& ctx) {
  auto id = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  auto* s = group->add_subcommand("show", "show one number");
  s->add_option("number", *id, "number id or E.164 number")->required();
  s->callback([&ctx, id] {
    ctx.action = [&ctx, id](ApiClient& api) {
      ctx.show(findNumber(api, *id));
      return kExitOk;
    };
  });
  auto* r = group->add_subcommand("rm", "detach a number from its trunk and delete it");
  r->add_option("number", *id, "number id or E.164 number")->required();
  r->add_flag("--force", *force, "also clear agents' caller IDs that use it");
  r->callback([&ctx, id, force] {
    ctx.action = [&ctx, id, force](ApiClient& api) {
      auto n = findNumber(api, *id);
      const std::string numberId = idOf(n);
      api.call("DELETE",
               "/api/v1/providers/twilio/" + escape(cellText(memberAt(n, "providerId"))) +
                   "/phone-numbers/" + escape(numberId) + forceSuffix(*force),
               204);
      ctx.deleted("number", numberId);
      return kExitOk;
    };
  });
}

void addLinks(CLI::App& app, Context& ctx) {
  auto number = std::make_shared<std::string>();
  auto agent = std::make_shared<std::string>();
  auto* l = app.add_subcommand("link", "send a number's inbound calls to an agent");
  l->add_option("number", *number, "number id or E.164 number")->required();
  l->add_option("agent", *agent, "agent id")->required();
  l->callback([&ctx, number, agent] {
    ctx.action = [&ctx, number, agent](ApiClient& api) {
      const std::string id = idOf(findNumber(api, *number));
      ctx.show(api.call("PUT", "/api/v1/sip-phone-numbers/" + escape(id) +
                                   "/agent-link?agentId=" + escape(*agent)));
      return kExitOk;
    };
  });
  auto* u = app.add_subcommand("unlink", "unlink a number from its agent (calls get 480)");
  u->add_option("number", *number, "number id or E.164 number")->required();
  u->callback([&ctx, number] {
    ctx.action = [&ctx, number](ApiClient& api) {
      const std::string id = idOf(findNumber(api, *number));
      api.call("DELETE", "/api/v1/sip-phone-numbers/" + escape(id) + "/agent-link", 204);
      ctx.show(findNumber(api, id));
      return kExitOk;
    };
  });
}

}  // namespace

void addNumberCommands(CLI::App& app, Context& ctx) {
  auto* group = app.add_subcommand("numbers", "imported phone numbers");
  group->require_subcommand(1);
  addImport(group, ctx);
  addList(group, ctx);
  addShowRm(group, ctx);
  addLinks(app, ctx);
}

}  // namespace gw::ctl
