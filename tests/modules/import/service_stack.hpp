#pragma once
// The import service wired as gatewayd wires it (curl multi, Twilio client, directory
// sync, write path, module context) on a test's io_context, store and routing table, against the
// Twilio at `config`'s URLs. Members go in reverse order: the service first.
#include <vector>

#include <boost/asio/io_context.hpp>

#include "twilio/curl_client.hpp"
#include "modules/admin/attach_journal.hpp"
#include "modules/admin/directory_sync.hpp"
#include "modules/admin/local_write_path.hpp"
#include "modules/import/import_service.hpp"
#include "modules/admin/context.hpp"
#include "twilio/twilio_client.hpp"
#include "sip/directory.hpp"
#include "sip/routing_table.hpp"
#include "store/store.hpp"

namespace gw::import::testing {

struct ServiceStack {
  ServiceStack(boost::asio::io_context& io, store::Store& store, sip::RoutingTable& routes,
               const twilio::TwilioConfig& config)
      : curl(io),
        twilio(io, curl, config),
        directorySync(io, store, directory, std::vector<sip::Cidr>{}),
        writes(store, routes, directorySync),
        journal(store),
        ctx{io, store, routes, twilio, "sip:gw", directorySync, writes, journal},
        service(ctx) {}

  twilio::CurlClient curl;
  twilio::TwilioClient twilio;
  sip::DirectoryHolder directory;
  admin::DirectorySync directorySync;
  admin::LocalWritePath writes;
  admin::AttachJournal journal;
  admin::Context ctx;
  ImportService service;
};

}  // namespace gw::import::testing
