#pragma once
// What the gatewayctl commands share while the command line is parsed: where output goes,
// its format, and the one action the chosen subcommand registers to run afterwards.
// Single-threaded.
#include <CLI/CLI.hpp>

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "ctl/api_client.hpp"
#include "ctl/output.hpp"

namespace gw::ctl {

using Action = std::function<int(ApiClient&)>;
using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

struct Context {
  std::ostream& out;
  std::ostream& err;
  std::string format = "table";
  Action action;

  Format fmt() const { return format == "json" ? Format::kJson : Format::kTable; }
  void show(const rapidjson::Value& record) const;
  void list(const rapidjson::Value& page, const std::vector<Column>& columns) const;
  void deleted(const std::string& what, const std::string& id) const;
};

// A JSON object body written by `members`.
std::string jsonObject(const std::function<void(JsonWriter&)>& members);
// "?force=true" or "".
std::string forceSuffix(bool force);

struct Paging {
  int skip = 0;
  int take = 20;
  std::string query() const {
    return "skip=" + std::to_string(skip) + "&take=" + std::to_string(take);
  }
};
void addPaging(CLI::App* cmd, Paging& paging);

// Each adds its subcommands to `app`; the chosen one sets ctx.action.
void addProviderCommands(CLI::App& app, Context& ctx);
void addNumberCommands(CLI::App& app, Context& ctx);
void addAgentCommands(CLI::App& app, Context& ctx);
void addClusterCommands(CLI::App& app, Context& ctx);

}  // namespace gw::ctl
