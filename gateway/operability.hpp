#pragma once
// GET /readyz and GET /metrics on the admin listener: what they read and their routes.
// Both handlers run on the control thread.
#include <memory>

#include "gateway/http/router.hpp"

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

// What the two routes read; all of it must outlive the router.
struct OperabilitySources {
  const AdminMetrics& admin;
  const import::ImportMetrics& imports;
  const twilio::TwilioClient& twilio;
  const sip::RoutingTable& routes;
  const store::Store& store;
  const bool& routesLoaded;
  const std::unique_ptr<sip::Server>& sip;  // set once SIP listens
};

// GET /readyz (no token, like /healthz) and GET /metrics (an admin token: auth.cpp).
void registerOperability(http::Router& router, OperabilitySources sources);

}  // namespace gw::gateway
