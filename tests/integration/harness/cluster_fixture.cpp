#include "harness/cluster_fixture.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <thread>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "cluster/etcd_json.hpp"

namespace gw::integration {
namespace {

using namespace std::chrono_literals;

// The caller sends from 127.0.0.1 (trusted by every node); a sipp agent listens on
// 127.0.0.2 so that no node mistakes the caller for an agent.
constexpr const char* kCallerIp = "127.0.0.1";
constexpr const char* kNodeIp = "127.0.0.1";
constexpr const char* kAgentIp = "127.0.0.2";
constexpr auto kPollInterval = 100ms;

std::string base64(const std::string& in) {
  return cluster::etcd_json::base64Encode(in);
}

}  // namespace

std::vector<std::string> originationUrls(EmulatorProcess& emulator, const TwilioAccount& account,
                                         const std::string& trunkSid) {
  const std::string auth = base64(account.sid + ":" + account.token);
  registerSecret(auth);
  HttpClient http;
  auto resp =
      http.get(emulator.baseUrl() + "/v1/Trunks/" + trunkSid + "/OriginationUrls?PageSize=1000",
               {"Authorization: Basic " + auth});
  if (resp.status != 200) throw std::runtime_error("origination URLs: " + resp.describe());
  auto d = parseJson(resp.body);
  std::vector<std::string> out;
  if (d.HasMember("origination_urls") && d["origination_urls"].IsArray()) {
    for (const auto& u : d["origination_urls"].GetArray()) {
      if (auto url = stringMember(u, "sip_url")) out.push_back(*url);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

ClusterTest::ClusterTest() = default;

ClusterTest::~ClusterTest() = default;

void ClusterTest::TearDown() {
  // Nodes leave while etcd still runs, so they can revoke their leases and exit cleanly.
  if (etcd_) etcd_->startAll();
  GatewayTest::TearDown();
  nodes_.clear();
  nodeUris_.clear();
  etcd_.reset();
}

std::string ClusterTest::nodeId(size_t i) const {
  return std::string("node-") + static_cast<char>('a' + i);
}

std::vector<std::string> ClusterTest::nodeArgs(const std::string& id) const {
  std::vector<std::string> args = {"--etcd-endpoints",   etcd_->endpoints(),
                                   "--node-id",          id,
                                   "--master-key-file",  masterKeyFile_,
                                   "--sip-trusted-cidr", "127.0.0.0/8",
                                   "--sip-workers",      "2"};
  if (options_.leaseTtlSeconds > 0) {
    args.insert(args.end(), {"--etcd-lease-ttl", std::to_string(options_.leaseTtlSeconds) + "s"});
  }
  if (options_.graceMs > 0) {
    args.insert(args.end(), {"--cluster-grace", std::to_string(options_.graceMs) + "ms"});
  }
  args.insert(args.end(), options_.extraArgs.begin(), options_.extraArgs.end());
  return args;
}

void ClusterTest::startCluster(size_t nodes, ClusterOptions options) {
  options_ = std::move(options);
  etcd_ = std::make_unique<gw::testing::EtcdCluster>(options_.etcdMembers);

  // One key for every node: a provider's auth token sealed by one node is read by all.
  masterKeyFile_ = makeTempDir() + "/master-key";
  {
    std::ofstream out(masterKeyFile_);
    out << "1 " << randomHex(64) << "\n";
    if (!out) throw std::runtime_error("cannot write " + masterKeyFile_);
  }
  std::filesystem::permissions(
      masterKeyFile_, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

  account_ = randomAccount();
  EmulatorOptions eo;
  eo.accounts.push_back(account_);
  eo.numbers = options_.numbers;
  emulator_ = &startEmulator(std::move(eo));
  numbers_ = emulator_->numbers(account_.sid);

  for (size_t i = 0; i < nodes; ++i) launchNode();
  providerId_ = createProvider(node(0), account_);
  for (size_t i = 1; i < nodes; ++i) {
    bool seen = waitFor([&] {
      return call(node(i), "GET", "/api/v1/providers/twilio/" + providerId_).status == 200;
    });
    if (!seen) throw std::runtime_error(nodeId(i) + " never saw the provider created on node-a");
  }
}

GatewayProcess& ClusterTest::launchNode() {
  // Each node's public SIP URI must be its own (the trunk's origination URLs are the
  // nodes'), and name the port it listens on (Via and Record-Route carry it).
  const uint16_t port = freeSipPort(kNodeIp);
  const std::string listen = std::string(kNodeIp) + ":" + std::to_string(port);
  GatewayOptions go;
  go.publicSipUri = "sip:" + listen;
  go.extraArgs = nodeArgs(nodeId(nodes_.size()));
  go.extraArgs.insert(go.extraArgs.end(), {"--sip-listen", listen});  // the last one counts
  nodeUris_.push_back(*go.publicSipUri);
  nodes_.push_back(&startGateway(std::move(go)));
  return *nodes_.back();
}

GatewayProcess& ClusterTest::addNode() {
  const size_t i = nodes_.size();
  launchNode();
  if (!providerId_.empty()) {
    bool seen = waitFor([&] {
      return call(node(i), "GET", "/api/v1/providers/twilio/" + providerId_).status == 200;
    });
    if (!seen) throw std::runtime_error(nodeId(i) + " never saw the provider");
  }
  return node(i);
}

std::vector<std::string> ClusterTest::sids(size_t from, size_t count) const {
  std::vector<std::string> out;
  for (size_t i = from; i < from + count && i < numbers_.size(); ++i) {
    out.push_back(numbers_[i].sid);
  }
  return out;
}

void ClusterTest::restart(size_t i) {
  if (node(i).running()) node(i).stop();
  node(i).start();
}

bool ClusterTest::waitFor(const std::function<bool()>& condition,
                          std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    try {
      if (condition()) return true;
    } catch (const std::exception&) {
      // Not yet: a node or etcd that is still coming up answers oddly.
    }
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(kPollInterval);
  }
}

int64_t ClusterTest::numberCount(GatewayProcess& gw) {
  auto resp = call(gw, "GET", "/api/v1/sip-phone-numbers?take=1");
  if (resp.status != 200) return -1;
  return parseNumberPage(resp.body).totalCount;
}

bool ClusterTest::waitForCount(GatewayProcess& gw, int64_t count,
                               std::chrono::milliseconds timeout) {
  return waitFor([&] { return numberCount(gw) == count; }, timeout);
}

std::vector<std::string> ClusterTest::storedNumbers(GatewayProcess& gw) {
  std::vector<std::string> out;
  for (const auto& n : allNumbers(gw)) {
    out.push_back(n.id + " " + n.phoneNumberSid + " " + n.providerId);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<NumberRecord> ClusterTest::findNumber(GatewayProcess& gw, const std::string& sid) {
  for (auto& n : allNumbers(gw)) {
    if (n.phoneNumberSid == sid) return n;
  }
  return std::nullopt;
}

std::string ClusterTest::agentsBody(GatewayProcess& gw) {
  auto resp = call(gw, "GET", "/api/v1/agents?take=1000");
  return resp.status == 200 ? resp.body : std::string();
}

std::string ClusterTest::createAgent(GatewayProcess& gw, const std::string& sipUri,
                                     const std::string& mode) {
  auto resp = call(gw, "POST", "/api/v1/agents",
                   objectBody({{"name", mode + " agent"}, {"sipUri", sipUri}, {"mode", mode}}));
  if (resp.status != 201) throw std::runtime_error("creating an agent: " + resp.describe());
  auto id = stringMember(parseJson(resp.body), "id");
  if (!id) throw std::runtime_error("created agent has no id: " + resp.describe());
  return *id;
}

void ClusterTest::link(GatewayProcess& gw, const std::string& numberId,
                       const std::string& agentId) {
  auto resp =
      call(gw, "PUT", "/api/v1/sip-phone-numbers/" + numberId + "/agent-link?agentId=" + agentId);
  if (resp.status != 200) throw std::runtime_error("linking: " + resp.describe());
}

bool ClusterTest::waitUntilRouted(GatewayProcess& gw, const std::string& e164,
                                  std::chrono::milliseconds timeout) {
  return waitFor(
      [&] {
        auto d = explainRoute(gw, e164, kCallerIp);
        return d.HasMember("agent") && d["agent"].IsObject();
      },
      timeout);
}

SippResult ClusterTest::callRedirect(GatewayProcess& gw, const std::string& e164,
                                     const std::string& contact) {
  SippOptions o;
  o.scenario = "uac_redirect.xml";
  o.remote = gw.sipAddress().text();
  o.service = e164;
  o.localIp = kCallerIp;
  o.keys = {{"expected_contact", contact}};
  return runSipp(std::move(o));
}

SippResult ClusterTest::callProxied(GatewayProcess& gw, const std::string& e164) {
  SippOptions o;
  o.scenario = "uac_call.xml";
  o.remote = gw.sipAddress().text();
  o.service = e164;
  o.localIp = kCallerIp;
  return runSipp(std::move(o));
}

std::unique_ptr<SippProcess> ClusterTest::startAgentUas(int calls) {
  SippOptions o;
  o.scenario = "uas_answer.xml";
  o.localIp = kAgentIp;
  o.calls = calls;
  o.timeout = std::chrono::seconds(60);
  auto uas = std::make_unique<SippProcess>(std::move(o));
  uas->waitUntilListening();
  return uas;
}

std::string ClusterTest::redirectTarget() {
  // TEST-NET-1 (RFC 5737): named in the 302, never contacted.
  return "sip:agent@192.0.2.10:5070";
}

std::vector<NumberRecord> ClusterTest::importAndLink(size_t i, size_t from, size_t count) {
  GatewayProcess& gw = node(i);
  auto wanted = sids(from, count);
  auto r = importNumbers(gw, providerId_, wanted);
  if (r.successCount != static_cast<int64_t>(wanted.size())) {
    throw std::runtime_error("importing on " + nodeId(i) + ": " + std::to_string(r.successCount) +
                             " of " + std::to_string(wanted.size()) + " imported");
  }
  std::string agent;
  for (const auto& [g, id] : redirectAgents_) {
    if (g == &gw) agent = id;
  }
  if (agent.empty()) {
    agent = createAgent(gw, redirectTarget(), "redirect");
    redirectAgents_.emplace_back(&gw, agent);
  }
  std::vector<NumberRecord> out;
  auto stored = allNumbers(gw);
  for (const auto& sid : wanted) {
    auto it = std::find_if(stored.begin(), stored.end(),
                           [&](const NumberRecord& n) { return n.phoneNumberSid == sid; });
    if (it == stored.end()) throw std::runtime_error("imported " + sid + " is not listed");
    link(gw, it->id, agent);
    out.push_back(*it);
  }
  for (size_t n = 0; n < nodes_.size(); ++n) {
    if (!node(n).running()) continue;
    for (const auto& rec : out) {
      if (!waitUntilRouted(node(n), rec.phoneNumber)) {
        throw std::runtime_error(nodeId(n) + " does not route " + rec.phoneNumber);
      }
    }
  }
  return out;
}

rapidjson::Document ClusterTest::clusterStatus(GatewayProcess& gw) {
  auto resp = call(gw, "GET", "/api/v1/cluster");
  if (resp.status != 200) throw std::runtime_error("GET /api/v1/cluster: " + resp.describe());
  return parseJson(resp.body);
}

std::string ClusterTest::writesReadiness(GatewayProcess& gw) {
  auto resp = call(gw, "GET", "/readyz");
  if (resp.body.empty()) return "";
  return stringMember(parseJson(resp.body), "writes").value_or("");
}

HttpResponse ClusterTest::etcdPost(const std::string& path, const std::string& body) {
  HttpResponse last;
  auto urls = etcd_->clientUrls();
  for (size_t i = 0; i < urls.size(); ++i) {
    if (!etcd_->running(i)) continue;
    last = etcdHttp_.post(urls[i] + path, body, "application/json");
    if (last.status == 200) return last;
  }
  return last;
}

int64_t ClusterTest::etcdRevision() {
  // A range read of one key that need not exist: its header carries the revision.
  auto resp = etcdPost("/v3/kv/range", R"({"key":")" + base64("/gateway/") + R"(","limit":1})");
  if (resp.status != 200) throw std::runtime_error("etcd range: " + resp.describe());
  auto d = parseJson(resp.body);
  if (!d.HasMember("header") || !d["header"].IsObject()) {
    throw std::runtime_error("etcd range without header: " + resp.body);
  }
  auto rev = stringMember(d["header"], "revision");
  if (!rev) throw std::runtime_error("etcd range without revision: " + resp.body);
  return std::stoll(*rev);
}

int64_t ClusterTest::compactEtcd() {
  const int64_t rev = etcdRevision();
  auto resp = etcdPost("/v3/kv/compaction",
                       R"({"revision":")" + std::to_string(rev) + R"(","physical":true})");
  if (resp.status != 200) throw std::runtime_error("etcd compaction: " + resp.describe());
  return rev;
}

}  // namespace gw::integration
