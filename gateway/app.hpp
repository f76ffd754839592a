#pragma once
// gatewayd's wiring: the store, the routing table rebuilt from it, the Twilio client, the
// admin HTTP listener with its modules, and signal handling. The control thread (the one
// calling run()) owns the admin listener, the Twilio client and every LMDB write.
#include "gateway/config.hpp"

namespace gw::gateway {

// Runs until SIGTERM/SIGINT; returns the process exit code.
int runGateway(const Config& config);

}  // namespace gw::gateway
