// Cluster nodes and etcd failing: a node killed during imports catches up when it restarts; a
// node stopped while etcd compacted past its revision resyncs; with every etcd member down
// the nodes keep routing and refuse writes without changing anything, and converge once
// etcd is back. Real etcd, gatewayd, emulator and sipp processes on loopback.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "harness/cluster_fixture.hpp"

namespace gw::integration {
namespace {

using namespace std::chrono_literals;
using ::testing::StartsWith;

// Linked numbers are deleted with their links (?force=true).
std::string deletePath(const std::string& providerId, const std::string& numberId) {
  return "/api/v1/providers/twilio/" + providerId + "/phone-numbers/" + numberId + "?force=true";
}

// The revision a node's reads reflect (Gateway-Revision), -1 when absent.
int64_t readRevision(const HttpResponse& resp) {
  auto h = resp.header("Gateway-Revision");
  return h ? std::stoll(*h) : -1;
}

using ClusterFailureTest = ClusterTest;

TEST_F(ClusterFailureTest, KilledNodeCatchesUp) {
  ClusterOptions o;
  o.numbers = 50;
  startCluster(2, o);
  importAndLink(0, 0, 10);
  ASSERT_TRUE(waitForCount(node(1), 10));

  // Node-a imports four more batches while node-b is killed after the first of them lands.
  std::vector<HttpRequest> batches;
  for (size_t k = 1; k < 5; ++k)
    batches.push_back(importRequest(node(0), providerId(), sids(10 * k, 10)));
  std::atomic<int> imported{0};
  std::vector<HttpResponse> answers(batches.size());
  std::thread importer([&] {
    HttpClient client;
    for (size_t k = 0; k < batches.size(); ++k) {
      answers[k] = client.send(batches[k]);
      ++imported;
    }
  });
  waitFor([&] { return imported.load() >= 1; }, 30s);
  node(1).kill();
  importer.join();
  for (const auto& a : answers) {
    ASSERT_EQ(a.status, 200) << a.describe();
    EXPECT_EQ(parseImportResult(a.body).successCount, 10);
  }
  ASSERT_EQ(numberCount(node(0)), 50);
  // One of the numbers node-b never saw, linked while it is down.
  auto late = findNumber(node(0), sids(45, 1).at(0));
  ASSERT_TRUE(late.has_value());
  link(node(0), late->id, createAgent(node(0), redirectTarget(), "redirect"));

  restart(1);

  EXPECT_TRUE(waitForCount(node(1), 50)) << "node-b lists " << numberCount(node(1));
  EXPECT_EQ(storedNumbers(node(1)), storedNumbers(node(0)));
  ASSERT_TRUE(waitUntilRouted(node(1), late->phoneNumber));
  auto r = callRedirect(node(1), late->phoneNumber, redirectTarget());
  EXPECT_TRUE(r.ok()) << r.describe();
}

TEST_F(ClusterFailureTest, CompactionPastAStoppedNodeResyncs) {
  startCluster(2);
  auto first = importAndLink(0, 0, 10);
  ASSERT_TRUE(waitForCount(node(1), 10));
  const int64_t stoppedAt = readRevision(call(node(1), "GET", "/api/v1/sip-phone-numbers"));
  ASSERT_GT(stoppedAt, 0) << "node-b's reads carry no Gateway-Revision";
  ASSERT_TRUE(node(1).stop().has_value());

  // While node-b is away: five numbers more (one linked), three of the first ones deleted.
  auto added = importAndLink(0, 10, 5);
  for (size_t i = 0; i < 3; ++i) {
    auto resp = call(node(0), "DELETE", deletePath(providerId(), first[i].id));
    ASSERT_EQ(resp.status, 204) << resp.describe();
  }
  ASSERT_EQ(numberCount(node(0)), 12);
  const int64_t compacted = compactEtcd();
  ASSERT_GT(compacted, stoppedAt);

  restart(1);

  EXPECT_TRUE(waitForCount(node(1), 12)) << "node-b lists " << numberCount(node(1));
  EXPECT_EQ(storedNumbers(node(1)), storedNumbers(node(0)));
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_FALSE(findNumber(node(1), first[i].phoneNumberSid).has_value())
        << first[i].phoneNumberSid << " was deleted but node-b still lists it";
  }
  for (const auto& rec : {first[5], added[4]}) {
    ASSERT_TRUE(waitUntilRouted(node(1), rec.phoneNumber)) << rec.phoneNumber;
    auto r = callRedirect(node(1), rec.phoneNumber, redirectTarget());
    EXPECT_TRUE(r.ok()) << rec.phoneNumber << "\n" << r.describe();
  }
  auto gone = explainRoute(node(1), first[0].phoneNumber, "127.0.0.1");
  EXPECT_FALSE(gone.HasMember("agent") && gone["agent"].IsObject())
      << "node-b still routes a deleted number";
}

TEST_F(ClusterFailureTest, EtcdDownKeepsRoutingAndRefusesWrites) {
  startCluster(3);
  auto linked = importAndLink(0, 0, 3);
  std::vector<StateSnapshot> before;
  std::vector<std::string> agentsBefore;
  for (size_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(waitForCount(node(i), 3));
    before.push_back(snapshot(node(i), emulator(), {account()}));
    agentsBefore.push_back(agentsBody(node(i)));
  }

  etcd().killAll();

  // Calls keep routing on every node, from its replica.
  for (size_t i = 0; i < 3; ++i) {
    auto r = callRedirect(node(i), linked[i].phoneNumber, redirectTarget());
    EXPECT_TRUE(r.ok()) << nodeId(i) << "\n" << r.describe();
  }
  // Writes are refused with a problem, and change nothing here or at Twilio.
  auto import = postImport(node(1), providerId(), sids(3, 2));
  EXPECT_EQ(import.status, 503) << import.describe();
  EXPECT_THAT(import.header("Content-Type").value_or(""), StartsWith("application/problem+json"));
  EXPECT_TRUE(import.header("Retry-After").has_value()) << import.describe();
  auto agent = call(
      node(2), "POST", "/api/v1/agents",
      objectBody(
          {{"name", "refused"}, {"sipUri", "sip:refused@192.0.2.20:5070"}, {"mode", "redirect"}}));
  EXPECT_EQ(agent.status, 503) << agent.describe();
  EXPECT_THAT(agent.header("Content-Type").value_or(""), StartsWith("application/problem+json"));
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(snapshot(node(i), emulator(), {account()}), before[i]) << nodeId(i);
    EXPECT_EQ(agentsBody(node(i)), agentsBefore[i]) << nodeId(i);
    EXPECT_EQ(call(node(i), "GET", "/healthz").status, 200) << nodeId(i);
    EXPECT_TRUE(waitFor([&] { return writesReadiness(node(i)) == "unavailable"; }, 15s))
        << nodeId(i) << " /readyz: " << call(node(i), "GET", "/readyz").body;
  }

  etcd().startAll();

  // Writes succeed again (once the node's client is back), and every node converges.
  HttpResponse retried;
  EXPECT_TRUE(waitFor(
      [&] {
        retried = postImport(node(1), providerId(), sids(3, 2));
        return retried.status == 200;
      },
      30s))
      << retried.describe();
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(waitForCount(node(i), 5)) << nodeId(i) << " lists " << numberCount(node(i));
    EXPECT_TRUE(waitFor([&] { return writesReadiness(node(i)) == "available"; }, 15s)) << nodeId(i);
  }
  EXPECT_EQ(storedNumbers(node(0)), storedNumbers(node(1)));
  EXPECT_EQ(storedNumbers(node(2)), storedNumbers(node(1)));
}

}  // namespace
}  // namespace gw::integration
