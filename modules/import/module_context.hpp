#pragma once
// What the import module's services share. Everything here lives on the control thread.
#include <string>

#include <boost/asio/io_context.hpp>

namespace gw::store {
class Store;
}
namespace gw::sip {
class RoutingTable;
struct ProxyOptions;
}
namespace gw::twilio {
class Api;
}
namespace gw::import {
class DirectorySync;
}

namespace gw::import {

struct ModuleContext {
  boost::asio::io_context& io;
  store::Store& store;
  sip::RoutingTable& routes;
  twilio::Api& twilio;  // TwilioClient in gatewayd; a fake in some tests
  std::string publicSipUri;  // where the origination URL of a created trunk points
  // Publishes agents and providers to the SIP workers; call after committing a change of
  // either (providers' allowedAddresses and termination URIs, agents).
  DirectorySync& directory;
  // The SIP listener as the proxy sees it (filled once it is bound, before any request is
  // served): agent URIs that point back at it are refused. Null: no check.
  const sip::ProxyOptions* sipSelf = nullptr;
};

}  // namespace gw::import
