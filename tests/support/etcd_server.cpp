#include "tests/support/etcd_server.hpp"

#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "tests/integration/harness/child_process.hpp"

namespace gw::testing {
namespace {

using Clock = std::chrono::steady_clock;
// Safety nets against an etcd that never comes up, far above what a passing test needs.
constexpr auto kStartDeadline = std::chrono::seconds(60);
constexpr auto kPollInterval = std::chrono::milliseconds(20);
constexpr const char* kEtcdPath = "/usr/bin/etcd";

// Free loopback ports: each socket is bound to port 0 and kept open until every port is
// chosen, so the kernel hands out distinct ones.
std::vector<int> freePorts(size_t count) {
  std::vector<int> fds;
  std::vector<int> ports;
  for (size_t i = 0; i < count; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw std::runtime_error("socket failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ::close(fd);
      throw std::runtime_error("bind to a free port failed");
    }
    fds.push_back(fd);
    ports.push_back(ntohs(addr.sin_port));
  }
  for (int fd : fds) ::close(fd);
  return ports;
}

size_t appendBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

// GET url; the body, or nullopt when no HTTP answer came.
std::optional<std::string> httpGet(const std::string& url) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  CURL* curl = curl_easy_init();
  if (!curl) return std::nullopt;
  std::string body;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 2000L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, appendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  CURLcode rc = curl_easy_perform(curl);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) return std::nullopt;
  return body;
}

}  // namespace

struct EtcdCluster::Member {
  std::string name;
  std::string dataDir;
  int clientPort = 0;
  int peerPort = 0;
  std::unique_ptr<integration::ChildProcess> process;

  std::string clientUrl() const { return "http://127.0.0.1:" + std::to_string(clientPort); }
  std::string peerUrl() const { return "http://127.0.0.1:" + std::to_string(peerPort); }
};

EtcdCluster::EtcdCluster(size_t members, std::chrono::milliseconds progressNotify)
    : progressNotify_(progressNotify) {
  if (members == 0) throw std::invalid_argument("an etcd cluster needs a member");
  // Removed by the destructor, after the members are gone.
  std::string tmpl = "/tmp/gw-etcd-XXXXXX";
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp " + tmpl + " failed");
  root_ = tmpl;
  std::vector<int> ports = freePorts(2 * members);
  for (size_t i = 0; i < members; ++i) {
    auto m = std::make_unique<Member>();
    m->name = "n" + std::to_string(i);
    m->dataDir = root_ + "/" + m->name;
    m->clientPort = ports[2 * i];
    m->peerPort = ports[2 * i + 1];
    if (!initialCluster_.empty()) initialCluster_ += ",";
    initialCluster_ += m->name + "=" + m->peerUrl();
    members_.push_back(std::move(m));
  }
  try {
    for (size_t i = 0; i < members; ++i) launch(i);
    for (size_t i = 0; i < members; ++i) waitHealthy(i);
  } catch (...) {
    killAll();
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
    throw;
  }
}

EtcdCluster::~EtcdCluster() {
  killAll();
  std::error_code ignored;
  std::filesystem::remove_all(root_, ignored);
}

size_t EtcdCluster::size() const {
  return members_.size();
}

std::vector<std::string> EtcdCluster::clientUrls() const {
  std::vector<std::string> urls;
  for (const auto& m : members_) urls.push_back(m->clientUrl());
  return urls;
}

std::string EtcdCluster::endpoints() const {
  std::string out;
  for (const auto& m : members_) {
    if (!out.empty()) out += ",";
    out += m->clientUrl();
  }
  return out;
}

void EtcdCluster::launch(size_t member) {
  Member& m = *members_.at(member);
  integration::ProcessSpec spec;
  spec.name = "etcd-" + m.name;
  spec.path = kEtcdPath;
  spec.args = {"--name",
               m.name,
               "--data-dir",
               m.dataDir,
               "--listen-client-urls",
               m.clientUrl(),
               "--advertise-client-urls",
               m.clientUrl(),
               "--listen-peer-urls",
               m.peerUrl(),
               "--initial-advertise-peer-urls",
               m.peerUrl(),
               "--initial-cluster",
               initialCluster_,
               "--initial-cluster-state",
               "new",
               "--initial-cluster-token",
               "gw-test-" + std::to_string(::getpid()),
               "--logger",
               "zap",
               "--log-level",
               "error",
               "--log-outputs",
               "stderr"};
  if (progressNotify_.count() > 0) {
    spec.args.push_back("--experimental-watch-progress-notify-interval");
    spec.args.push_back(std::to_string(progressNotify_.count()) + "ms");
  }
  // etcd reads ETCD_* variables as flags: none from the test's environment.
  spec.scrubEnvPrefixes = {"ETCD"};
  m.process = std::make_unique<integration::ChildProcess>(spec);
}

void EtcdCluster::waitHealthy(size_t member) const {
  auto deadline = Clock::now() + kStartDeadline;
  while (!healthy(member)) {
    const Member& m = *members_.at(member);
    if (m.process && !m.process->running()) {
      throw std::runtime_error("etcd " + m.name + " exited: " + m.process->output());
    }
    if (Clock::now() > deadline) {
      throw std::runtime_error("etcd " + m.name + " did not become healthy: " +
                               (m.process ? m.process->output() : std::string()));
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

void EtcdCluster::waitListening(size_t member) const {
  auto deadline = Clock::now() + kStartDeadline;
  const Member& m = *members_.at(member);
  // /health answers (healthy or not) once the client listener is up.
  while (!httpGet(m.clientUrl() + "/health")) {
    if (m.process && !m.process->running()) {
      throw std::runtime_error("etcd " + m.name + " exited: " + m.process->output());
    }
    if (Clock::now() > deadline) {
      throw std::runtime_error("etcd " + m.name + " does not listen: " + m.process->output());
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

void EtcdCluster::kill(size_t member) {
  Member& m = *members_.at(member);
  if (m.process) {
    m.process->kill();
    m.process.reset();
  }
}

void EtcdCluster::freeze(size_t member) {
  Member& m = *members_.at(member);
  if (m.process) ::kill(m.process->pid(), SIGSTOP);
}

void EtcdCluster::thaw(size_t member) {
  Member& m = *members_.at(member);
  if (m.process) ::kill(m.process->pid(), SIGCONT);
}

bool EtcdCluster::running(size_t member) const {
  const Member& m = *members_.at(member);
  return m.process && m.process->running();
}

void EtcdCluster::start(size_t member) {
  if (running(member)) return;
  launch(member);
  size_t up = 0;
  for (size_t i = 0; i < members_.size(); ++i) up += running(i) ? 1 : 0;
  if (up > members_.size() / 2) {
    waitHealthy(member);
  } else {
    waitListening(member);
  }
}

void EtcdCluster::killAll() {
  for (size_t i = 0; i < members_.size(); ++i) kill(i);
}

void EtcdCluster::startAll() {
  for (size_t i = 0; i < members_.size(); ++i) {
    if (!running(i)) launch(i);
  }
  for (size_t i = 0; i < members_.size(); ++i) waitHealthy(i);
}

bool EtcdCluster::healthy(size_t member) const {
  auto body = httpGet(members_.at(member)->clientUrl() + "/health");
  return body && body->find("\"health\":\"true\"") != std::string::npos;
}

}  // namespace gw::testing
