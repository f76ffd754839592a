// bench-cluster-e2e: the cluster end to end (docs/cluster.md). Starts a one-member etcd, a
// twilio-emulator and gatewayd nodes on loopback (all from this program's directory and the
// test support's etcd), and measures, per scenario:
//
//   visibility  time from an import's answer on node A until node C's routing decision
//               knows the number (GET /api/v1/routes/explain, the decision the SIP workers
//               take): p50/p99 over N one-SID imports
//   import      one N-SID import through a 3-node cluster against a single node (no etcd),
//               both in this run; etcd requests and space per imported number
//   catchup     node C stopped while N numbers are imported on node A, then restarted: time
//               until it routes the last of them (the replica applies in revision order)
//   resync      N numbers written straight into etcd (setup, untimed), then a fresh node
//               started: time until it routes all of them
//   space       etcd's database size and requests per number for an N-SID import
//
// It prints results and the targets, and asserts nothing about timings: it fails only when
// something does not work (a number not imported, a node that never routes).
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <curl/curl.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "bench/common/process_cpu.hpp"
#include "cluster/etcd_client.hpp"
#include "cluster/keyspace.hpp"
#include "cluster/records.hpp"
#include "harness/emulator_process.hpp"
#include "harness/gateway_process.hpp"
#include "harness/http_client.hpp"
#include "harness/json_util.hpp"
#include "harness/test_values.hpp"
#include "tests/support/etcd_server.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using gw::integration::EmulatorOptions;
using gw::integration::EmulatorProcess;
using gw::integration::GatewayOptions;
using gw::integration::GatewayProcess;
using gw::integration::HttpClient;
using gw::integration::HttpRequest;
using gw::integration::HttpResponse;
using gw::integration::TwilioAccount;

constexpr const char* kPrefix = "/gateway/";
constexpr const char* kCaller = "127.0.0.1";
constexpr const char* kRedirectTarget = "sip:agent@192.0.2.10:5070";  // TEST-NET-1, never called
constexpr size_t kNumbersPerTxn = 42;  // 3 puts each (record and two claims): 126 ops <= 128
constexpr auto kRouteDeadline = 600s;  // a node that never routes fails the run

struct BenchError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

double seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}
double millis(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

// CPU seconds of this program's etcd children (the test support starts them).
double etcdCpuSeconds() {
  double total = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto open = stat.find('('), close = stat.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    if (stat.substr(open + 1, close - open - 1) != "etcd") continue;
    std::istringstream fields(stat.substr(close + 2));
    std::string state;
    long ppid = 0;
    fields >> state >> ppid;
    if (ppid == static_cast<long>(getpid())) total += gw::bench::processCpuSeconds(std::stoi(name));
  }
  return total;
}

std::string binDir() {
  return std::filesystem::read_symlink("/proc/self/exe").parent_path().string();
}

// The admin API of the nodes and etcd's HTTP endpoints, over kept-alive connections.
class Api {
 public:
  explicit Api(std::string adminToken) : token_(std::move(adminToken)) {}

  HttpResponse call(GatewayProcess& gw, const std::string& method, const std::string& path,
                    std::optional<std::string> body = std::nullopt) {
    HttpRequest req;
    req.method = method;
    req.url = gw.baseUrl() + path;
    req.headers.push_back("Authorization: Bearer " + token_);
    if (body) {
      req.headers.push_back("Content-Type: application/json");
      req.body = std::move(body);
    }
    return http_.send(req);
  }
  HttpResponse expect(GatewayProcess& gw, const std::string& method, const std::string& path,
                      long status, std::optional<std::string> body = std::nullopt) {
    auto r = call(gw, method, path, std::move(body));
    if (r.status != status) throw BenchError(method + " " + path + ": " + r.describe());
    return r;
  }

  std::string createProvider(GatewayProcess& gw, const TwilioAccount& account) {
    auto r =
        expect(gw, "POST", "/api/v1/providers/twilio", 201,
               gw::integration::objectBody(
                   {{"accountSid", account.sid}, {"authToken", account.token}, {"name", "b"}}));
    return *gw::integration::stringMember(gw::integration::parseJson(r.body), "id");
  }
  // Imports the SIDs; throws unless every one was imported.
  void import(GatewayProcess& gw, const std::string& providerId,
              const std::vector<std::string>& sids) {
    auto r = expect(gw, "POST", "/api/v1/providers/twilio/" + providerId + "/import-numbers", 200,
                    gw::integration::sidsBody(sids));
    auto result = gw::integration::parseImportResult(r.body);
    if (result.successCount != static_cast<int64_t>(sids.size())) {
      throw BenchError("import: " + std::to_string(result.successCount) + " of " +
                       std::to_string(sids.size()) + " imported: " + r.body.substr(0, 500));
    }
  }
  // The SIP status the node's routing decision gives an INVITE for `e164` from a trusted
  // caller: 404 unknown number, 480 known without agent, 302 to a redirect agent.
  int sipStatus(GatewayProcess& gw, const std::string& e164) {
    auto r = call(
        gw, "GET",
        "/api/v1/routes/explain?to=" + gw::integration::urlEncode(e164) + "&source=" + kCaller);
    if (r.status != 200) return 0;
    auto d = gw::integration::parseJson(r.body);
    if (!d.HasMember("sip") || !d["sip"].IsObject()) return 0;
    return gw::integration::intMember(d["sip"], "status").value_or(0);
  }
  int64_t numberCount(GatewayProcess& gw) {
    auto r = call(gw, "GET", "/api/v1/sip-phone-numbers?take=1");
    if (r.status != 200) return -1;
    return gw::integration::parseNumberPage(r.body).totalCount;
  }
  // Polls until the node's decision for `e164` is not `unknownStatus`... until `wanted`.
  // Returns when it held, or throws after kRouteDeadline.
  Clock::time_point waitStatus(GatewayProcess& gw, const std::string& e164, int wanted,
                               std::chrono::microseconds pause = 500us) {
    const auto deadline = Clock::now() + kRouteDeadline;
    while (true) {
      if (sipStatus(gw, e164) == wanted) return Clock::now();
      if (Clock::now() > deadline)
        throw BenchError("no SIP " + std::to_string(wanted) + " for " + e164);
      std::this_thread::sleep_for(pause);
    }
  }

  HttpResponse etcd(const std::string& url, const std::string& path, const std::string& body) {
    return http_.post(url + path, body, "application/json");
  }
  HttpResponse get(const std::string& url) { return http_.get(url); }

 private:
  std::string token_;
  HttpClient http_;
};

// etcd's own account of what it holds and what it served.
struct EtcdSample {
  int64_t dbSize = 0;
  int64_t dbSizeInUse = 0;
  std::map<std::string, uint64_t> kvRequests;  // grpc method of etcdserverpb.KV -> handled
  double walFsyncSeconds = 0;                  // etcd_disk_wal_fsync_duration_seconds_sum
  uint64_t walFsyncs = 0;                      // ..._count
  double backendCommitSeconds = 0;             // etcd_disk_backend_commit_duration_seconds_sum
  uint64_t kvTotal() const {
    uint64_t n = 0;
    for (const auto& [m, c] : kvRequests) n += c;
    return n;
  }
};

EtcdSample sampleEtcd(Api& api, const std::string& url) {
  EtcdSample s;
  auto st = api.etcd(url, "/v3/maintenance/status", "{}");
  if (st.status != 200) throw BenchError("etcd status: " + st.describe());
  auto d = gw::integration::parseJson(st.body);
  s.dbSize = std::stoll(gw::integration::stringMember(d, "dbSize").value_or("0"));
  s.dbSizeInUse = std::stoll(gw::integration::stringMember(d, "dbSizeInUse").value_or("0"));
  auto m = api.get(url + "/metrics");
  std::istringstream lines(m.body);
  std::string line;
  static const std::string kMetric = "grpc_server_handled_total{";
  auto value = [&] { return std::stod(line.substr(line.rfind(' ') + 1)); };
  while (std::getline(lines, line)) {
    if (line.rfind("etcd_disk_wal_fsync_duration_seconds_sum ", 0) == 0)
      s.walFsyncSeconds = value();
    if (line.rfind("etcd_disk_wal_fsync_duration_seconds_count ", 0) == 0) {
      s.walFsyncs = static_cast<uint64_t>(value());
    }
    if (line.rfind("etcd_disk_backend_commit_duration_seconds_sum ", 0) == 0) {
      s.backendCommitSeconds = value();
    }
    if (line.rfind(kMetric, 0) != 0 ||
        line.find("grpc_service=\"etcdserverpb.KV\"") == std::string::npos)
      continue;
    auto at = line.find("grpc_method=\"");
    if (at == std::string::npos) continue;
    at += 13;
    std::string method = line.substr(at, line.find('"', at) - at);
    s.kvRequests[method] += std::stoull(line.substr(line.rfind(' ') + 1));
  }
  return s;
}

void printEtcdDelta(const char* what, const EtcdSample& a, const EtcdSample& b, size_t numbers) {
  const double n = static_cast<double>(numbers);
  std::printf("  %s: etcd dbSize %+.1f MiB, dbSizeInUse %+.1f MiB: %.0f / %.0f bytes per number\n",
              what, (b.dbSize - a.dbSize) / 1048576.0, (b.dbSizeInUse - a.dbSizeInUse) / 1048576.0,
              (b.dbSize - a.dbSize) / n, (b.dbSizeInUse - a.dbSizeInUse) / n);
  std::printf("  %s: etcd KV requests %" PRIu64 " = %.4f per number (", what,
              b.kvTotal() - a.kvTotal(), static_cast<double>(b.kvTotal() - a.kvTotal()) / n);
  bool first = true;
  for (const auto& [method, count] : b.kvRequests) {
    auto before = a.kvRequests.count(method) ? a.kvRequests.at(method) : 0;
    if (count == before) continue;
    std::printf("%s%s %" PRIu64, first ? "" : ", ", method.c_str(), count - before);
    first = false;
  }
  std::printf(")\n");
  std::printf("  %s: etcd WAL fsyncs %" PRIu64 " taking %.3f s, backend commits %.3f s\n", what,
              b.walFsyncs - a.walFsyncs, b.walFsyncSeconds - a.walFsyncSeconds,
              b.backendCommitSeconds - a.backendCommitSeconds);
}

struct Options {
  bool smoke = false;
  std::vector<std::string> scenarios;
  size_t visibilityImports = 1000;
  size_t importSids = 10'000;
  size_t catchupNumbers = 100'000;
  size_t resyncNumbers = 1'000'000;
  size_t spaceNumbers = 10'000;
  size_t importBatch = 10'000;  // SIDs per import request while seeding catch-up
};

// etcd, an emulator account of `numbers` numbers, and gatewayd nodes sharing one master key.
class Cluster {
 public:
  Cluster(const std::string& root, int numbers)
      : root_(root), adminToken_(gw::integration::randomAdminToken()), api_(adminToken_) {
    std::filesystem::create_directories(root_);
    etcd_ = std::make_unique<gw::testing::EtcdCluster>(1);
    masterKey_ = root_ + "/master-key";
    {
      std::ofstream out(masterKey_);
      out << "1 " << gw::integration::randomHex(64) << "\n";
    }
    std::filesystem::permissions(
        masterKey_, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    account_ = gw::integration::randomAccount();
    EmulatorOptions eo;
    eo.accounts.push_back(account_);
    eo.numbers = numbers;
    emulator_ = std::make_unique<EmulatorProcess>(binDir() + "/twilio-emulator", eo);
    emulator_->start();
    numbers_ = emulator_->numbers(account_.sid);
  }
  ~Cluster() {
    nodes_.clear();  // they leave while etcd runs
  }

  // A node; `clustered` false: a single node without etcd.
  GatewayProcess& addNode(bool clustered = true) {
    const size_t i = nodes_.size();
    const std::string id = std::string("node-") + static_cast<char>('a' + i);
    GatewayOptions go;
    go.dataDir = root_ + "/" + id;
    std::filesystem::create_directories(go.dataDir);
    go.twilioUrl = emulator_->baseUrl();
    go.adminToken = adminToken_;
    go.extraArgs = {"--master-key-file", masterKey_,      "--sip-trusted-cidr",
                    "127.0.0.0/8",       "--sip-workers", "1"};
    if (clustered) {
      go.extraArgs.insert(go.extraArgs.end(), {"--etcd-endpoints", etcd_->endpoints(), "--node-id",
                                               id, "--etcd-prefix", kPrefix});
    }
    nodes_.push_back(std::make_unique<GatewayProcess>(binDir() + "/gatewayd", go));
    nodes_.back()->start();
    return *nodes_.back();
  }
  // The provider, created on node 0, seen by every node.
  void createProvider() {
    providerId_ = api_.createProvider(node(0), account_);
    for (size_t i = 1; i < nodes_.size(); ++i) {
      const auto deadline = Clock::now() + 30s;
      while (api_.call(node(i), "GET", "/api/v1/providers/twilio/" + providerId_).status != 200) {
        if (Clock::now() > deadline) throw BenchError("a node never saw the provider");
        std::this_thread::sleep_for(10ms);
      }
    }
  }

  GatewayProcess& node(size_t i) { return *nodes_.at(i); }
  Api& api() { return api_; }
  std::string etcdUrl() const { return etcd_->clientUrls().at(0); }
  std::string endpoints() const { return etcd_->endpoints(); }
  const std::string& providerId() const { return providerId_; }
  const std::vector<gw::integration::EmulatorNumber>& numbers() const { return numbers_; }
  std::vector<std::string> sids(size_t from, size_t count) const {
    std::vector<std::string> out;
    for (size_t i = from; i < from + count; ++i) out.push_back(numbers_.at(i).sid);
    return out;
  }

 private:
  std::string root_;
  std::string adminToken_;
  Api api_;
  std::unique_ptr<gw::testing::EtcdCluster> etcd_;
  std::string masterKey_;
  TwilioAccount account_;
  std::unique_ptr<EmulatorProcess> emulator_;
  std::vector<gw::integration::EmulatorNumber> numbers_;
  std::string providerId_;
  std::vector<std::unique_ptr<GatewayProcess>> nodes_;
};

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  if (v.empty()) return 0;
  size_t at = static_cast<size_t>(p / 100.0 * static_cast<double>(v.size()) + 0.5);
  return v[std::min(v.size() - 1, at == 0 ? 0 : at - 1)];
}

void visibility(const Options& o, const std::string& root) {
  const size_t n = o.visibilityImports;
  std::printf("== visibility: %zu one-SID imports on node-a, routing decision polled on node-c\n",
              n);
  Cluster c(root, static_cast<int>(n));
  for (int i = 0; i < 3; ++i) c.addNode();
  c.createProvider();
  std::vector<double> ms;
  std::vector<double> importMs;
  for (size_t i = 0; i < n; ++i) {
    const auto t0 = Clock::now();
    c.api().import(c.node(0), c.providerId(), c.sids(i, 1));
    const auto answered = Clock::now();
    // 404 until node-c knows the number; then 480 (imported, not linked to an agent).
    const auto routed = c.api().waitStatus(c.node(2), c.numbers()[i].phoneNumber, 480, 200us);
    importMs.push_back(millis(answered - t0));
    ms.push_back(millis(routed - answered));
  }
  std::printf("  import answer on node-a: p50 %.2f ms, p99 %.2f ms\n", percentile(importMs, 50),
              percentile(importMs, 99));
  std::printf("  visible on node-c after the answer: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
              percentile(ms, 50), percentile(ms, 99), percentile(ms, 100));
  std::printf("  target p99 <= 100 ms: %s\n", percentile(ms, 99) <= 100 ? "met" : "not met");
}

// The cluster import of `sids` numbers, with etcd's account of it; returns the seconds.
double clusterImport(const Options&, const std::string& root, size_t sids, bool printEtcd) {
  Cluster c(root, static_cast<int>(sids));
  for (int i = 0; i < 3; ++i) c.addNode();
  c.createProvider();
  auto before = sampleEtcd(c.api(), c.etcdUrl());
  double cpu0[3];
  for (int i = 0; i < 3; ++i) cpu0[i] = gw::bench::processCpuSeconds(c.node(i).pid());
  const double etcdCpu0 = etcdCpuSeconds();
  const auto t0 = Clock::now();
  c.api().import(c.node(0), c.providerId(), c.sids(0, sids));
  const auto answered = Clock::now();
  double cpu[3];
  for (int i = 0; i < 3; ++i) cpu[i] = gw::bench::processCpuSeconds(c.node(i).pid()) - cpu0[i];
  const double etcdCpu = etcdCpuSeconds() - etcdCpu0;
  c.api().waitStatus(c.node(2), c.numbers()[sids - 1].phoneNumber, 480);
  const auto onC = Clock::now();
  auto after = sampleEtcd(c.api(), c.etcdUrl());
  std::printf(
      "  cluster (3 nodes): %zu SIDs imported on node-a in %.3f s (%.0f numbers/s); the "
      "last one routes on node-c %.3f s after the start\n",
      sids, seconds(answered - t0), static_cast<double>(sids) / seconds(answered - t0),
      seconds(onC - t0));
  std::printf(
      "  cluster: CPU seconds during the import: node-a %.2f, node-b %.2f, node-c %.2f, "
      "etcd %.2f\n",
      cpu[0], cpu[1], cpu[2], etcdCpu);
  if (printEtcd) printEtcdDelta("import", before, after, sids);
  return seconds(answered - t0);
}

void importScenario(const Options& o, const std::string& root) {
  const size_t n = o.importSids;
  std::printf("== import: one %zu-SID import, single node vs 3-node cluster\n", n);
  double single = 0;
  {
    Cluster s(root + "/single", static_cast<int>(n));
    s.addNode(false);
    s.createProvider();
    const double cpu0 = gw::bench::processCpuSeconds(s.node(0).pid());
    const auto t0 = Clock::now();
    s.api().import(s.node(0), s.providerId(), s.sids(0, n));
    single = seconds(Clock::now() - t0);
    std::printf("  single node: %zu SIDs in %.3f s (%.0f numbers/s), %.2f CPU seconds\n", n, single,
                static_cast<double>(n) / single,
                gw::bench::processCpuSeconds(s.node(0).pid()) - cpu0);
  }
  const double cluster = clusterImport(o, root + "/cluster", n, true);
  std::printf("  cluster / single = %.2fx; target <= 2x: %s\n", cluster / single,
              cluster <= 2 * single ? "met" : "not met");
}

void spaceScenario(const Options& o, const std::string& root) {
  std::printf("== space: etcd space and requests for one %zu-SID import\n", o.spaceNumbers);
  clusterImport(o, root, o.spaceNumbers, true);
}

void catchup(const Options& o, const std::string& root) {
  const size_t n = o.catchupNumbers;
  std::printf(
      "== catchup: node-c down while %zu numbers are imported on node-a (%zu SIDs per "
      "import), then restarted\n",
      n, o.importBatch);
  Cluster c(root, static_cast<int>(n));
  for (int i = 0; i < 3; ++i) c.addNode();
  c.createProvider();
  c.node(2).stop();
  auto before = sampleEtcd(c.api(), c.etcdUrl());
  const auto t0 = Clock::now();
  for (size_t from = 0; from < n; from += o.importBatch) {
    c.api().import(c.node(0), c.providerId(), c.sids(from, std::min(o.importBatch, n - from)));
  }
  const double importSeconds = seconds(Clock::now() - t0);
  auto after = sampleEtcd(c.api(), c.etcdUrl());
  std::printf("  seeding: %zu numbers imported in %.3f s (%.0f numbers/s)\n", n, importSeconds,
              static_cast<double>(n) / importSeconds);
  printEtcdDelta("seeding", before, after, n);

  const double etcdCpu0 = etcdCpuSeconds();
  const auto restart = Clock::now();
  c.node(2).start();  // returns once its admin API listens
  const auto listening = Clock::now();
  c.api().waitStatus(c.node(2), c.numbers()[n - 1].phoneNumber, 480);
  const auto routed = Clock::now();
  const int64_t count = c.api().numberCount(c.node(2));
  if (count != static_cast<int64_t>(n)) {
    throw BenchError("node-c lists " + std::to_string(count) + " numbers, not " +
                     std::to_string(n));
  }
  std::printf(
      "  node-c restarted: admin API up after %.3f s, routes the last imported number "
      "(so all %zu, applied in revision order) after %.3f s\n",
      seconds(listening - restart), n, seconds(routed - restart));
  std::printf("  node-c used %.2f CPU seconds from its start until then, etcd %.2f\n",
              gw::bench::processCpuSeconds(c.node(2).pid()), etcdCpuSeconds() - etcdCpu0);
  std::printf("  target within 2 s of restarting: %s\n",
              seconds(routed - restart) <= 2.0 ? "met" : "not met");
}

// Runs an EtcdClient coroutine to completion on its own io_context.
template <typename T>
T runEtcd(boost::asio::io_context& io, std::function<boost::asio::awaitable<T>()> fn) {
  std::optional<T> out;
  std::exception_ptr failure;
  bool done = false;
  boost::asio::co_spawn(
      io, [&]() -> boost::asio::awaitable<void> { out.emplace(co_await fn()); },
      [&](std::exception_ptr e) {
        failure = e;
        done = true;
      });
  io.restart();
  while (!done) io.run_one_for(100ms);
  if (failure) std::rethrow_exception(failure);
  return std::move(*out);
}

void resync(const Options& o, const std::string& root) {
  const size_t n = o.resyncNumbers;
  std::printf("== resync: %zu numbers written into etcd, then a fresh node started\n", n);
  Cluster c(root, 1);
  c.addNode();
  c.createProvider();
  // A template record: the provider's org and id, linked to a redirect agent.
  c.api().import(c.node(0), c.providerId(), c.sids(0, 1));
  auto agent = gw::integration::stringMember(
      gw::integration::parseJson(
          c.api()
              .expect(c.node(0), "POST", "/api/v1/agents", 201,
                      gw::integration::objectBody(
                          {{"name", "bench"}, {"sipUri", kRedirectTarget}, {"mode", "redirect"}}))
              .body),
      "id");
  auto page = gw::integration::parseNumberPage(
      c.api().expect(c.node(0), "GET", "/api/v1/sip-phone-numbers?take=1", 200).body);
  const std::string firstId = page.items.at(0).id;
  c.api().expect(c.node(0), "PUT",
                 "/api/v1/sip-phone-numbers/" + firstId + "/agent-link?agentId=" + *agent, 200);

  boost::asio::io_context io;
  gw::cluster::EtcdClient etcd(io, {{c.etcdUrl()}, 30s, 5s});
  gw::cluster::Keyspace keys(kPrefix);
  auto tmpl = gw::cluster::decodeNumber(
      runEtcd<gw::cluster::EtcdResult<gw::cluster::RangeResponse>>(
          io,
          [&]() -> boost::asio::awaitable<gw::cluster::EtcdResult<gw::cluster::RangeResponse>> {
            gw::cluster::RangeRequest request;
            request.key = keys.number(firstId);
            co_return co_await etcd.range(std::move(request));
          })
          .value()
          .kvs.at(0)
          .value);
  if (tmpl.incomingCallsAgentId.empty()) throw BenchError("the template number is not linked");

  auto before = sampleEtcd(c.api(), c.etcdUrl());
  const auto seedStart = Clock::now();
  std::string last;
  for (size_t from = 0; from < n; from += kNumbersPerTxn) {
    gw::cluster::TxnRequest txn;
    for (size_t i = from; i < std::min(n, from + kNumbersPerTxn); ++i) {
      gw::store::PhoneNumber num = tmpl;
      char buf[64];
      std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012zx", i);
      num.id = buf;
      std::snprintf(buf, sizeof buf, "PN%032zx", i);
      num.phoneNumberSid = buf;
      std::snprintf(buf, sizeof buf, "+19%09zu", i);
      num.phoneNumber = buf;
      txn.success.push_back(
          gw::cluster::Op::put(keys.number(num.id), gw::cluster::encodeNumber(num)));
      txn.success.push_back(gw::cluster::Op::put(keys.sidClaim(num.phoneNumberSid), num.id));
      txn.success.push_back(gw::cluster::Op::put(keys.e164Claim(num.phoneNumber), num.id));
      last = num.phoneNumber;
    }
    auto r = runEtcd<gw::cluster::EtcdResult<gw::cluster::TxnResponse>>(
        io, [&]() -> boost::asio::awaitable<gw::cluster::EtcdResult<gw::cluster::TxnResponse>> {
          gw::cluster::TxnRequest request = txn;
          co_return co_await etcd.txn(std::move(request));
        });
    if (!r) throw BenchError("seeding etcd: " + r.error().message);
  }
  auto after = sampleEtcd(c.api(), c.etcdUrl());
  std::printf("  seeding (untimed setup): %zu numbers in %.1f s\n", n,
              seconds(Clock::now() - seedStart));
  printEtcdDelta("seeding", before, after, n);

  const double etcdCpu0 = etcdCpuSeconds();
  const auto start = Clock::now();
  GatewayProcess& fresh = c.addNode();
  const auto listening = Clock::now();
  c.api().waitStatus(fresh, last, 302, 2ms);
  const auto routed = Clock::now();
  const int64_t count = c.api().numberCount(fresh);
  if (count != static_cast<int64_t>(n) + 1) {
    throw BenchError("the fresh node lists " + std::to_string(count) + " numbers, not " +
                     std::to_string(n + 1));
  }
  std::printf("  fresh node used %.2f CPU seconds from its start until then, etcd %.2f\n",
              gw::bench::processCpuSeconds(fresh.pid()), etcdCpuSeconds() - etcdCpu0);
  std::printf("  fresh node: admin API up after %.3f s, routes all %zu numbers after %.3f s\n",
              seconds(listening - start), n + 1, seconds(routed - start));
  std::printf("  target full resync of 1,000,000 numbers <= 15 s%s: %s\n",
              n == 1'000'000 ? "" : " (not this size: extrapolate)",
              n == 1'000'000 ? (seconds(routed - start) <= 15 ? "met" : "not met") : "n/a");
}

const char kUsage[] =
    "Usage: bench-cluster-e2e [--smoke] [--scenario visibility|import|catchup|resync|space]...\n"
    "                         [--visibility-imports N] [--import-sids N] [--catchup-numbers N]\n"
    "                         [--resync-numbers N] [--space-numbers N] [--import-batch N]\n"
    "  Defaults: every scenario at the sizes of the targets (1,000 / 10,000 / 100,000 /\n"
    "  1,000,000 / 10,000). --smoke: tiny sizes, for CI.\n";

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto size = [&](size_t& out) {
      if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
      out = std::stoul(argv[++i]);
      if (out == 0) throw std::invalid_argument(a + " must be positive");
    };
    try {
      if (a == "--smoke") {
        o.smoke = true;
        o.visibilityImports = 20;
        o.importSids = 200;
        o.catchupNumbers = 300;
        o.importBatch = 100;
        o.resyncNumbers = 1000;
        o.spaceNumbers = 200;
      } else if (a == "--scenario" && i + 1 < argc) {
        o.scenarios.emplace_back(argv[++i]);
      } else if (a == "--visibility-imports") {
        size(o.visibilityImports);
      } else if (a == "--import-sids") {
        size(o.importSids);
      } else if (a == "--catchup-numbers") {
        size(o.catchupNumbers);
      } else if (a == "--resync-numbers") {
        size(o.resyncNumbers);
      } else if (a == "--space-numbers") {
        size(o.spaceNumbers);
      } else if (a == "--import-batch") {
        size(o.importBatch);
      } else if (a == "-h" || a == "--help") {
        std::fputs(kUsage, stdout);
        return 0;
      } else {
        throw std::invalid_argument("unknown argument " + a);
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bench-cluster-e2e: %s\n%s", e.what(), kUsage);
      return 2;
    }
  }
  const std::vector<std::pair<std::string, void (*)(const Options&, const std::string&)>> all = {
      {"visibility", visibility},
      {"import", importScenario},
      {"catchup", catchup},
      {"resync", resync},
      {"space", spaceScenario}};
  for (const auto& s : o.scenarios) {
    if (std::none_of(all.begin(), all.end(), [&](const auto& e) { return e.first == s; })) {
      std::fprintf(stderr, "bench-cluster-e2e: unknown scenario %s\n%s", s.c_str(), kUsage);
      return 2;
    }
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  int rc = 0;
  try {
    if (o.smoke) {
      std::printf(
          "--smoke: tiny sizes that check the scenarios run; their verdicts say nothing "
          "about the targets\n");
    }
    gw::testsupport::TempDir dir("gw-bench-cluster");
    for (const auto& [name, fn] : all) {
      if (!o.scenarios.empty() &&
          std::find(o.scenarios.begin(), o.scenarios.end(), name) == o.scenarios.end()) {
        continue;
      }
      const auto t0 = Clock::now();
      fn(o, dir.path() + "/" + name);
      std::printf("  (%s took %.1f s)\n", name.c_str(), seconds(Clock::now() - t0));
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench-cluster-e2e: %s\n", e.what());
    rc = 1;
  }
  curl_global_cleanup();
  return rc;
}
