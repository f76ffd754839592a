#include "harness/gateway_process.hpp"

#include <stdexcept>

#include "harness/test_values.hpp"

namespace gw::integration {
namespace {

const std::regex kListening{R"(listening on http://([0-9.]+):([0-9]+))"};
const std::regex kSipListening{
    R"(sip listening on udp://([0-9.]+):([0-9]+) and tcp://([0-9.]+):([0-9]+))"};
constexpr std::chrono::seconds kStartTimeout{30};
constexpr std::chrono::seconds kStopTimeout{20};
// The SIP line comes with the admin one at start-up; this only bounds a missing line.
constexpr std::chrono::seconds kSipListenTimeout{10};

}  // namespace

GatewayProcess::GatewayProcess(std::string binary, GatewayOptions options)
    : binary_(std::move(binary)), options_(std::move(options)) {}

GatewayProcess::~GatewayProcess() = default;

std::unique_ptr<ChildProcess> GatewayProcess::spawn() {
  if (process_) {
    earlierOutput_ += process_->output();
    process_.reset();
  }
  ProcessSpec spec;
  spec.name = "gatewayd";
  spec.path = binary_;
  stopRequested_ = false;
  spec.args = {"--data-dir", options_.dataDir, "--admin-listen", "127.0.0.1:0"};
  spec.args.insert(spec.args.end(), {"--sip-listen", "127.0.0.1:0"});
  if (options_.publicSipUri) {
    spec.args.insert(spec.args.end(), {"--public-sip-uri", *options_.publicSipUri});
  }
  spec.args.insert(spec.args.end(), {"--store-sync", options_.storeSync ? "true" : "false",
                                     "--log-level", options_.logLevel});
  if (!options_.twilioUrl.empty()) {
    spec.args.insert(spec.args.end(), {"--twilio-api-url", options_.twilioUrl,
                                       "--twilio-trunking-url", options_.twilioUrl});
  }
  if (!options_.tokensFile.empty()) {
    spec.args.insert(spec.args.end(), {"--tokens-file", options_.tokensFile});
  }
  if (options_.twilioMaxAttempts > 0) {
    spec.args.insert(spec.args.end(),
                     {"--twilio-max-attempts", std::to_string(options_.twilioMaxAttempts)});
  }
  if (options_.twilioConcurrency > 0) {
    spec.args.insert(spec.args.end(),
                     {"--twilio-concurrency", std::to_string(options_.twilioConcurrency)});
  }
  spec.args.insert(spec.args.end(), options_.extraArgs.begin(), options_.extraArgs.end());
  // Only what the test chose reaches gatewayd, whatever the developer's shell exports.
  spec.scrubEnvPrefixes = {"GATEWAY_", "TWILIO_"};
  spec.fileSizeLimitBytes = options_.fileSizeLimitBytes;
  if (options_.adminToken && !options_.adminToken->empty()) {
    spec.env.emplace_back("GATEWAY_ADMIN_TOKEN", *options_.adminToken);
  }
  spec.env.insert(spec.env.end(), options_.env.begin(), options_.env.end());
  return std::make_unique<ChildProcess>(spec);
}

void GatewayProcess::start() {
  process_ = spawn();
  sipAddress_.reset();
  auto m = process_->waitForLine(kListening, kStartTimeout);
  if (!m) {
    std::string why = process_->running() ? "no 'admin listening on' line in time"
                                          : "it exited: " + process_->kill().describe();
    throw std::runtime_error("gatewayd did not start (" + why + "); output:\n" +
                             redact(process_->output()));
  }
  baseUrl_ = "http://" + (*m)[1] + ":" + (*m)[2];
}

ExitStatus GatewayProcess::startExpectingExit() {
  process_ = spawn();
  sipAddress_.reset();
  stopRequested_ = true;  // its exit is the expected outcome
  baseUrl_.clear();
  if (auto s = process_->waitForExit(kStartTimeout)) return *s;
  throw std::runtime_error("gatewayd kept running although it was expected to refuse to start");
}

SipListenAddress GatewayProcess::sipAddress() {
  if (sipAddress_) return *sipAddress_;
  if (!process_) throw std::logic_error("gatewayd was never started");
  auto m = process_->waitForLine(kSipListening, kSipListenTimeout);
  if (!m) {
    throw std::runtime_error(
        "gatewayd logged no 'sip listening on udp://... and tcp://...' line; output:\n" +
        redact(process_->output()));
  }
  if ((*m)[2] != (*m)[4]) {
    throw std::runtime_error("gatewayd's SIP listener uses two ports: " + (*m)[0]);
  }
  sipAddress_ = SipListenAddress{(*m)[1], static_cast<uint16_t>(std::stoi((*m)[2]))};
  return *sipAddress_;
}

std::optional<ExitStatus> GatewayProcess::stop() {
  if (!process_) return std::nullopt;
  stopRequested_ = true;
  return process_->terminate(kStopTimeout);
}

ExitStatus GatewayProcess::kill() {
  if (!process_) throw std::logic_error("gatewayd was never started");
  stopRequested_ = true;
  return process_->kill();
}

std::optional<ExitStatus> GatewayProcess::unexpectedExit() const {
  if (!process_ || stopRequested_ || process_->running()) return std::nullopt;
  return process_->exitStatus();
}

std::string GatewayProcess::output() const {
  return earlierOutput_ + (process_ ? process_->output() : std::string());
}

}  // namespace gw::integration
