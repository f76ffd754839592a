#pragma once
// gatewayd's wiring: the store, the routing table rebuilt from it, the Twilio client, the
// admin HTTP listener with its modules, and signal handling. The control thread (the one
// calling run()) owns the admin listener, the Twilio client and every LMDB write.
#include "gateway/config.hpp"

namespace gw::gateway {

// gatewayd's exit codes (docs/operations.md lists them for operators and supervisors).
inline constexpr int kExitStopped = 0;       // SIGTERM or SIGINT: a clean stop
inline constexpr int kExitBadSetting = 2;    // a flag, variable, token or tokens file
inline constexpr int kExitDataDir = 3;       // the data directory or store cannot be used
inline constexpr int kExitCannotListen = 4;  // an admin or SIP address cannot be bound
// The master key file is missing, unreadable or malformed, or does not decrypt the store.
inline constexpr int kExitMasterKey = 5;

// Runs until SIGTERM/SIGINT; returns the process exit code.
int runGateway(const Config& config);

}  // namespace gw::gateway
