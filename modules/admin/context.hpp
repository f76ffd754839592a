#pragma once
// What the admin modules' services share. Everything here lives on the control thread.
// The store, the routing table and the directory are read-only here: every change goes
// through `writes` (write_path.hpp), which alone commits, routes and publishes.
#include <string>

#include <boost/asio/io_context.hpp>

#include "modules/admin/write_path.hpp"

namespace gw::store {
class Store;
}
namespace gw::sip {
class RoutingTable;
struct ProxyOptions;
}  // namespace gw::sip
namespace gw::twilio {
class Api;
}

namespace gw::admin {

class AttachJournal;
class DirectorySync;
class Idempotency;

struct Context {
  boost::asio::io_context& io;
  const store::Store& store;
  const sip::RoutingTable& routes;
  twilio::Api& twilio;       // TwilioClient in gatewayd; a fake in some tests
  std::string publicSipUri;  // where the origination URL of a created trunk points
  // The SIP directory as published, and agent host look-ups (cached).
  const DirectorySync& directory;
  WritePath& writes;
  AttachJournal& journal;  // this node's Twilio work in flight (attach_journal.hpp)
  // The SIP listener as the proxy sees it (filled once it is bound, before any request is
  // served): agent URIs that point back at it are refused. Null: no check.
  const sip::ProxyOptions* sipSelf = nullptr;
  // Idempotency-Key on the POSTs that import or create (idempotency.hpp). Null: the header
  // is ignored (some tests).
  Idempotency* idempotency = nullptr;
};

}  // namespace gw::admin
