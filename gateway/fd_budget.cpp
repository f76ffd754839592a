#include "gateway/fd_budget.hpp"

#include <sys/resource.h>

#include <algorithm>

namespace gw::gateway {

uint64_t raiseDescriptorLimit() {
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) != 0) return 1024;
  if (r.rlim_cur < r.rlim_max) {
    rlimit raised = r;
    raised.rlim_cur = r.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) r = raised;
  }
  return r.rlim_cur == RLIM_INFINITY ? uint64_t{1} << 20 : static_cast<uint64_t>(r.rlim_cur);
}

DescriptorBudget budgetFor(uint64_t limit, const Config& config) {
  DescriptorBudget b;
  b.limit = limit;
  // A tiny limit keeps half for the reserve rather than nothing for connections.
  const uint64_t usable =
      limit > 2 * kReservedDescriptors ? limit - kReservedDescriptors : limit / 2;
  const size_t workers = std::max<size_t>(1, config.sipWorkers);
  // A quarter for the admin API, half for SIP peers that connect, a quarter (at most 1024
  // a worker, the previous fixed cap) for the connections the workers open themselves.
  b.adminConnections = std::max<uint64_t>(1, usable / 4);
  b.sipTcpConnections = std::max<uint64_t>(1, usable / 2);
  b.sipOutboundPerWorker = std::clamp<uint64_t>(usable / 4 / workers, 1, 1024);
  if (config.adminMaxConnections != 0) b.adminConnections = config.adminMaxConnections;
  if (config.sipTcpMaxConnections != 0) b.sipTcpConnections = config.sipTcpMaxConnections;
  // An eighth per address: one address (or seven) cannot fill a listener.
  b.adminPerSource = config.adminMaxConnectionsPerSource != 0
                         ? config.adminMaxConnectionsPerSource
                         : std::max<size_t>(1, b.adminConnections / 8);
  b.sipTcpPerSource = config.sipTcpMaxConnectionsPerSource != 0
                          ? config.sipTcpMaxConnectionsPerSource
                          : std::max<size_t>(1, b.sipTcpConnections / 8);
  return b;
}

std::string describe(const DescriptorBudget& b) {
  return "file descriptor limit " + std::to_string(b.limit) + " (" +
         std::to_string(kReservedDescriptors) + " reserved); admin connections " +
         std::to_string(b.adminConnections) + " (" + std::to_string(b.adminPerSource) +
         " per address); SIP TCP connections accepted " + std::to_string(b.sipTcpConnections) +
         " (" + std::to_string(b.sipTcpPerSource) + " per address), opened " +
         std::to_string(b.sipOutboundPerWorker) + " per worker";
}

void apply(const DescriptorBudget& b, http::ServerOptions& admin, sip::ServerOptions& sip) {
  admin.maxConnections = b.adminConnections;
  admin.maxConnectionsPerSource = b.adminPerSource;
  sip.tcp.maxInboundConnections = b.sipTcpConnections;
  sip.tcp.maxInboundPerSource = b.sipTcpPerSource;
  sip.tcp.maxOutboundConnections = b.sipOutboundPerWorker;
}

}  // namespace gw::gateway
