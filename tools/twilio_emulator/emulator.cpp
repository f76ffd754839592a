#include "tools/twilio_emulator/emulator.hpp"

#include <stdexcept>
#include <string>

#include <boost/asio/ip/address.hpp>

#include "common/log.hpp"

namespace gw::emulator {
namespace {

constexpr std::string_view kComponent = "twilio-emulator";

http::ServerOptions serverOptions() {
  http::ServerOptions o;
  o.serverName = "twilio-emulator";
  // The control route listing every number of a large account is one big response; the
  // request side limits stay as they are.
  return o;
}

GateOptions gateOptions(const Options& o) {
  GateOptions g;
  g.latency = o.latency;
  g.errorRate = o.errorRate;
  g.maxConcurrency = o.maxConcurrency;
  g.seed = o.seed;
  g.retryAfterSeconds = o.retryAfterSeconds;
  return g;
}

Options withDefaultAccount(Options o) {
  if (o.accounts.empty()) o.accounts.push_back({kDefaultAccountSid, kDefaultAuthToken});
  return o;
}

}  // namespace

Emulator::Emulator(boost::asio::io_context& io, Options options)
    : options_(withDefaultAccount(std::move(options))),
      state_(options_.seed),
      gate_(state_, stats_, faults_, gateOptions(options_)),
      api2010_(state_),
      trunks_(state_),
      trunkNumbers_(state_, options_.reattachSameTrunkOk),
      control_(state_, stats_, faults_),
      server_(io, router_, serverOptions()) {
  for (const AccountSpec& spec : options_.accounts) {
    const auto sid = parseSid(kAccountPrefix, spec.sid);
    if (!sid) throw std::invalid_argument("invalid account SID " + spec.sid);
    Account& account = state_.addAccount(*sid, spec.authToken);
    state_.createNumbers(account, options_.numbersPerAccount);
    const bool demo = spec.sid == kDefaultAccountSid && spec.authToken == kDefaultAuthToken;
    log::info(kComponent, "account ", account.sidText, ": ", account.numbers.size(),
              " numbers, auth token configured",
              demo ? " (the demo account of --help; pass --account for your own)" : "");
  }
  api2010_.addRoutes(router_, gate_);
  trunks_.addRoutes(router_, gate_);
  trunkNumbers_.addRoutes(router_, gate_);
  control_.addRoutes(router_);
}

Emulator::~Emulator() = default;

boost::system::error_code Emulator::listen() {
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(options_.host, ec);
  if (ec && options_.host == "localhost") {
    address = boost::asio::ip::address_v4::loopback();
    ec.clear();
  }
  if (ec) return ec;
  return server_.listen({address, options_.port});
}

boost::asio::ip::tcp::endpoint Emulator::localEndpoint() const {
  return server_.localEndpoint();
}

void Emulator::stop(std::function<void()> onStopped) {
  server_.stop(std::move(onStopped));
}

}  // namespace gw::emulator
