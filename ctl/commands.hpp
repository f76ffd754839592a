#pragma once
// The gatewayctl command line: parses the arguments (CLI11), resolves the URL and token,
// runs one command against the admin API and answers the process exit code (see
// import_command.hpp for the codes). Single-threaded.
#include <ostream>

namespace gw::ctl {

int runCli(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace gw::ctl
