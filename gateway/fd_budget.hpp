#pragma once
// How gatewayd shares out its file descriptors. At start the soft RLIMIT_NOFILE is raised
// to the hard limit; a reserve is kept for the store, curl (Twilio), DNS, logging and the
// listening sockets, and the rest is split between the admin listener, accepted SIP TCP
// connections and the SIP workers' own outgoing connections, so that no listener can run
// the process out of descriptors. Called once, on the main thread, before anything listens.
#include <cstddef>
#include <cstdint>
#include <string>

#include "gateway/config.hpp"
#include "gateway/http/server.hpp"
#include "sip/server.hpp"

namespace gw::gateway {

// Descriptors never given to connections: LMDB, curl's transfers (concurrency per
// account), resolver sockets, stderr, the listeners, timers and spare descriptors.
inline constexpr uint64_t kReservedDescriptors = 512;

struct DescriptorBudget {
  uint64_t limit = 0;  // the soft RLIMIT_NOFILE in force
  size_t adminConnections = 0;
  size_t adminPerSource = 0;
  size_t sipTcpConnections = 0;  // accepted, all workers together
  size_t sipTcpPerSource = 0;
  size_t sipOutboundPerWorker = 0;
};

// Raises the soft limit to the hard one; returns the soft limit in force afterwards.
uint64_t raiseDescriptorLimit();

// The defaults derived from `limit`, with the caps the configuration sets explicitly.
DescriptorBudget budgetFor(uint64_t limit, const Config& config);

// One line for the log: the limit and every cap.
std::string describe(const DescriptorBudget& budget);

void apply(const DescriptorBudget& budget, http::ServerOptions& admin, sip::ServerOptions& sip);

}  // namespace gw::gateway
