// Idempotency-Key answers and running keys shared through a real etcd: what one node keeps,
// another finds; a key running on one node is running for all; a node's running keys go with
// its lease; etcd unreachable refuses rather than running unchecked.
#include "cluster/cluster_idempotency.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <exception>
#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "modules/admin/write_path.hpp"
#include "store/records.hpp"
#include "tests/async/io_runner.hpp"
#include "tests/support/etcd_server.hpp"

namespace gw::cluster {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

const std::string kSlot = std::string("\x01\xfe slot", 7);

class ClusterIdempotencyTest : public ::testing::Test {
 protected:
  ClusterIdempotencyTest() : etcd_(io_, EtcdOptions{etcdServer_.clientUrls()}) {
    // Far longer than any test: a running key goes only when the test makes it go.
    leaseA_ = run(etcd_.leaseGrant(600s)).value();
    leaseB_ = run(etcd_.leaseGrant(600s)).value();
  }

  // Runs `a` on the io_context to its end; rethrows what it threw.
  template <typename T>
  T run(asio::awaitable<T> a) {
    return twilio::testing::runToCompletion(io_, std::move(a));
  }
  void runVoid(asio::awaitable<void> a) {
    run([](asio::awaitable<void> inner) -> asio::awaitable<bool> {
      co_await std::move(inner);
      co_return true;
    }(std::move(a)));
  }
  bool exists(const std::string& key) {
    auto r = run(etcd_.range({.key = key}));
    EXPECT_TRUE(r) << r.error().message;
    return r && !r->kvs.empty();
  }

  gw::testing::EtcdCluster etcdServer_;
  asio::io_context io_;
  EtcdClient etcd_;
  int64_t leaseA_ = 0;
  int64_t leaseB_ = 0;
  EtcdIdempotencyStore a_{io_, etcd_, Keyspace("/t/"), "node-a", [this] { return leaseA_; }};
  EtcdIdempotencyStore b_{io_, etcd_, Keyspace("/t/"), "node-b", [this] { return leaseB_; }};
};

TEST_F(ClusterIdempotencyTest, WhatOneNodeKeepsAnotherFinds) {
  EXPECT_FALSE(run(a_.find(kSlot)));
  ASSERT_TRUE(run(a_.begin(kSlot)));
  EXPECT_TRUE(exists(a_.runningKey(kSlot)));

  // Running on node-a: running for node-b too.
  EXPECT_FALSE(run(b_.find(kSlot)));
  EXPECT_FALSE(run(b_.begin(kSlot)));

  store::IdempotentAnswer answer{"fingerprint", 1'800'000'000'000, 201, {"Location", "/x"}, "{}"};
  runVoid(a_.end(kSlot, &answer));
  EXPECT_FALSE(exists(a_.runningKey(kSlot)));
  EXPECT_EQ(run(b_.find(kSlot)), answer);
}

TEST_F(ClusterIdempotencyTest, AnAnswerKeptAfterTheLookUpStopsTheRun) {
  EXPECT_FALSE(run(b_.find(kSlot)));  // node-b looks, finds nothing...
  ASSERT_TRUE(run(a_.begin(kSlot)));  // ...node-a runs and keeps its answer meanwhile
  store::IdempotentAnswer answer{"fingerprint", 1'800'000'000'000, 200, {}, "{}"};
  runVoid(a_.end(kSlot, &answer));
  EXPECT_FALSE(run(b_.begin(kSlot)));
}

TEST_F(ClusterIdempotencyTest, ARunEndedWithoutAnAnswerKeepsNothing) {
  ASSERT_TRUE(run(a_.begin(kSlot)));
  runVoid(a_.end(kSlot, nullptr));
  EXPECT_FALSE(exists(a_.runningKey(kSlot)));
  EXPECT_FALSE(run(b_.find(kSlot)));
  EXPECT_TRUE(run(b_.begin(kSlot)));
}

TEST_F(ClusterIdempotencyTest, ANodesRunningKeysGoWithItsLease) {
  ASSERT_TRUE(run(a_.begin(kSlot)));
  ASSERT_TRUE(run(etcd_.leaseRevoke(leaseA_)));  // node-a is gone
  EXPECT_FALSE(run(b_.find(kSlot)));
  EXPECT_TRUE(run(b_.begin(kSlot)));
}

TEST_F(ClusterIdempotencyTest, AnAbandonedRunIsForgotten) {
  ASSERT_TRUE(run(a_.begin(kSlot)));
  io_.restart();  // as in gatewayd, where the loop runs while requests do
  a_.abandon(kSlot);
  const auto end = std::chrono::steady_clock::now() + 10s;
  while (exists(a_.runningKey(kSlot)) && std::chrono::steady_clock::now() < end) {
    io_.run_one_for(20ms);
  }
  EXPECT_FALSE(exists(a_.runningKey(kSlot)));
}

// An answer too large for one etcd request is not kept, and the key does not stay running.
TEST_F(ClusterIdempotencyTest, AnAnswerTooLargeForEtcdIsNotKeptAndTheRunEnds) {
  ASSERT_TRUE(run(a_.begin(kSlot)));
  store::IdempotentAnswer huge{
      "fingerprint", 1'800'000'000'000, 200, {}, std::string(1'200'000, 'x')};
  runVoid(a_.end(kSlot, &huge));
  EXPECT_FALSE(exists(a_.runningKey(kSlot)));
  EXPECT_FALSE(run(b_.find(kSlot)));
  EXPECT_TRUE(run(b_.begin(kSlot)));
}

// Another node's run of the same key is not ended by this node's end().
TEST_F(ClusterIdempotencyTest, EndRemovesOnlyItsOwnRunningKey) {
  ASSERT_TRUE(run(a_.begin(kSlot)));
  ASSERT_TRUE(run(etcd_.leaseRevoke(leaseA_)));  // node-a's lease ended mid-run...
  ASSERT_TRUE(run(b_.begin(kSlot)));             // ...and node-b began the key
  runVoid(a_.end(kSlot, nullptr));
  EXPECT_TRUE(exists(b_.runningKey(kSlot)));
}

TEST_F(ClusterIdempotencyTest, WithoutALeaseOrEtcdNothingRuns) {
  leaseA_ = 0;
  EXPECT_THROW(run(a_.begin(kSlot)), admin::WriteUnavailableError);
  etcdServer_.killAll();
  EXPECT_THROW(run(b_.find(kSlot)), admin::WriteUnavailableError);
  EXPECT_THROW(run(b_.begin(kSlot)), admin::WriteUnavailableError);
}

}  // namespace
}  // namespace gw::cluster
