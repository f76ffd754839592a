#include "cluster/cluster_write_path.hpp"

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "cluster/etcd_client.hpp"
#include "cluster/replica.hpp"
#include "modules/admin/directory_sync.hpp"
#include "sip/directory.hpp"
#include "sip/routing_table.hpp"
#include "store/store.hpp"
#include "tests/store/sample_records.hpp"
#include "tests/support/etcd_server.hpp"
#include "tests/support/temp_dir.hpp"

namespace gw::cluster {
namespace {

namespace asio = boost::asio;
using store::testing::sampleNumber;
using store::testing::sampleProvider;
using store::testing::sampleSid;

// One gateway node without its SIP and HTTP sides: a store, a replica and a write path.
struct Node {
  Node(asio::io_context& io, EtcdClient& etcd, const std::string& id,
       ClusterWriteOptions options = {})
      : store(store::Store::open(dir.path(), store::StoreOptions{size_t{64} << 20, false})),
        sync(io, *store, holder, std::vector<sip::Cidr>{}),
        replica(io, *store, routes, sync, etcd, Keyspace("/gw/")),
        writes(*store, replica, etcd, Keyspace("/gw/"), id, options) {}

  testsupport::TempDir dir{"gw-cluster-write"};
  std::unique_ptr<store::Store> store;
  sip::RoutingTable routes{4};
  sip::DirectoryHolder holder;
  admin::DirectorySync sync;
  Replica replica;
  ClusterWritePath writes;
};

class ClusterWritePathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    etcd_ = std::make_unique<gw::testing::EtcdCluster>(1);
    EtcdOptions options;
    options.endpoints = etcd_->clientUrls();
    options.requestTimeout = std::chrono::milliseconds(1'000);
    client_ = std::make_unique<EtcdClient>(io_, options);
    a_ = std::make_unique<Node>(io_, *client_, "node-a");
    b_ = std::make_unique<Node>(io_, *client_, "node-b");
    a_->replica.start();
    b_->replica.start();
    ASSERT_TRUE(run(a_->replica.catchUp(std::chrono::seconds(5))));
    ASSERT_TRUE(run(b_->replica.catchUp(std::chrono::seconds(5))));
  }
  void TearDown() override {
    if (a_) a_->replica.stop();
    if (b_) b_->replica.stop();
    a_.reset();
    b_.reset();
    client_.reset();
    io_.poll();
  }

  // Runs `task` on the io_context until it is done (the replicas' watches keep running);
  // rethrows what it threw.
  template <typename T>
  T run(asio::awaitable<T> task) {
    std::optional<T> out;
    std::exception_ptr error;
    bool done = false;
    asio::co_spawn(
        io_, [&]() -> asio::awaitable<void> { out.emplace(co_await std::move(task)); },
        [&](std::exception_ptr e) {
          error = e;
          done = true;
        });
    io_.restart();
    while (!done) io_.run_one();
    if (error) std::rethrow_exception(error);
    return std::move(*out);
  }

  admin::Committed commit(Node& node, admin::BuildChange build) {
    return run(node.writes.commit(std::move(build)));
  }

  std::vector<KeyValue> etcdRange(const std::string& prefix) {
    RangeRequest q;
    q.key = prefix;
    q.rangeEnd = prefixEnd(prefix);
    auto r = run(client_->range(q));
    EXPECT_TRUE(r.ok());
    return r.ok() ? r->kvs : std::vector<KeyValue>{};
  }

  int64_t etcdRevision() {
    RangeRequest q;
    q.key = "/gw/fence";
    auto r = run(client_->range(q));
    return r.ok() ? r->revision : -1;
  }

  // Adds provider p1 through node a.
  void addProvider() {
    auto c = commit(*a_, [](const store::ReadView&, admin::ChangeSet& change) {
      change = {};
      change.providersPut.push_back(sampleProvider("p1"));
    });
    ASSERT_TRUE(c.changed);
    ASSERT_TRUE(run(b_->replica.waitApplied(c.revision, std::chrono::seconds(5))));
  }

  // A build that adds the numbers of `indexes` whose SID is not stored yet, as an import
  // does, and counts its calls.
  static admin::BuildChange importing(std::vector<int> indexes, int* calls, int* added, Node* node,
                                      std::string tag) {
    return [=](const store::ReadView& view, admin::ChangeSet& change) {
      change = {};
      ++*calls;
      *added = 0;
      for (int i : indexes) {
        if (node->store->findNumberBySid(view, sampleSid(i))) continue;
        auto n = sampleNumber(i);
        n.id += "-" + tag + "-" + std::to_string(*calls);  // a new id per attempt
        change.numbersAdded.push_back(n);
        ++*added;
      }
    };
  }

  asio::io_context io_;
  std::unique_ptr<gw::testing::EtcdCluster> etcd_;
  std::unique_ptr<EtcdClient> client_;
  std::unique_ptr<Node> a_;
  std::unique_ptr<Node> b_;
};

TEST_F(ClusterWritePathTest, ACommitIsReadOnItsNodeAtOnceAndReachesTheOther) {
  addProvider();
  auto c = commit(*a_, [](const store::ReadView&, admin::ChangeSet& change) {
    change = {};
    change.numbersAdded.push_back(sampleNumber(1));
  });
  ASSERT_TRUE(c.changed);
  EXPECT_GT(c.revision, 0);
  {
    auto txn = a_->store->read();  // read-your-writes: no wait
    ASSERT_TRUE(a_->store->getNumber(txn, "n1"));
    EXPECT_GE(a_->store->clusterRevision(txn), c.revision);
  }
  ASSERT_TRUE(run(b_->replica.waitApplied(c.revision, std::chrono::seconds(5))));
  auto txn = b_->store->read();
  auto n = b_->store->findNumberBySid(txn, sampleSid(1));
  ASSERT_TRUE(n);
  EXPECT_EQ(n->id, "n1");
  EXPECT_EQ(etcdRange("/gw/claims/sid/").size(), 1u);
  EXPECT_EQ(etcdRange("/gw/claims/e164/").size(), 1u);
  EXPECT_EQ(a_->writes.stats().commits, 2u);
  EXPECT_TRUE(a_->writes.available());
}

TEST_F(ClusterWritePathTest, OverlappingImportsOnTwoNodesStoreEachSidOnce) {
  addProvider();
  std::vector<int> first, second;
  for (int i = 0; i < 10; ++i) first.push_back(i);
  for (int i = 5; i < 15; ++i) second.push_back(i);
  int callsA = 0, callsB = 0, addedA = 0, addedB = 0;
  int done = 0;
  std::exception_ptr error;
  auto spawn = [&](Node& node, admin::BuildChange build) {
    asio::co_spawn(io_, node.writes.commit(std::move(build)),
                   [&](std::exception_ptr e, admin::Committed) {
                     if (e) error = e;
                     ++done;
                   });
  };
  spawn(*a_, importing(first, &callsA, &addedA, a_.get(), "a"));
  spawn(*b_, importing(second, &callsB, &addedB, b_.get(), "b"));
  while (done < 2) io_.run_one();
  if (error) std::rethrow_exception(error);

  EXPECT_EQ(etcdRange("/gw/claims/sid/").size(), 15u);
  EXPECT_EQ(etcdRange("/gw/data/numbers/").size(), 15u);
  EXPECT_EQ(addedA + addedB, 15);
  // The loser ran its build again and found the overlap imported.
  EXPECT_EQ(std::max(callsA, callsB), 2);
  EXPECT_EQ(std::min(callsA, callsB), 1);
  EXPECT_EQ(a_->writes.stats().conflicts + b_->writes.stats().conflicts, 1u);
  int64_t rev = etcdRevision();
  for (Node* node : {a_.get(), b_.get()}) {
    ASSERT_TRUE(run(node->replica.waitApplied(rev, std::chrono::seconds(5))));
    auto txn = node->store->read();
    for (int i = 0; i < 15; ++i) EXPECT_TRUE(node->store->findNumberBySid(txn, sampleSid(i))) << i;
  }
}

TEST_F(ClusterWritePathTest, AChangeLargerThanOneTransactionCommitsWholeAndReleasesTheLock) {
  addProvider();
  auto before = a_->writes.stats().transactions;
  auto c = commit(*a_, [](const store::ReadView&, admin::ChangeSet& change) {
    change = {};
    for (int i = 0; i < 200; ++i) change.numbersAdded.push_back(sampleNumber(i));
  });
  ASSERT_TRUE(c.changed);
  // 3 operations per number, at most 125 per transaction.
  EXPECT_GE(a_->writes.stats().transactions - before, 5u);
  EXPECT_TRUE(etcdRange("/gw/lock").empty());
  EXPECT_EQ(etcdRange("/gw/data/numbers/").size(), 200u);
  EXPECT_EQ(etcdRange("/gw/claims/e164/").size(), 200u);
  auto txn = a_->store->read();
  for (int i = 0; i < 200; ++i) EXPECT_TRUE(a_->store->getNumber(txn, "n" + std::to_string(i)));
}

TEST_F(ClusterWritePathTest, EtcdUnreachableRefusesTheWriteAndChangesNothing) {
  addProvider();
  etcd_->killAll();
  int calls = 0;
  EXPECT_THROW(commit(*a_,
                      [&](const store::ReadView&, admin::ChangeSet& change) {
                        change = {};
                        ++calls;
                        change.numbersAdded.push_back(sampleNumber(1));
                        change.unjournaled.push_back({"p1", {sampleSid(1)}});
                      }),
               admin::WriteUnavailableError);
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(a_->writes.available());
  EXPECT_GE(a_->writes.stats().unavailable, 1u);
  auto txn = a_->store->read();
  EXPECT_FALSE(a_->store->getNumber(txn, "n1"));
}

TEST_F(ClusterWritePathTest, TheNodesOwnPartIsWrittenLocally) {
  addProvider();
  {
    auto txn = a_->store->write();
    a_->store->journalAttachments(txn, "p1", {sampleSid(1), sampleSid(2)});
    txn.commit();
  }
  auto c = commit(*a_, [](const store::ReadView&, admin::ChangeSet& change) {
    change = {};
    change.numbersAdded.push_back(sampleNumber(1));
    change.unjournaled.push_back({"p1", {sampleSid(1)}});
  });
  ASSERT_TRUE(c.changed);
  auto txn = a_->store->read();
  EXPECT_EQ(a_->store->journaledAttachments(txn, "p1"), std::vector<std::string>{sampleSid(2)});
  EXPECT_TRUE(a_->store->getNumber(txn, "n1"));
  // The journal is this node's own: node b's is untouched (and empty).
  auto other = b_->store->read();
  EXPECT_TRUE(b_->store->journaledAttachments(other, "p1").empty());
}

TEST_F(ClusterWritePathTest, AnEmptyChangeCommitsNothing) {
  int64_t before = etcdRevision();
  auto c = commit(*a_, [](const store::ReadView&, admin::ChangeSet& change) { change = {}; });
  EXPECT_FALSE(c.changed);
  EXPECT_EQ(etcdRevision(), before);
  EXPECT_EQ(a_->writes.stats().transactions, 0u);
}

TEST_F(ClusterWritePathTest, ALockHeldByAnotherNodeIsWaitedFor) {
  addProvider();
  ASSERT_TRUE(run(client_->put("/gw/lock", "node-c:lock:1")).ok());
  asio::steady_timer release(io_, std::chrono::milliseconds(300));
  release.async_wait([&](boost::system::error_code) {
    asio::co_spawn(
        io_,
        [&]() -> asio::awaitable<void> {
          TxnRequest t;
          t.success.push_back(Op::del("/gw/lock"));
          (void)co_await client_->txn(std::move(t));
        },
        asio::detached);
  });
  auto start = std::chrono::steady_clock::now();
  auto c = commit(*a_, [](const store::ReadView&, admin::ChangeSet& change) {
    change = {};
    change.numbersAdded.push_back(sampleNumber(1));
  });
  EXPECT_TRUE(c.changed);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(250));
  EXPECT_EQ(etcdRange("/gw/data/numbers/").size(), 1u);
}

TEST_F(ClusterWritePathTest, ChunksRefusedByATakenClaimReportAPartialChangeAndReleaseTheLock) {
  addProvider();
  // Under a lease that outlives the commit, as membership's does: the lock must be deleted.
  auto lease = run(client_->leaseGrant(std::chrono::seconds(60)));
  ASSERT_TRUE(lease.ok());
  a_->writes.setLease(*lease);
  ASSERT_TRUE(run(client_->put("/gw/claims/sid/" + sampleSid(150), "elsewhere")).ok());
  try {
    commit(*a_, [](const store::ReadView&, admin::ChangeSet& change) {
      change = {};
      for (int i = 0; i < 200; ++i) change.numbersAdded.push_back(sampleNumber(i));
    });
    FAIL() << "the commit succeeded";
  } catch (const admin::WriteUnavailableError& e) {
    FAIL() << e.what();
  } catch (const store::StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("partly applied"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(etcdRange("/gw/lock").empty());
  // The chunks before the refused one are committed: 3 of 5, 41 numbers each.
  EXPECT_EQ(etcdRange("/gw/data/numbers/").size(), 123u);
  // And the next commit is not blocked.
  auto c = commit(*b_, [](const store::ReadView&, admin::ChangeSet& change) {
    change = {};
    change.numbersAdded.push_back(sampleNumber(500));
  });
  EXPECT_TRUE(c.changed);
}

TEST_F(ClusterWritePathTest, WritesResumeWhenEtcdReturns) {
  addProvider();
  etcd_->killAll();
  auto build = [](const store::ReadView&, admin::ChangeSet& change) {
    change = {};
    change.numbersAdded.push_back(sampleNumber(1));
  };
  EXPECT_THROW(commit(*a_, build), admin::WriteUnavailableError);
  EXPECT_FALSE(a_->writes.available());
  etcd_->startAll();
  auto c = commit(*a_, build);
  EXPECT_TRUE(c.changed);
  // Available again once the replica's watch is back up too.
  for (int i = 0; i < 100 && !a_->writes.available(); ++i) {
    asio::steady_timer t(io_, std::chrono::milliseconds(50));
    run([&]() -> asio::awaitable<int> {
      co_await t.async_wait(asio::use_awaitable);
      co_return 0;
    }());
  }
  EXPECT_TRUE(a_->writes.available());
  ASSERT_TRUE(run(b_->replica.waitApplied(c.revision, std::chrono::seconds(10))));
  auto txn = b_->store->read();
  EXPECT_TRUE(b_->store->getNumber(txn, "n1"));
}

TEST_F(ClusterWritePathTest, AClaimTakenBeforeTheBuildIsRefusedAtOnce) {
  addProvider();
  // A claim the replica does not show (no number record): building again would not help.
  ASSERT_TRUE(run(client_->put("/gw/claims/sid/" + sampleSid(1), "elsewhere")).ok());
  int calls = 0;
  EXPECT_THROW(commit(*a_,
                      [&](const store::ReadView&, admin::ChangeSet& change) {
                        change = {};
                        ++calls;
                        change.numbersAdded.push_back(sampleNumber(1));
                      }),
               store::StoreError);
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(etcdRange("/gw/data/numbers/").empty());
}

TEST_F(ClusterWritePathTest, CommitsOfOneNodeRunOneAtATime) {
  addProvider();
  std::vector<int> first{1, 2, 3}, second{2, 3, 4};
  int calls1 = 0, calls2 = 0, added1 = 0, added2 = 0;
  int done = 0;
  std::exception_ptr error;
  for (auto* build : {&first, &second}) {
    bool isFirst = build == &first;
    asio::co_spawn(io_,
                   a_->writes.commit(importing(*build, isFirst ? &calls1 : &calls2,
                                               isFirst ? &added1 : &added2, a_.get(),
                                               isFirst ? "one" : "two")),
                   [&](std::exception_ptr e, admin::Committed) {
                     if (e) error = e;
                     ++done;
                   });
  }
  while (done < 2) io_.run_one();
  if (error) std::rethrow_exception(error);
  // The second build ran after the first commit was applied here: no conflict, no rerun.
  EXPECT_EQ(calls1, 1);
  EXPECT_EQ(calls2, 1);
  EXPECT_EQ(added1, 3);
  EXPECT_EQ(added2, 1);
  EXPECT_EQ(a_->writes.stats().conflicts, 0u);
}

}  // namespace
}  // namespace gw::cluster
