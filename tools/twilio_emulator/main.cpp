// twilio-emulator: see --help.
#include <csignal>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "common/log.hpp"
#include "tools/twilio_emulator/emulator.hpp"
#include "tools/twilio_emulator/options.hpp"

namespace {
constexpr std::string_view kComponent = "twilio-emulator";

std::string endpointUrl(const boost::asio::ip::tcp::endpoint& ep) {
  const std::string host =
      ep.address().is_v6() ? "[" + ep.address().to_string() + "]" : ep.address().to_string();
  return "http://" + host + ":" + std::to_string(ep.port());
}
}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  const auto parsed = gw::emulator::parseOptions(args);
  if (parsed.help) {
    std::fputs(gw::emulator::usageText().c_str(), stdout);
    return 0;
  }
  if (!parsed.error.empty()) {
    std::fprintf(stderr, "twilio-emulator: %s\n", parsed.error.c_str());
    return 2;
  }

  try {
    boost::asio::io_context io(1);
    gw::emulator::Emulator emulator(io, parsed.options);
    if (auto ec = emulator.listen()) {
      gw::log::error(kComponent, "cannot listen on ", parsed.options.host, ":", parsed.options.port,
                     ": ", ec.message());
      return 1;
    }
    gw::log::info(kComponent, "twilio-emulator listening on ",
                  endpointUrl(emulator.localEndpoint()));

    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int signal) {
      if (ec) return;
      gw::log::info(kComponent, "signal ", signal, ": stopping");
      emulator.stop([&io] { io.stop(); });
    });
    io.run();
    gw::log::info(kComponent, "stopped");
    return 0;
  } catch (const std::exception& e) {
    gw::log::error(kComponent, e.what());
    return 1;
  }
}
