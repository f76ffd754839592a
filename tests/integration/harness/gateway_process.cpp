#include "harness/gateway_process.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <mutex>
#include <sstream>
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
const std::regex kProxyListening{R"(Prism is listening on (http://[0-9.]+:[0-9]+))"};
// Node starts in a second or two; a loaded machine gets more.
constexpr std::chrono::seconds kProxyStartTimeout{60};
constexpr std::chrono::seconds kProxyStopTimeout{10};

// What prism writes for a response that breaks the document: "Violation: ..." lines for
// each finding, and "Request terminated with error" when --errors turned it into a 500.
bool isViolationLine(const std::string& line) {
  return line.find("Violation:") != std::string::npos ||
         line.find("Request terminated with error") != std::string::npos ||
         line.find("VIOLATIONS") != std::string::npos;
}

const char* prismPath() {
  const char* prism = std::getenv("GW_TEST_OPENAPI_PROXY");
  return prism && *prism ? prism : nullptr;
}

// Prism proxying to `upstream`, checking responses (requests are not checked: tests send
// invalid ones on purpose). Throws when it does not come up.
std::unique_ptr<ChildProcess> startPrism(const std::string& prism, const std::string& upstream,
                                         std::string& url) {
  ProcessSpec ps;
  ps.name = "prism";
  ps.path = prism;
  ps.args = {"proxy",  "--errors",  "--validate-request", "false", "--cors", "false",
             "--host", "127.0.0.1", "--port", "0", openApiSpecPath(), upstream};
  ps.env.emplace_back("NO_COLOR", "1");
  auto p = std::make_unique<ChildProcess>(ps);
  auto m = p->waitForLine(kProxyListening, kProxyStartTimeout);
  if (!m) {
    throw std::runtime_error("prism did not start in front of gatewayd; output:\n" +
                             redact(p->output()));
  }
  url = (*m)[1];
  return p;
}

// A loopback port free now: the kernel's choice for a socket bound to port 0.
uint16_t reservePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  ::close(fd);
  if (!ok) throw std::runtime_error("cannot reserve a loopback port");
  return ntohs(addr.sin_port);
}

// The prism the test process shares, started on first use.
class SharedProxy {
 public:
  static SharedProxy& instance() {
    static SharedProxy proxy;
    return proxy;
  }
  // The admin port to listen on, or nullopt while another gateway holds it.
  std::optional<uint16_t> claim(const std::string& prism) {
    std::lock_guard lock(mutex_);
    if (held_) return std::nullopt;
    if (!process_) {
      port_ = reservePort();
      process_ = startPrism(prism, "http://127.0.0.1:" + std::to_string(port_), url_);
    }
    held_ = true;
    return port_;
  }
  void release() {
    std::lock_guard lock(mutex_);
    held_ = false;
  }
  const std::string& url() const { return url_; }
  std::string output() const {
    std::lock_guard lock(mutex_);
    return process_ ? process_->output() : std::string();
  }

 private:
  mutable std::mutex mutex_;
  std::unique_ptr<ChildProcess> process_;
  uint16_t port_ = 0;
  std::string url_;
  bool held_ = false;
};

}  // namespace

std::string openApiSpecPath() {
  const char* spec = std::getenv("GW_TEST_OPENAPI_SPEC");
  return spec && *spec ? spec : std::string(GW_SOURCE_DIR) + "/api/openapi.json";
}

GatewayProcess::GatewayProcess(std::string binary, GatewayOptions options)
    : binary_(std::move(binary)), options_(std::move(options)) {}

GatewayProcess::~GatewayProcess() { releaseSharedProxy(); }

std::unique_ptr<ChildProcess> GatewayProcess::spawn() {
  if (process_) {
    earlierOutput_ += process_->output();
    process_.reset();
  }
  ProcessSpec spec;
  spec.name = "gatewayd";
  spec.path = binary_;
  stopRequested_ = false;
  spec.args = {"--data-dir", options_.dataDir, "--admin-listen",
               "127.0.0.1:" + std::to_string(adminPort_)};
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
  releaseSharedProxy();
  stopProxy();
  const char* prism = prismPath();
  adminPort_ = 0;
  if (prism) {
    if (auto port = SharedProxy::instance().claim(prism)) {
      adminPort_ = *port;
      sharedProxy_ = true;
      sharedProxyOutputFrom_ = SharedProxy::instance().output().size();
    }
  }
  process_ = spawn();
  sipAddress_.reset();
  auto m = process_->waitForLine(kListening, kStartTimeout);
  if (!m) {
    std::string why = process_->running() ? "no 'admin listening on' line in time"
                                          : "it exited: " + process_->kill().describe();
    throw std::runtime_error("gatewayd did not start (" + why + "); output:\n" +
                             redact(process_->output()));
  }
  directUrl_ = baseUrl_ = "http://" + (*m)[1] + ":" + (*m)[2];
  if (sharedProxy_) {
    baseUrl_ = SharedProxy::instance().url();
  } else if (prism) {
    startProxy(prism);
  }
}

void GatewayProcess::startProxy(const std::string& prism) {
  proxy_ = startPrism(prism, directUrl_, baseUrl_);
}

void GatewayProcess::releaseSharedProxy() {
  if (!sharedProxy_) return;
  std::string all = SharedProxy::instance().output();
  if (all.size() > sharedProxyOutputFrom_) earlierProxyOutput_ += all.substr(sharedProxyOutputFrom_);
  sharedProxy_ = false;
  SharedProxy::instance().release();
}

void GatewayProcess::stopProxy() {
  if (!proxy_) return;
  if (proxy_->running()) (void)proxy_->terminate(kProxyStopTimeout);
  earlierProxyOutput_ += proxy_->output();
  proxy_.reset();
}

std::string GatewayProcess::proxyOutput() const {
  std::string out = earlierProxyOutput_ + (proxy_ ? proxy_->output() : std::string());
  if (sharedProxy_) {
    std::string all = SharedProxy::instance().output();
    if (all.size() > sharedProxyOutputFrom_) out += all.substr(sharedProxyOutputFrom_);
  }
  return out;
}

std::string GatewayProcess::proxyViolations() const {
  std::istringstream lines(proxyOutput());
  std::string line, found;
  while (std::getline(lines, line)) {
    if (isViolationLine(line)) found += line + "\n";
  }
  return found;
}

ExitStatus GatewayProcess::startExpectingExit() {
  releaseSharedProxy();
  stopProxy();
  adminPort_ = 0;
  process_ = spawn();
  sipAddress_.reset();
  stopRequested_ = true;  // its exit is the expected outcome
  baseUrl_.clear();
  directUrl_.clear();
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
  stopProxy();
  auto status = process_->terminate(kStopTimeout);
  releaseSharedProxy();
  return status;
}

ExitStatus GatewayProcess::kill() {
  if (!process_) throw std::logic_error("gatewayd was never started");
  stopRequested_ = true;
  stopProxy();
  auto status = process_->kill();
  releaseSharedProxy();
  return status;
}

std::optional<ExitStatus> GatewayProcess::unexpectedExit() const {
  if (!process_ || stopRequested_ || process_->running()) return std::nullopt;
  return process_->exitStatus();
}

std::string GatewayProcess::output() const {
  return earlierOutput_ + (process_ ? process_->output() : std::string());
}

}  // namespace gw::integration
