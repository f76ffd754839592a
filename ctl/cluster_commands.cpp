// gatewayctl cluster status: the nodes that share the number registry (GET /api/v1/cluster).
#include <string>
#include <vector>

#include "ctl/command_context.hpp"
#include "ctl/import_command.hpp"

namespace gw::ctl {
namespace {

std::string text(const rapidjson::Value& object, const char* path) {
  return cellText(memberAt(object, path));
}

// The table: a row per node (the leader marked "*"), then a line about the cluster as a
// whole, and a warning when the answering node cannot reach etcd.
void printStatus(std::ostream& out, const rapidjson::Value& status) {
  const std::string mode = text(status, "mode");
  const auto* leader = memberAt(status, "leader");
  const std::string leaderId = leader != nullptr && leader->IsString() ? leader->GetString() : "";
  std::vector<std::vector<std::string>> rows = {
      {"NODE", "LIVE", "LEADER", "SIP URI", "APPLIED", "LAG", "VERSION"}};
  // Without etcd the answering node knows no revision, so no lag either.
  const auto* reachable = memberAt(status, "etcdReachable");
  const bool unreachable = reachable != nullptr && reachable->IsBool() && !reachable->GetBool();
  const auto* nodes = memberAt(status, "nodes");
  if (nodes != nullptr && nodes->IsArray()) {
    for (const auto& n : nodes->GetArray()) {
      const std::string id = text(n, "nodeId");
      const auto* live = memberAt(n, "live");
      std::string liveText = live != nullptr && live->IsBool() && live->GetBool() ? "yes" : "no";
      if (memberAt(n, "goneSince") != nullptr) liveText += " (gone " + text(n, "goneSince") + ")";
      rows.push_back({id, liveText, !leaderId.empty() && id == leaderId ? "*" : "",
                      text(n, "publicSipUri"), text(n, "appliedRevision"),
                      unreachable ? "-" : text(n, "lag"), text(n, "version")});
    }
  }
  printRows(out, rows);
  if (mode == "cluster") {
    out << "cluster: answered by " << text(status, "nodeId") << ", leader "
        << (leaderId.empty() ? "none" : leaderId);
    if (unreachable) {
      out << "\netcd cannot be reached from " << text(status, "nodeId")
          << ": writes answer 503, calls keep being routed\n";
    } else {
      out << ", etcd revision " << text(status, "revision") << "\n";
    }
  } else {
    out << "single node " << text(status, "nodeId") << " (no --etcd-endpoints)\n";
  }
}

}  // namespace

void addClusterCommands(CLI::App& app, Context& ctx) {
  auto* group = app.add_subcommand("cluster", "the gateway nodes that share the registry");
  group->require_subcommand(1);
  auto* s = group->add_subcommand(
      "status", "list the nodes: live, leader, SIP URI, applied etcd revision and lag");
  s->callback([&ctx] {
    ctx.action = [&ctx](ApiClient& api) {
      const rapidjson::Document status = api.call("GET", "/api/v1/cluster");
      if (ctx.fmt() == Format::kJson) {
        printJson(ctx.out, status);
      } else {
        printStatus(ctx.out, status);
      }
      return kExitOk;
    };
  });
}

}  // namespace gw::ctl
