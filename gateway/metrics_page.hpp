#pragma once
// GET /metrics: every gateway_* family in Prometheus text format 0.0.4. Runs on the
// control thread, which owns the admin, import and Twilio figures; the SIP workers'
// counters are relaxed atomics read without a lock, so a scrape never slows a call.
#include <memory>
#include <string>

namespace gw::sip {
class RoutingTable;
class Server;
}  // namespace gw::sip
namespace gw::store {
class Store;
}
namespace gw::twilio {
class TwilioClient;
}
namespace gw::import {
class ImportMetrics;
}

namespace gw::gateway {

class AdminMetrics;

// What the metrics read; all of it must outlive whoever renders them.
struct MetricsSources {
  const AdminMetrics& admin;
  const import::ImportMetrics& imports;
  const twilio::TwilioClient& twilio;
  const sip::RoutingTable& routes;
  const store::Store& store;
  const std::unique_ptr<sip::Server>& sip;  // set once SIP listens
};

std::string renderMetrics(const MetricsSources& sources);

}  // namespace gw::gateway
