// gatewayctl cluster status against real gatewayd nodes on a real etcd
// (harness/cluster_fixture.hpp): every node listed live with its SIP URI and lag, the leader
// marked, and the answering node's warning while etcd cannot be reached.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "ctl_process.hpp"
#include "harness/cluster_fixture.hpp"

namespace gw::integration {
namespace {

using ::testing::HasSubstr;

class CtlClusterStatusTest : public ClusterTest {
 protected:
  CtlResult ctl(GatewayProcess& gw, std::vector<std::string> args) {
    if (home_.empty()) home_ = makeTempDir();
    return runCtl(
        {std::move(args), {{"GATEWAY_URL", gw.baseUrl()}, {"GATEWAY_TOKEN", adminToken()}}, home_});
  }

 private:
  std::string home_;
};

// The table line of `nodeId`, or "".
std::string rowOf(const std::string& table, const std::string& nodeId) {
  std::istringstream in(table);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(nodeId + " ", 0) == 0) return line;
  }
  return "";
}

TEST_F(CtlClusterStatusTest, ListsEveryNodeAndMarksTheLeader) {
  startCluster(2);
  std::string leader;
  ASSERT_TRUE(waitFor([&] {
    auto s = clusterStatus(node(1));
    int live = 0;
    for (const auto& n : s["nodes"].GetArray()) live += n["live"].GetBool() ? 1 : 0;
    leader = s["leader"].IsString() ? s["leader"].GetString() : "";
    return live == 2 && !leader.empty();
  })) << "node-b never saw two live nodes and a leader";

  auto json = ctl(node(1), {"-o", "json", "cluster", "status"});
  ASSERT_TRUE(json.status.clean()) << json.describe();
  auto doc = parseJson(json.out);
  EXPECT_EQ(stringMember(doc, "mode"), "cluster") << json.describe();
  EXPECT_EQ(stringMember(doc, "nodeId"), nodeId(1)) << json.describe();

  auto table = ctl(node(1), {"cluster", "status"});
  ASSERT_TRUE(table.status.clean()) << table.describe();
  EXPECT_THAT(table.out, HasSubstr("NODE    LIVE  LEADER  SIP URI")) << table.describe();
  for (size_t i = 0; i < 2; ++i) {
    const std::string row = rowOf(table.out, nodeId(i));
    EXPECT_THAT(row, HasSubstr(" yes ")) << table.describe();
    EXPECT_THAT(row, HasSubstr(nodeUri(i))) << table.describe();
    EXPECT_EQ(row.find(" * ") != std::string::npos, nodeId(i) == leader) << table.describe();
  }
  EXPECT_THAT(table.out, HasSubstr("cluster: answered by " + nodeId(1) + ", leader " + leader))
      << table.describe();

  // etcd gone: the node still answers from what it knows, and says writes are refused.
  etcd().killAll();
  ASSERT_TRUE(waitFor([&] { return writesReadiness(node(1)) == "unavailable"; }))
      << "node-b's /readyz never said writes unavailable";
  auto cut = ctl(node(1), {"cluster", "status"});
  EXPECT_TRUE(cut.status.clean()) << cut.describe();
  EXPECT_THAT(cut.out, HasSubstr("etcd cannot be reached from " + nodeId(1))) << cut.describe();
  etcd().startAll();
}

}  // namespace
}  // namespace gw::integration
