#include "harness/sipp_process.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <stdexcept>

namespace gw::integration {
namespace {

using Clock = std::chrono::steady_clock;

// sipp is killed this long after its own -timeout should have ended it.
constexpr std::chrono::seconds kExitMargin{10};
constexpr std::chrono::milliseconds kListenPoll{5};
constexpr size_t kDescribedTraceLimit = 8 * 1024;
constexpr int kFreePortAttempts = 64;

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};  // sipp creates a trace file only when it has something to write
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string tail(const std::string& text, size_t limit) {
  if (text.size() <= limit) return text;
  return "...\n" + text.substr(text.size() - limit);
}

in_addr ipv4(const std::string& ip) {
  in_addr a{};
  if (::inet_pton(AF_INET, ip.c_str(), &a) != 1) {
    throw std::invalid_argument("not an IPv4 address: " + ip);
  }
  return a;
}

// Binds a new socket of `type` to ip:port; the socket (>= 0) on success, -1 when taken.
int bindSocket(int type, const std::string& ip, uint16_t port) {
  int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr = ipv4(ip);
  sa.sin_port = htons(port);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

uint16_t boundPort(int fd) {
  sockaddr_in sa{};
  socklen_t len = sizeof sa;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
    throw std::runtime_error(std::string("getsockname: ") + std::strerror(errno));
  }
  return ntohs(sa.sin_port);
}

// True when /proc/net/udp (or tcp, in state LISTEN) has a socket bound to ip:port. Reading
// the kernel's table has no side effect on sipp, unlike probing the port.
bool socketListed(SipTransport transport, const std::string& ip, uint16_t port) {
  char local[32];
  // The kernel prints the address as the 32-bit word it stores, in host byte order.
  std::snprintf(local, sizeof local, "%08X:%04X", ipv4(ip).s_addr, port);
  std::ifstream table(transport == SipTransport::kUdp ? "/proc/net/udp" : "/proc/net/tcp");
  std::string line;
  std::getline(table, line);  // the header
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string slot, localAddress, remoteAddress, state;
    fields >> slot >> localAddress >> remoteAddress >> state;
    if (localAddress != local) continue;
    if (transport == SipTransport::kUdp || state == "0A") return true;
  }
  return false;
}

std::string makeTempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/gw-sipp-XXXXXX";
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed for " + pattern);
  return pattern;
}

std::string exitMeaning(const ExitStatus& s) {
  if (!s.exited) return "";
  switch (s.code) {
    case 0:
      return " (every call succeeded)";
    case 1:
      return " (at least one call failed)";
    case 97:
      return " (stopped by an internal command)";
    case 99:
      return " (no call was processed)";
    case 255:
      return " (fatal error, an <error> action of the scenario, or its timeout)";
    case 254:
      return " (cannot bind a socket)";
    default:
      return "";
  }
}

}  // namespace

void PrintTo(SipTransport t, std::ostream* os) {
  *os << (t == SipTransport::kUdp ? "udp" : "tcp");
}

std::string sippBinary() {
  if (const char* env = std::getenv("SIPP"); env && *env) return env;
  const char* path = std::getenv("PATH");
  std::string dirs = path && *path ? path : "/usr/local/bin:/usr/bin:/bin";
  std::istringstream in(dirs);
  for (std::string dir; std::getline(in, dir, ':');) {
    std::string candidate = (dir.empty() ? "." : dir) + "/sipp";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  throw std::runtime_error(
      "sipp is not installed: the SIP end-to-end tests need it (Debian package sip-tester, "
      "installed by scripts/install-deps), or set SIPP to its path");
}

std::string scenarioPath(std::string_view name) {
  if (name.find('/') != std::string_view::npos) return std::string(name);
  return std::string(GW_SOURCE_DIR) + "/tests/sip/scenarios/" + std::string(name);
}

uint16_t freeSipPort(const std::string& ip) {
  for (int attempt = 0; attempt < kFreePortAttempts; ++attempt) {
    int udp = bindSocket(SOCK_DGRAM, ip, 0);
    if (udp < 0) throw std::runtime_error("cannot bind a UDP socket on " + ip);
    uint16_t port = boundPort(udp);
    int tcp = bindSocket(SOCK_STREAM, ip, port);
    ::close(udp);
    if (tcp >= 0) {
      ::close(tcp);
      return port;
    }
  }
  throw std::runtime_error("no port free for both UDP and TCP on " + ip);
}

uint16_t freeMediaPort(const std::string& ip) {
  for (int attempt = 0; attempt < kFreePortAttempts; ++attempt) {
    int audio = bindSocket(SOCK_DGRAM, ip, 0);
    if (audio < 0) throw std::runtime_error("cannot bind a UDP socket on " + ip);
    uint16_t port = boundPort(audio);
    int video = port <= 65533 ? bindSocket(SOCK_DGRAM, ip, static_cast<uint16_t>(port + 2)) : -1;
    ::close(audio);
    if (video >= 0) {
      ::close(video);
      return port;
    }
  }
  throw std::runtime_error("no two UDP ports free on " + ip + " for sipp's media sockets");
}

std::optional<std::string> SippResult::logged(std::string_view name) const {
  std::optional<std::string> value;
  std::istringstream in(logs);
  std::string prefix = std::string(name) + "=";
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) == 0) value = line.substr(prefix.size());
  }
  return value;
}

std::string SippResult::describe() const {
  std::string out = "sipp: " + status.describe() + exitMeaning(status) + "\n";
  if (!errors.empty()) {
    out += "--- unexpected messages (-trace_err) ---\n" + tail(errors, kDescribedTraceLimit);
  }
  if (!logs.empty()) out += "--- scenario log ---\n" + tail(logs, kDescribedTraceLimit);
  out += "--- sipp output ---\n" + tail(output, kDescribedTraceLimit);
  if (!messages.empty()) {
    out += "\n--- messages (-trace_msg) ---\n" + tail(messages, kDescribedTraceLimit);
  }
  return out;
}

SippProcess::SippProcess(SippOptions options) : options_(std::move(options)) {
  if (options_.localPort == 0) options_.localPort = freeSipPort(options_.localIp);
  dir_ = makeTempDir();

  ProcessSpec spec;
  spec.name = "sipp " + options_.scenario;
  spec.path = sippBinary();
  auto add = [&spec](std::initializer_list<std::string> words) {
    spec.args.insert(spec.args.end(), words);
  };
  add({"-sf", scenarioPath(options_.scenario), "-s", options_.service});
  // -bind_local: send from and listen on localIp only.
  add({"-i", options_.localIp, "-bind_local", "-p", std::to_string(options_.localPort)});
  // sipp binds media sockets on -mp and -mp + 2 even when no RTP flows. Its default, 6000
  // and up, is shared by every sipp of a parallel test run, and a lost race on the second
  // port is fatal to sipp.
  add({"-mp", std::to_string(freeMediaPort(options_.localIp))});
  add({"-t", options_.transport == SipTransport::kUdp ? "u1" : "t1"});
  add({"-m", std::to_string(options_.calls)});
  // -timeout_error: reaching the timeout is a failure, not a normal end.
  add({"-timeout", std::to_string(options_.timeout.count()) + "s", "-timeout_error"});
  // -nostdin: sipp otherwise reads keyboard commands from its standard input.
  add({"-nostdin"});
  add({"-trace_err", "-error_file", dir_ + "/errors.log"});
  add({"-trace_msg", "-message_file", dir_ + "/messages.log"});
  add({"-trace_logs", "-log_file", dir_ + "/logs.log"});
  bool callerIdGiven = false;
  for (const auto& [name, value] : options_.keys) {
    add({"-key", name, value});
    callerIdGiven = callerIdGiven || name == "caller_id";
  }
  // The UAC scenarios' From user: a Twilio magic test number unless the test picks one.
  if (!callerIdGiven) add({"-key", "caller_id", "+15005550006"});
  if (!options_.remote.empty()) spec.args.push_back(options_.remote);
  process_ = std::make_unique<ChildProcess>(spec);
}

SippProcess::~SippProcess() {
  process_.reset();  // kills sipp if it still runs
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void SippProcess::waitUntilListening(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (!socketListed(options_.transport, options_.localIp, options_.localPort)) {
    // Doubles as the pause between two looks at the socket table.
    if (auto exited = process_->waitForExit(kListenPoll)) {
      throw std::runtime_error("sipp exited (" + exited->describe() + ") before listening on " +
                               address() + ":\n" + tail(process_->output(), 4096));
    }
    if (Clock::now() >= deadline) {
      throw std::runtime_error("sipp did not listen on " + address() + " in time:\n" +
                               tail(process_->output(), 4096));
    }
  }
}

std::string SippProcess::address() const {
  return options_.localIp + ":" + std::to_string(options_.localPort);
}

std::string SippProcess::sipUri(std::string_view user) const {
  std::string uri = "sip:" + std::string(user) + "@" + address();
  if (options_.transport == SipTransport::kTcp) uri += ";transport=tcp";
  return uri;
}

SippResult SippProcess::wait() {
  SippResult r;
  auto status = process_->waitForExit(options_.timeout + kExitMargin);
  r.status = status ? *status : process_->kill();
  r.output = process_->output();
  if (!status) r.output += "\n[the test killed sipp: it outlived its -timeout]\n";
  r.logs = readFile(dir_ + "/logs.log");
  r.errors = readFile(dir_ + "/errors.log");
  r.messages = readFile(dir_ + "/messages.log");
  return r;
}

SippResult runSipp(SippOptions options) {
  SippProcess uac(std::move(options));
  return uac.wait();
}

}  // namespace gw::integration
