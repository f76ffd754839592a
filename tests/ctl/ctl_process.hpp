#pragma once
// Runs gatewayctl as a process to its end: its exit status, and stdout and stderr apart
// (a JSON answer on stdout must parse while progress lines go to stderr). HOME and
// XDG_CONFIG_HOME point into `home`, so no config file of the machine is read.
#include <string>
#include <utility>
#include <vector>

#include "harness/child_process.hpp"

namespace gw::integration {

struct CtlResult {
  ExitStatus status;
  std::string out;
  std::string err;
  std::string describe() const;  // everything, secrets redacted, for assertion messages
};

struct CtlRun {
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
  std::string home;  // required: a temporary directory
};

CtlResult runCtl(const CtlRun& run);

}  // namespace gw::integration
