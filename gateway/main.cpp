#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "gateway/app.hpp"
#include "gateway/config.hpp"
#include "gateway/master_key.hpp"
#include "gateway/version.hpp"

extern char** environ;

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 1 && args.front() == "--version") {
    // "gatewayd 0.1.0 (git v0.1.0-3-gabc1234)"; without a git checkout at build, the version.
    const std::string git = gw::gateway::kGitDescribe;
    std::printf("gatewayd %s%s\n", gw::gateway::kVersion,
                git.empty() ? "" : (" (git " + git + ")").c_str());
    return 0;
  }
  const bool rotateKey = !args.empty() && args.front() == "rotate-key";
  if (rotateKey) args.erase(args.begin());
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq != std::string::npos) env.emplace(kv.substr(0, eq), kv.substr(eq + 1));
  }
  auto config = gw::gateway::parseConfig(args, env);
  if (!config) {
    std::fprintf(stderr, "gatewayd: %s\n", config.error().message.c_str());
    return gw::gateway::kExitBadSetting;
  }
  if (config->help) {
    std::fputs(gw::gateway::helpText().c_str(), stdout);
    return 0;
  }
  if (rotateKey) return gw::gateway::rotateMasterKey(*config);
  return gw::gateway::runGateway(*config);
}
