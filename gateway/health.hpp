#pragma once
// GET /readyz: whether gatewayd can do its work - the store open and readable, the routing
// table loaded from it, SIP listening. Control thread.
#include <string>
#include <utility>
#include <vector>

namespace gw::gateway {

struct ReadinessCheck {
  std::string name;  // "store", "routingTable", "sip"
  bool ready = false;
  std::string detail;  // what is wrong and what to do; empty when ready
};

// Whether admin writes can succeed now. A cluster node whose etcd cannot be reached still
// routes every known number and serves reads, so it stays ready; only its writes are not.
struct WriteReadiness {
  bool available = true;
  std::string detail;  // why not, and what to do; empty when available
};

// 200 {"status":"ready","writes":"available","checks":{"store":"ready",...}}, or 503
// {"status":"not ready","notReady":[{"check":"sip","detail":"..."}],"checks":{...}}; when
// writes are unavailable, "writes":"unavailable" and "writesDetail" say why.
std::pair<int, std::string> readinessJson(const std::vector<ReadinessCheck>& checks,
                                          const WriteReadiness& writes = {});

}  // namespace gw::gateway
