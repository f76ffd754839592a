// Membership against a real etcd: registration, one leader, leadership passing on, and the
// leader keeping the trunks' origination URLs equal to the live nodes (fake Twilio).
#include "cluster/membership.hpp"

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "cluster/cluster_api.hpp"
#include "cluster/etcd_client.hpp"
#include "store/store.hpp"
#include "tests/modules/import/fake_twilio.hpp"
#include "tests/support/etcd_server.hpp"
#include "tests/support/temp_dir.hpp"

namespace gw::cluster {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

const std::string kAccount = "AC" + std::string(32, 'a');
const std::string kTrunkA = "TK" + std::string(32, '1');
const std::string kTrunkB = "TK" + std::string(32, '2');
const std::string kOtherUrl = "sip:pbx.example.com";

class MembershipTest : public ::testing::Test {
 protected:
  MembershipTest()
      : client_(io_, EtcdOptions{etcd_.clientUrls()}),
        store_(store::Store::open(dir_.path(), store::StoreOptions{size_t{64} << 20, false})),
        twilio_(kAccount) {
    twilio_.addTrunk(kTrunkA);
    twilio_.addTrunk(kTrunkB);
    auto txn = store_->write();
    store_->putProvider(txn, provider("00000000-0000-4000-8000-000000000001", kTrunkA));
    store_->putProvider(txn, provider("00000000-0000-4000-8000-000000000002", kTrunkB));
    store_->putProvider(txn, provider("00000000-0000-4000-8000-000000000003", ""));
    txn.commit();
  }
  ~MembershipTest() override {
    nodes_.clear();
    io_.run_for(100ms);
  }

  static store::Provider provider(const std::string& id, const std::string& trunk) {
    store::Provider p;
    p.id = id;
    p.orgId = "org";
    p.name = "p" + id.substr(id.size() - 1);
    p.accountSid = kAccount;
    p.authToken = std::string(32, 'f');
    p.trunkSid = trunk;
    return p;
  }

  static std::string uriOf(const std::string& id) { return "sip:" + id + ".example.com:5060"; }

  Membership& addNode(const std::string& id, MembershipOptions options = fastOptions()) {
    MemberInfo self;
    self.nodeId = id;
    self.publicSipUri = uriOf(id);
    self.version = "1.2.3";
    self.startedAtMs = 1'700'000'000'000;
    nodes_.push_back(std::make_unique<Membership>(io_, client_, Keyspace("/t/"), self, options,
                                                  *store_, twilio_, [] { return int64_t{7}; }));
    nodes_.back()->start();
    return *nodes_.back();
  }

  static MembershipOptions fastOptions() {
    MembershipOptions o;
    o.leaseTtl = 2s;
    o.grace = 1s;
    o.reconcileEvery = 200ms;
    return o;
  }

  // Runs the io_context until `done` holds; false after `limit`.
  bool runUntil(const std::function<bool()>& done, std::chrono::milliseconds limit = 20s) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      if (done()) return true;
      io_.run_for(50ms);
    }
    return done();
  }

  template <typename T>
  T run(asio::awaitable<T> a) {
    auto f = asio::co_spawn(io_, std::move(a), asio::use_future);
    while (f.wait_for(0s) != std::future_status::ready) io_.run_one_for(50ms);
    return f.get();
  }

  ClusterStatus status(Membership& m) { return run(m.status()); }

  size_t leaders() const {
    return static_cast<size_t>(std::count_if(nodes_.begin(), nodes_.end(),
                                             [](const auto& n) { return n && n->leading(); }));
  }

  bool hasUrl(const std::string& trunk, const std::string& url) const {
    auto urls = twilio_.originationSipUrls(trunk);
    return std::find(urls.begin(), urls.end(), url) != urls.end();
  }

  gw::testing::EtcdCluster etcd_;
  asio::io_context io_;
  EtcdClient client_;
  testsupport::TempDir dir_{"gw-membership"};
  std::unique_ptr<store::Store> store_;
  import::testing::FakeTwilio twilio_;
  std::vector<std::unique_ptr<Membership>> nodes_;
};

TEST_F(MembershipTest, TwoNodesRegisterAndExactlyOneLeads) {
  Membership& a = addNode("a");
  Membership& b = addNode("b");
  ASSERT_TRUE(runUntil([&] { return a.lease() != 0 && b.lease() != 0 && leaders() == 1; }));
  ASSERT_TRUE(runUntil([&] { return status(a).nodes.size() == 2; }));
  ClusterStatus s = status(b);
  EXPECT_TRUE(s.etcdReachable);
  EXPECT_GT(s.revision, 0);
  EXPECT_EQ(s.nodeId, "b");
  EXPECT_EQ(s.leader, a.leading() ? "a" : "b");
  for (const auto& n : s.nodes) {
    EXPECT_TRUE(n.live);
    EXPECT_EQ(n.publicSipUri, uriOf(n.nodeId));
    EXPECT_EQ(n.version, "1.2.3");
    EXPECT_EQ(n.appliedRevision, 7);
    EXPECT_EQ(n.startedAtMs, 1'700'000'000'000);
  }
  const std::string body = clusterStatusJson(s);
  EXPECT_NE(body.find(R"("mode":"cluster")"), std::string::npos) << body;
  EXPECT_NE(body.find(R"("startedAt":"2023-11-14T22:13:20)"), std::string::npos) << body;
  // Still exactly one after a few rounds.
  io_.run_for(1s);
  EXPECT_EQ(leaders(), 1u);
}

TEST_F(MembershipTest, LeadershipPassesOnWhenTheLeaderLeaves) {
  MembershipOptions o = fastOptions();
  o.grace = 60s;  // a stays remembered throughout
  Membership& a = addNode("a", o);
  ASSERT_TRUE(runUntil([&] { return a.leading(); }));
  Membership& b = addNode("b", o);
  ASSERT_TRUE(runUntil([&] { return b.lease() != 0; }));
  io_.run_for(500ms);
  EXPECT_FALSE(b.leading());
  run(a.stop());
  EXPECT_EQ(a.lease(), 0);
  EXPECT_FALSE(a.leading());
  ASSERT_TRUE(runUntil([&] { return b.leading(); }));
  ClusterStatus s = status(b);
  EXPECT_EQ(s.leader, "b");
  // a left cleanly: remembered, not live.
  ASSERT_EQ(s.nodes.size(), 2u);
  EXPECT_FALSE(s.nodes[0].live);
  EXPECT_TRUE(s.nodes[1].live);
}

TEST_F(MembershipTest, AJoiningNodesUriIsAddedToEveryTrunk) {
  twilio_.addOriginationUrlOutside(kTrunkA, kOtherUrl);
  addNode("a");
  ASSERT_TRUE(runUntil([&] { return hasUrl(kTrunkA, uriOf("a")) && hasUrl(kTrunkB, uriOf("a")); }));
  addNode("b");
  ASSERT_TRUE(runUntil([&] { return hasUrl(kTrunkA, uriOf("b")) && hasUrl(kTrunkB, uriOf("b")); }));
  io_.run_for(600ms);
  // Added once each; the URL that is no node's stays.
  EXPECT_EQ(twilio_.originationSipUrls(kTrunkA),
            (std::vector<std::string>{kOtherUrl, uriOf("a"), uriOf("b")}));
  EXPECT_EQ(twilio_.originationSipUrls(kTrunkB),
            (std::vector<std::string>{uriOf("a"), uriOf("b")}));
}

TEST_F(MembershipTest, TheLeaderListsTheTrunksOnlyWhenSomethingChanged) {
  addNode("a");
  ASSERT_TRUE(runUntil([&] { return hasUrl(kTrunkA, uriOf("a")) && hasUrl(kTrunkB, uriOf("a")); }));
  io_.run_for(300ms);  // the round that added the URLs completes
  const size_t listed = twilio_.listOriginationUrlCalls();
  io_.run_for(1500ms);  // several rounds (every 200 ms) with nothing changed
  EXPECT_EQ(twilio_.listOriginationUrlCalls(), listed);
  addNode("b");  // the live nodes change: every trunk is listed again
  ASSERT_TRUE(runUntil([&] { return hasUrl(kTrunkA, uriOf("b")) && hasUrl(kTrunkB, uriOf("b")); }));
  EXPECT_GE(twilio_.listOriginationUrlCalls(), listed + 2);
}

TEST_F(MembershipTest, AKilledNodesUrlGoesAfterTheGracePeriod) {
  Membership& a = addNode("a");
  ASSERT_TRUE(runUntil([&] { return a.leading(); }));
  addNode("b");
  ASSERT_TRUE(runUntil([&] { return hasUrl(kTrunkA, uriOf("b")) && hasUrl(kTrunkB, uriOf("b")); }));
  // b crashes: no revoke; its lease runs out, then the grace period.
  nodes_[1].reset();
  ASSERT_TRUE(runUntil([&] {
    ClusterStatus s = status(a);
    return s.nodes.size() == 2 && !s.nodes[1].live && s.nodes[1].goneSinceMs > 0;
  }));
  ASSERT_TRUE(
      runUntil([&] { return !hasUrl(kTrunkA, uriOf("b")) && !hasUrl(kTrunkB, uriOf("b")); }));
  EXPECT_TRUE(hasUrl(kTrunkA, uriOf("a")));
  // The member is forgotten once every trunk is done.
  ASSERT_TRUE(runUntil([&] { return status(a).nodes.size() == 1; }));
}

TEST_F(MembershipTest, TheLastUrlOfATrunkIsNeverRemoved) {
  addNode("a");
  ASSERT_TRUE(runUntil([&] { return hasUrl(kTrunkA, uriOf("a")) && hasUrl(kTrunkB, uriOf("a")); }));
  // Another node takes over a's work only after a is gone: it leads with a URI of its own
  // that it cannot add (Twilio refuses), so a's URL is the trunks' last.
  nodes_[0].reset();
  twilio_.failCreateOriginationUrl(true);
  Membership& c = addNode("c");
  ASSERT_TRUE(runUntil([&] { return c.leading(); }));
  ASSERT_TRUE(runUntil([&] {
    ClusterStatus s = status(c);
    for (const auto& n : s.nodes) {
      if (n.nodeId == "a") return !n.live && n.goneSinceMs > 0;
    }
    return false;
  }));
  io_.run_for(2s);  // well past the grace period
  EXPECT_EQ(twilio_.originationSipUrls(kTrunkA), std::vector<std::string>{uriOf("a")});
  EXPECT_EQ(twilio_.originationSipUrls(kTrunkB), std::vector<std::string>{uriOf("a")});
}

TEST_F(MembershipTest, RegistersAgainWhenItsLeaseIsGone) {
  Membership& a = addNode("a");
  ASSERT_TRUE(runUntil([&] { return a.leading(); }));
  const int64_t first = a.lease();
  // The lease ends behind the node's back (as when etcd was out of reach past the TTL).
  auto revoke = [&]() -> asio::awaitable<bool> {
    co_return (co_await client_.leaseRevoke(first)).ok();
  };
  ASSERT_TRUE(run(revoke()));
  ASSERT_TRUE(runUntil([&] { return a.lease() != 0 && a.lease() != first && a.leading(); }));
  ClusterStatus s = status(a);
  ASSERT_EQ(s.nodes.size(), 1u);
  EXPECT_TRUE(s.nodes[0].live);
  EXPECT_EQ(s.leader, "a");
}

TEST(ClusterApiTest, SingleNodeBody) {
  MemberInfo self;
  self.nodeId = "n1";
  self.publicSipUri = "sip:gw.example.com";
  self.version = "1.0.0";
  self.startedAtMs = 1'700'000'000'000;
  const std::string body = singleNodeJson(self);
  EXPECT_EQ(body,
            R"({"mode":"single","nodeId":"n1","nodes":[{"nodeId":"n1","publicSipUri":)"
            R"("sip:gw.example.com","version":"1.0.0","startedAt":"2023-11-14T22:13:20.000Z",)"
            R"("live":true}]})");
}

}  // namespace
}  // namespace gw::cluster
