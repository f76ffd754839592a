#pragma once
// GET /readyz: whether gatewayd can do its work - the store open and readable, the routing
// table loaded from it, SIP listening. Control thread.
#include <string>
#include <utility>
#include <vector>

namespace gw::gateway {

struct ReadinessCheck {
  std::string name;    // "store", "routingTable", "sip"
  bool ready = false;
  std::string detail;  // what is wrong and what to do; empty when ready
};

// 200 {"status":"ready","checks":{"store":"ready",...}}, or 503
// {"status":"not ready","notReady":[{"check":"sip","detail":"..."}],"checks":{...}}.
std::pair<int, std::string> readinessJson(const std::vector<ReadinessCheck>& checks);

}  // namespace gw::gateway
