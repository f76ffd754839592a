#pragma once
// The fixture of the cluster's black-box tests: a real etcd (one member or three), one
// twilio-emulator account and two or three gatewayd nodes on loopback that share etcd and one
// master key file, each with its own data directory, admin port and SIP port. Helpers cover
// what the tests do on any node: import, create agents, link, call with sipp, count, wait
// for a condition with a deadline, read GET /api/v1/cluster, and talk to etcd's JSON gateway.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "harness/gateway_fixture.hpp"
#include "harness/sipp_process.hpp"
#include "tests/support/etcd_server.hpp"

namespace gw::integration {

struct ClusterOptions {
  size_t etcdMembers = 1;
  int numbers = 20;  // in the emulator account
  // --etcd-lease-ttl and --cluster-grace; 0: gatewayd's defaults.
  int leaseTtlSeconds = 0;
  int graceMs = 0;
  std::vector<std::string> extraArgs;  // for every node
};

// The sip_url of every origination URL of trunk `trunkSid` in the emulator, sorted, read as
// the account through Trunking v1.
std::vector<std::string> originationUrls(EmulatorProcess& emulator, const TwilioAccount& account,
                                         const std::string& trunkSid);

class ClusterTest : public GatewayTest {
 protected:
  ClusterTest();
  ~ClusterTest() override;
  void TearDown() override;

  // etcd, the emulator (one account of options.numbers numbers), `nodes` gateways named
  // node-a, node-b... and one provider created on node 0 and visible on every node.
  void startCluster(size_t nodes, ClusterOptions options = {});
  // One more node (the next name) on the same etcd; waits until it sees the provider.
  GatewayProcess& addNode();

  GatewayProcess& node(size_t i) { return *nodes_.at(i); }
  size_t nodeCount() const { return nodes_.size(); }
  std::string nodeId(size_t i) const;
  // "sip:127.0.0.1:P": the node's --public-sip-uri, P the SIP port it listens on (kept
  // across restarts, as a real node's address is).
  const std::string& nodeUri(size_t i) const { return nodeUris_.at(i); }
  gw::testing::EtcdCluster& etcd() { return *etcd_; }
  EmulatorProcess& emulator() { return *emulator_; }
  const TwilioAccount& account() const { return account_; }
  const std::string& providerId() const { return providerId_; }
  // The account's numbers as the emulator listed them at start.
  const std::vector<EmulatorNumber>& numbers() const { return numbers_; }
  // SIDs of numbers()[from, from + count).
  std::vector<std::string> sids(size_t from, size_t count) const;

  // Restarts a node that was killed or stopped, with its data directory and flags.
  void restart(size_t i);

  // Polls `condition` until it holds or `timeout` passes; true when it held.
  static bool waitFor(const std::function<bool()>& condition,
                      std::chrono::milliseconds timeout = std::chrono::seconds(20));

  // totalCount of GET /api/v1/sip-phone-numbers; -1 when the node does not answer 200.
  int64_t numberCount(GatewayProcess& gw);
  // Waits until the node lists exactly `count` numbers; false at the deadline.
  bool waitForCount(GatewayProcess& gw, int64_t count,
                    std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // "<id> <sid> <providerId>" of every stored number, sorted.
  std::vector<std::string> storedNumbers(GatewayProcess& gw);
  // The stored number with this SID, or nullopt.
  std::optional<NumberRecord> findNumber(GatewayProcess& gw, const std::string& sid);
  // The body of GET /api/v1/agents?take=1000, "" when not 200.
  std::string agentsBody(GatewayProcess& gw);

  // POST /api/v1/agents; throws unless 201. The new agent's id.
  std::string createAgent(GatewayProcess& gw, const std::string& sipUri, const std::string& mode);
  // PUT .../agent-link; throws unless 200.
  void link(GatewayProcess& gw, const std::string& numberId, const std::string& agentId);
  // Waits until the node's routing table sends an INVITE for `e164` to an agent (explain).
  bool waitUntilRouted(GatewayProcess& gw, const std::string& e164,
                       std::chrono::milliseconds timeout = std::chrono::seconds(30));

  // A sipp UAC INVITE to the node for `e164`, expecting a 302 to `contact`.
  SippResult callRedirect(GatewayProcess& gw, const std::string& e164, const std::string& contact);
  // A sipp UAC call to the node for `e164`, proxied to a sipp UAS agent (started before).
  SippResult callProxied(GatewayProcess& gw, const std::string& e164);
  // A sipp UAS on 127.0.0.2 answering `calls` calls as an agent.
  std::unique_ptr<SippProcess> startAgentUas(int calls = 1);

  // Imports numbers()[from, from + count) through node `i`, links each to a redirect agent
  // created there, and waits until every node routes them. The stored records.
  std::vector<NumberRecord> importAndLink(size_t i, size_t from, size_t count);
  // The redirect agent's URI importAndLink links to.
  static std::string redirectTarget();

  // GET /api/v1/cluster of the node; throws unless 200.
  rapidjson::Document clusterStatus(GatewayProcess& gw);
  // The node's /readyz "writes" field ("available" or "unavailable"); "" when absent.
  std::string writesReadiness(GatewayProcess& gw);

  // originationUrls() of the cluster's account.
  std::vector<std::string> originationUrls(const std::string& trunkSid) {
    return gw::integration::originationUrls(*emulator_, account_, trunkSid);
  }

  // etcd's JSON gateway on the first running member: POST `path` with `body`.
  HttpResponse etcdPost(const std::string& path, const std::string& body);
  // etcd's current revision (a range read's header); throws when etcd does not answer.
  int64_t etcdRevision();
  // Compacts etcd's history up to its current revision (physical); returns that revision.
  int64_t compactEtcd();

 private:
  // Starts node `i` (nodes_.size()) on a SIP port of its own.
  GatewayProcess& launchNode();
  std::vector<std::string> nodeArgs(const std::string& id) const;

  ClusterOptions options_;
  std::unique_ptr<gw::testing::EtcdCluster> etcd_;
  EmulatorProcess* emulator_ = nullptr;
  TwilioAccount account_;
  std::vector<EmulatorNumber> numbers_;
  std::string providerId_;
  std::string masterKeyFile_;
  std::vector<GatewayProcess*> nodes_;
  std::vector<std::string> nodeUris_;
  // The redirect agent importAndLink created on each node, created on first use.
  std::vector<std::pair<GatewayProcess*, std::string>> redirectAgents_;
  HttpClient etcdHttp_;
};

}  // namespace gw::integration
