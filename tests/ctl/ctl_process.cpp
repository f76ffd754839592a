#include "ctl_process.hpp"

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "harness/test_values.hpp"

namespace gw::integration {

std::string CtlResult::describe() const {
  return redact("gatewayctl " + status.describe() + "\n--- stdout:\n" + out.substr(0, 4000) +
                "\n--- stderr:\n" + err.substr(0, 4000));
}

CtlResult runCtl(const CtlRun& run) {
  ProcessSpec spec;
  spec.name = "gatewayctl";
  // The harness captures stdout and stderr together; sh sends stderr to a file instead.
  spec.path = "/bin/sh";
  const std::string errFile = run.home + "/gatewayctl.stderr";
  spec.args = {"-c", "exec \"$0\" \"$@\" 2>\"$CTL_STDERR\"",
               std::string(GW_BIN_DIR) + "/gatewayctl"};
  spec.args.insert(spec.args.end(), run.args.begin(), run.args.end());
  spec.scrubEnvPrefixes = {"GATEWAY_", "TWILIO_", "XDG_"};
  spec.env = {
      {"HOME", run.home}, {"XDG_CONFIG_HOME", run.home + "/.config"}, {"CTL_STDERR", errFile}};
  spec.env.insert(spec.env.end(), run.env.begin(), run.env.end());
  ChildProcess process(spec);
  auto status = process.waitForExit(std::chrono::minutes(4));
  if (!status) {
    process.kill();
    throw std::runtime_error("gatewayctl did not finish within 4 minutes:\n" +
                             redact(process.output()));
  }
  CtlResult r{*status, process.output(), ""};
  std::ifstream in(errFile);
  std::stringstream ss;
  ss << in.rdbuf();
  r.err = ss.str();
  return r;
}

}  // namespace gw::integration
