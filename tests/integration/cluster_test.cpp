// Several gatewayd nodes on one etcd: what one node writes, every node routes; overlapping
// imports on two nodes store each SID once; one etcd member of three may die unnoticed; the
// leader keeps the trunk's origination URLs equal to the live nodes. Without
// --etcd-endpoints gatewayd is a single node as before. Real etcd, gatewayd, emulator and
// sipp processes on loopback (harness/cluster_fixture.hpp).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <latch>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "harness/cluster_fixture.hpp"

namespace gw::integration {
namespace {

using namespace std::chrono_literals;
using ::testing::Contains;

// Short enough that membership changes within a test's deadlines.
ClusterOptions fastMembership() {
  ClusterOptions o;
  o.leaseTtlSeconds = 2;
  o.graceMs = 3000;
  return o;
}

// The entries of "nodes" in GET /api/v1/cluster (none when it is missing).
std::vector<const rapidjson::Value*> nodesOf(const rapidjson::Value& status) {
  std::vector<const rapidjson::Value*> out;
  if (!status.IsObject() || !status.HasMember("nodes") || !status["nodes"].IsArray()) return out;
  for (const auto& n : status["nodes"].GetArray()) {
    if (n.IsObject()) out.push_back(&n);
  }
  return out;
}

std::optional<bool> boolMember(const rapidjson::Value& obj, const char* key) {
  if (!obj.IsObject() || !obj.HasMember(key) || !obj[key].IsBool()) return std::nullopt;
  return obj[key].GetBool();
}

// The publicSipUri a node reports for itself in GET /api/v1/cluster, or "".
std::string reportedUri(const rapidjson::Value& status, const std::string& nodeId) {
  for (const auto* n : nodesOf(status)) {
    if (stringMember(*n, "nodeId") == nodeId) {
      return stringMember(*n, "publicSipUri").value_or("");
    }
  }
  return "";
}

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

using ClusterRoutingTest = ClusterTest;

TEST_F(ClusterRoutingTest, ImportOnOneNodeRoutesOnAnother) {
  startCluster(3);
  const auto& number = numbers().at(0);
  auto imported = importNumbers(node(0), providerId(), {number.sid});
  ASSERT_EQ(imported.successCount, 1);
  ASSERT_TRUE(waitFor([&] { return findNumber(node(1), number.sid).has_value(); }))
      << "node-b never listed the number imported on node-a";
  auto record = *findNumber(node(1), number.sid);

  auto uas = startAgentUas(2);
  link(node(1), record.id, createAgent(node(1), uas->sipUri(), "proxy"));
  ASSERT_TRUE(waitUntilRouted(node(2), number.phoneNumber)) << "node-c does not route it";
  ASSERT_TRUE(waitUntilRouted(node(0), number.phoneNumber)) << "node-a does not route it";

  auto viaC = callProxied(node(2), number.phoneNumber);
  auto viaA = callProxied(node(0), number.phoneNumber);
  auto agent = uas->wait();

  EXPECT_TRUE(viaC.ok()) << viaC.describe();
  EXPECT_TRUE(viaA.ok()) << viaA.describe();
  EXPECT_TRUE(agent.ok()) << agent.describe();
  // Reads say which etcd revision the node's replica reflects.
  auto list = call(node(2), "GET", "/api/v1/sip-phone-numbers");
  ASSERT_EQ(list.status, 200) << list.describe();
  auto revision = list.header("Gateway-Revision");
  ASSERT_TRUE(revision.has_value()) << "no Gateway-Revision header on a read";
  EXPECT_GT(std::stoll(*revision), 0);
}

TEST_F(ClusterRoutingTest, OverlappingImportsImportEachSidOnce) {
  ClusterOptions o;
  o.numbers = 30;
  startCluster(3, o);
  const auto onA = sids(0, 20);   // 0..19
  const auto onB = sids(10, 20);  // 10..29: 10..19 on both
  const std::set<std::string> overlap(onB.begin(), onB.begin() + 10);
  const HttpRequest reqA = importRequest(node(0), providerId(), onA);
  const HttpRequest reqB = importRequest(node(1), providerId(), onB);

  HttpResponse respA, respB;
  std::latch ready(2);
  auto send = [&ready](const HttpRequest& req, HttpResponse& out) {
    HttpClient client;
    ready.arrive_and_wait();
    out = client.send(req);
  };
  std::thread a(send, std::cref(reqA), std::ref(respA));
  std::thread b(send, std::cref(reqB), std::ref(respB));
  a.join();
  b.join();

  ASSERT_EQ(respA.status, 200) << respA.describe();
  ASSERT_EQ(respB.status, 200) << respB.describe();
  auto rA = parseImportResult(respA.body);
  auto rB = parseImportResult(respB.body);
  EXPECT_EQ(rA.successCount + rB.successCount, 30) << respA.body << "\n" << respB.body;
  EXPECT_EQ(rA.failedCount + rB.failedCount, 10);
  std::set<std::string> lostA, lostB;
  for (const auto& e : rA.errors) {
    EXPECT_EQ(e.errorMessage, "Already imported") << e.phoneNumberSid;
    lostA.insert(e.phoneNumberSid);
  }
  for (const auto& e : rB.errors) {
    EXPECT_EQ(e.errorMessage, "Already imported") << e.phoneNumberSid;
    lostB.insert(e.phoneNumberSid);
  }
  // Each SID both imported is reported "Already imported" by exactly one of the two.
  for (const auto& sid : overlap) {
    EXPECT_NE(lostA.count(sid), lostB.count(sid)) << sid << " lost by both or by neither";
  }
  for (const auto& sid : lostA) EXPECT_TRUE(overlap.count(sid)) << sid << " is not shared";
  for (const auto& sid : lostB) EXPECT_TRUE(overlap.count(sid)) << sid << " is not shared";

  ASSERT_TRUE(waitForCount(node(2), 30)) << "node-c lists " << numberCount(node(2));
  std::set<std::string> stored;
  std::set<std::string> ids;
  for (const auto& n : allNumbers(node(2))) {
    stored.insert(n.phoneNumberSid);
    ids.insert(n.id);
  }
  EXPECT_EQ(stored.size(), 30u);
  EXPECT_EQ(ids.size(), 30u);
  for (const auto& sid : sids(0, 30)) EXPECT_TRUE(stored.count(sid)) << sid << " not stored";
}

TEST_F(ClusterRoutingTest, OneEtcdMemberOfThreeKilled) {
  ClusterOptions o;
  o.etcdMembers = 3;
  startCluster(3, o);
  importAndLink(0, 0, 2);

  etcd().kill(0);

  // Every node still writes, and every node routes what any node wrote.
  std::vector<NumberRecord> routed;
  for (size_t i = 0; i < 3; ++i) {
    auto records = importAndLink(i, 2 + 2 * i, 2);
    routed.insert(routed.end(), records.begin(), records.end());
  }
  for (size_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(waitForCount(node(i), 8)) << nodeId(i) << " lists " << numberCount(node(i));
    for (const auto& rec : {routed.front(), routed.back()}) {
      auto r = callRedirect(node(i), rec.phoneNumber, redirectTarget());
      EXPECT_TRUE(r.ok()) << nodeId(i) << " calling " << rec.phoneNumber << "\n" << r.describe();
    }
  }
}

TEST_F(ClusterRoutingTest, ClusterStatusListsEveryNode) {
  startCluster(2);
  ASSERT_TRUE(waitFor([&] {
    auto d = clusterStatus(node(1));
    return nodesOf(d).size() == 2 && !stringMember(d, "leader").value_or("").empty();
  }));
  auto d = clusterStatus(node(1));
  EXPECT_EQ(stringMember(d, "mode"), "cluster");
  EXPECT_EQ(stringMember(d, "nodeId"), nodeId(1));
  EXPECT_EQ(boolMember(d, "etcdReachable"), true);
  EXPECT_GT(intMember(d, "revision").value_or(0), 0);
  std::set<std::string> ids;
  for (const auto* n : nodesOf(d)) {
    ids.insert(stringMember(*n, "nodeId").value_or(""));
    EXPECT_EQ(boolMember(*n, "live"), true);
    EXPECT_TRUE(intMember(*n, "appliedRevision").has_value());
    EXPECT_TRUE(intMember(*n, "lag").has_value());
  }
  EXPECT_EQ(ids, (std::set<std::string>{nodeId(0), nodeId(1)}));
  // The answering node, once it has applied the registry's last write, lags by nothing:
  // membership's own writes (every node's report) move etcd's revision, not the lag.
  EXPECT_TRUE(waitFor([&] {
    auto now = clusterStatus(node(1));
    for (const auto* n : nodesOf(now)) {
      if (stringMember(*n, "nodeId") == nodeId(1)) return intMember(*n, "lag") == 0;
    }
    return false;
  })) << call(node(1), "GET", "/api/v1/cluster").body;
}

using ClusterMembershipTest = ClusterTest;

TEST_F(ClusterMembershipTest, JoiningNodeBecomesAnOriginationUrl) {
  startCluster(2, fastMembership());
  const std::string trunk = providerTrunk(node(0), providerId());
  ASSERT_TRUE(waitFor([&] {
    auto urls = originationUrls(trunk);
    return contains(urls, nodeUri(0)) && contains(urls, nodeUri(1));
  })) << "the first two nodes are not both origination URLs";

  GatewayProcess& joined = addNode();

  std::vector<std::string> urls;
  EXPECT_TRUE(waitFor([&] {
    urls = originationUrls(trunk);
    return contains(urls, nodeUri(2));
  })) << nodeUri(2)
      << " never became an origination URL of " << trunk;
  EXPECT_THAT(urls, Contains(nodeUri(0)));
  EXPECT_THAT(urls, Contains(nodeUri(1)));
  EXPECT_EQ(reportedUri(clusterStatus(joined), nodeId(2)), nodeUri(2));
}

TEST_F(ClusterMembershipTest, NodeGoneLongerThanGraceIsRemoved) {
  startCluster(3, fastMembership());
  const std::string trunk = providerTrunk(node(0), providerId());
  ASSERT_TRUE(waitFor([&] {
    auto urls = originationUrls(trunk);
    return contains(urls, nodeUri(0)) && contains(urls, nodeUri(1)) && contains(urls, nodeUri(2));
  })) << "not every node is an origination URL";

  node(2).kill();

  std::vector<std::string> urls;
  EXPECT_TRUE(waitFor(
      [&] {
        urls = originationUrls(trunk);
        return !contains(urls, nodeUri(2));
      },
      30s))
      << nodeUri(2) << " is still an origination URL after the grace period";
  EXPECT_THAT(urls, Contains(nodeUri(0)));
  EXPECT_THAT(urls, Contains(nodeUri(1)));
}

TEST_F(ClusterMembershipTest, LeaderKilledAnotherNodeLeads) {
  startCluster(3, fastMembership());
  std::string leader;
  ASSERT_TRUE(waitFor([&] {
    leader = stringMember(clusterStatus(node(0)), "leader").value_or("");
    return !leader.empty();
  })) << "no leader";
  size_t killed = 3;
  for (size_t i = 0; i < 3; ++i) {
    if (nodeId(i) == leader) killed = i;
  }
  ASSERT_LT(killed, 3u) << "the leader " << leader << " is none of the nodes";

  node(killed).kill();

  const size_t other = (killed + 1) % 3;
  std::string next;
  EXPECT_TRUE(waitFor(
      [&] {
        next = stringMember(clusterStatus(node(other)), "leader").value_or("");
        return !next.empty() && next != leader;
      },
      30s))
      << "still led by " << next;
  EXPECT_NE(next, nodeId(killed));
}

// Periodic verification asks Twilio about every provider and writes the result to the
// registry: the leader does it for the cluster, the other nodes do not. Each verification
// fetches the account first, which a node's /metrics counts.
TEST_F(ClusterMembershipTest, OnlyTheLeaderVerifiesProvidersPeriodically) {
  ClusterOptions o;
  o.extraArgs = {"--verify-interval", "500ms"};
  startCluster(2, o);
  std::string leader;
  ASSERT_TRUE(waitFor([&] {
    leader = stringMember(clusterStatus(node(0)), "leader").value_or("");
    return !leader.empty();
  })) << "no leader";
  const size_t leading = leader == nodeId(0) ? 0 : 1;
  ASSERT_EQ(leader, nodeId(leading));
  // The sum of gateway_twilio_requests_total{operation="fetch_account",...} of node i.
  auto accountFetches = [&](size_t i) {
    auto m = call(node(i), "GET", "/metrics");
    EXPECT_EQ(m.status, 200) << m.describe();
    const std::string prefix = "gateway_twilio_requests_total{operation=\"fetch_account\"";
    double sum = 0;
    size_t at = 0;
    while ((at = m.body.find(prefix, at)) != std::string::npos) {
      const size_t eol = std::min(m.body.find('\n', at), m.body.size());
      const size_t value = m.body.rfind(' ', eol) + 1;
      sum += std::stod(m.body.substr(value, eol - value));
      at = eol;
    }
    return sum;
  };
  const double followerBefore = accountFetches(1 - leading);
  const double leaderBefore = accountFetches(leading);

  EXPECT_TRUE(waitFor([&] { return accountFetches(leading) >= leaderBefore + 3; }))
      << "the leader did not verify the provider three times";
  EXPECT_EQ(accountFetches(1 - leading), followerBefore);
}

// A client that got no answer retries with the same Idempotency-Key, and a load balancer
// sends the retry to another node: it gets the first answer, and nothing runs again.
using ClusterIdempotencyTest = ClusterTest;

TEST_F(ClusterIdempotencyTest, ARetryOnAnotherNodeGetsTheFirstAnswer) {
  startCluster(2);
  const std::string path = "/api/v1/providers/twilio/" + providerId() + "/import-numbers";
  const std::string body = sidsBody(sids(0, 2));
  auto first = callWithHeaders(node(0), "POST", path, body, {"Idempotency-Key: import-1"});
  ASSERT_EQ(first.status, 200) << first.describe();
  ASSERT_EQ(parseImportResult(first.body).successCount, 2);
  const auto twilioBefore = emulator().stats().twilioRequests();

  auto again = callWithHeaders(node(1), "POST", path, body, {"Idempotency-Key: import-1"});
  EXPECT_EQ(again.status, 200) << again.describe();
  EXPECT_EQ(again.body, first.body);  // not "Already imported"
  EXPECT_EQ(again.header("Idempotent-Replayed"), "true");
  EXPECT_EQ(emulator().stats().twilioRequests(), twilioBefore);

  // The same key with another request is refused on any node.
  auto other =
      callWithHeaders(node(1), "POST", path, sidsBody(sids(2, 1)), {"Idempotency-Key: import-1"});
  EXPECT_EQ(other.status, 422) << other.describe();
  EXPECT_EQ(numberCount(node(1)), 2);
}

// Without --etcd-endpoints gatewayd is the single node it always was.
using SingleNodeTest = ClusterTest;

TEST_F(SingleNodeTest, WithoutEtcdTheGatewayIsASingleNode) {
  auto s = startWithProvider(2);
  auto r = importNumbers(*s.gateway, s.providerId, {s.numbers[0].sid});
  EXPECT_EQ(r.successCount, 1);

  // The trunk's one origination URL is this gateway's public SIP URI, as before.
  EXPECT_EQ(gw::integration::originationUrls(*s.emulator, s.account,
                                             providerTrunk(*s.gateway, s.providerId)),
            std::vector<std::string>{*s.gateway->options().publicSipUri});

  EXPECT_EQ(writesReadiness(*s.gateway), "available");

  auto resp = call(*s.gateway, "GET", "/api/v1/cluster");
  ASSERT_EQ(resp.status, 200) << resp.describe();
  EXPECT_EQ(stringMember(parseJson(resp.body), "mode"), "single");
  EXPECT_EQ(allNumbers(*s.gateway).size(), 1u);
}

}  // namespace
}  // namespace gw::integration
