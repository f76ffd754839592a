#pragma once
// The admin layer wired as gatewayd wires it (directory sync, the local write path, the
// attachment journal, the services' Context) on a test's own LMDB store in a temp dir,
// with whatever Twilio the test hands it (FakeTwilio, or a wrapper of it). Members are
// destroyed in reverse order: the context first, the temp dir last.
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "modules/admin/attach_journal.hpp"
#include "modules/admin/context.hpp"
#include "modules/admin/directory_sync.hpp"
#include "modules/admin/local_write_path.hpp"
#include "sip/directory.hpp"
#include "sip/routing_table.hpp"
#include "store/store.hpp"
#include "tests/support/temp_dir.hpp"

namespace gw::admin::testing {

struct AdminStack {
  AdminStack(twilio::Api& twilio, const std::string& dirName)
      : dir(dirName),
        store(store::Store::open(dir.path(), store::StoreOptions{size_t{64} << 20, false})),
        sync(io, *store, directory, std::vector<sip::Cidr>{}),
        writes(*store, routes, sync),
        journal(*store),
        ctx{io, *store, routes, twilio, "sip:gw", sync, writes, journal} {}

  // Runs `task` on `io` until it is done; rethrows what it threw.
  template <typename T>
  T run(boost::asio::awaitable<T> task) {
    std::optional<T> out;
    std::exception_ptr error;
    boost::asio::co_spawn(
        io, [&]() -> boost::asio::awaitable<void> { out.emplace(co_await std::move(task)); },
        [&](std::exception_ptr e) { error = e; });
    io.restart();
    io.run();
    if (error) std::rethrow_exception(error);
    return std::move(*out);
  }

  testsupport::TempDir dir;  // removed after the store closes
  boost::asio::io_context io;
  std::unique_ptr<store::Store> store;
  sip::RoutingTable routes{6};
  sip::DirectoryHolder directory;
  DirectorySync sync;
  LocalWritePath writes;
  AttachJournal journal;
  Context ctx;
};

}  // namespace gw::admin::testing
