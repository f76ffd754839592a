// The replica: watch batches applied to a real LMDB store, routing table and directory, in
// one transaction with their revision; and, against a real etcd, resync and the watch.
#include "cluster/replica.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "cluster/records.hpp"
#include "common/e164.hpp"
#include "common/uuid.hpp"
#include "modules/admin/directory_sync.hpp"
#include "sip/routing_table.hpp"
#include "store/secret_box.hpp"
#include "store/store.hpp"
#include "tests/async/io_runner.hpp"
#include "tests/support/etcd_server.hpp"
#include "tests/support/temp_dir.hpp"

namespace gw::cluster {
namespace {

namespace asio = boost::asio;

const std::string kSid1 = "PN" + std::string(32, '1');
const std::string kSid2 = "PN" + std::string(32, '2');
const std::string kSid3 = "PN" + std::string(32, '3');

std::shared_ptr<const store::SecretBox> box(char fill) {
  return std::make_shared<const store::SecretBox>(
      std::map<uint32_t, store::SecretBox::Key>{{1, std::string(32, fill)}});
}

class ReplicaTest : public ::testing::Test {
 protected:
  ReplicaTest() : secrets_(box('k')) { open(); }
  ~ReplicaTest() override { close(); }

  void open() {
    store::StoreOptions options{size_t{64} << 20, false};
    options.secrets = secrets_;
    store_ = store::Store::open(dir_.path(), options);
    sync_ = std::make_unique<admin::DirectorySync>(io_, *store_, holder_, std::vector<sip::Cidr>{});
    etcd_ = std::make_unique<EtcdClient>(io_, EtcdOptions{{endpoint_}});
    replica_ = std::make_unique<Replica>(io_, *store_, routes_, *sync_, *etcd_, keys_);
    replica_->load();
  }
  void close() {
    replica_.reset();
    etcd_.reset();
    sync_.reset();
    store_.reset();
  }

  store::Provider provider() const {
    store::Provider p;
    p.id = providerId_;
    p.orgId = "org-1";
    p.name = "Acme";
    p.accountSid = "AC" + std::string(32, 'a');
    p.authToken = "secret-token";
    p.trunkSid = "TK" + std::string(32, 'b');
    p.terminationUri = "acme.pstn.twilio.com";
    p.allowedAddresses = {"54.172.60.0/30"};
    return p;
  }
  store::Agent agent(const std::string& id) const {
    store::Agent a;
    a.id = id;
    a.orgId = "org-1";
    a.name = "Desk";
    a.sipUri = "sip:desk@10.0.0.7:5060";
    return a;
  }
  store::PhoneNumber number(const std::string& id, const std::string& e164, const std::string& sid,
                            const std::string& agentId = "") const {
    store::PhoneNumber n;
    n.id = id;
    n.orgId = "org-1";
    n.providerId = providerId_;
    n.phoneNumberSid = sid;
    n.phoneNumber = e164;
    n.incomingCallsAgentId = agentId;
    return n;
  }

  static WatchEvent put(std::string key, std::string value) {
    WatchEvent e;
    e.kv.key = std::move(key);
    e.kv.value = std::move(value);
    return e;
  }
  static WatchEvent del(std::string key) {
    WatchEvent e;
    e.type = WatchEvent::Type::kDelete;
    e.kv.key = std::move(key);
    return e;
  }
  WatchEvent putProvider(const store::Provider& p) const {
    return put(keys_.provider(p.id), encodeProvider(p, secrets_.get()));
  }
  WatchEvent putAgent(const store::Agent& a) const {
    return put(keys_.agent(a.id), encodeAgent(a));
  }
  WatchEvent putNumber(const store::PhoneNumber& n) const {
    return put(keys_.number(n.id), encodeNumber(n));
  }

  void apply(int64_t revision, std::vector<WatchEvent> events) {
    WatchBatch b;
    b.revision = revision;
    b.events = std::move(events);
    replica_->apply(b);
  }

  std::optional<sip::Route> routeOf(const std::string& e164) const {
    return routes_.lookup(*e164Key(e164));
  }
  bool agentPublished(const std::string& id) const {
    return holder_.load()->agent(*parseUuid(id)) != nullptr;
  }
  bool providerPublished() const {
    return holder_.load()->provider(*parseUuid(providerId_)) != nullptr;
  }

  testsupport::TempDir dir_{"gw-replica"};
  std::shared_ptr<const store::SecretBox> secrets_;
  asio::io_context io_;
  std::string endpoint_ = "http://127.0.0.1:9";  // never contacted by the batch tests
  Keyspace keys_{"/test/"};
  std::unique_ptr<store::Store> store_;
  sip::RoutingTable routes_{4};
  sip::DirectoryHolder holder_;
  std::unique_ptr<admin::DirectorySync> sync_;
  std::unique_ptr<EtcdClient> etcd_;
  std::unique_ptr<Replica> replica_;
  std::string providerId_ = newUuid();
  std::string agentId_ = newUuid();
  std::string n1_ = newUuid();
  std::string n2_ = newUuid();
};

TEST_F(ReplicaTest, NumberPutStoresAndRoutes) {
  apply(5, {putProvider(provider()), putAgent(agent(agentId_)),
            putNumber(number(n1_, "+14155550101", kSid1, agentId_))});
  EXPECT_EQ(replica_->appliedRevision(), 5);
  auto stored = store_->getNumber(store_->read(), n1_);
  ASSERT_TRUE(stored);
  EXPECT_EQ(*stored, number(n1_, "+14155550101", kSid1, agentId_));
  EXPECT_EQ(store_->getProvider(store_->read(), providerId_), provider());
  auto r = routeOf("+14155550101");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->agentId, *parseUuid(agentId_));
  EXPECT_TRUE(agentPublished(agentId_));
  EXPECT_TRUE(providerPublished());
  auto s = replica_->stats();
  EXPECT_EQ(s.batchesApplied, 1u);
  EXPECT_EQ(s.eventsApplied, 3u);
  EXPECT_EQ(s.lastError, "");
}

TEST_F(ReplicaTest, RelinkAndRenumberFollowInRoutes) {
  apply(5, {putProvider(provider()), putAgent(agent(agentId_)),
            putNumber(number(n1_, "+14155550101", kSid1))});
  EXPECT_EQ(routeOf("+14155550101")->agentId, UuidBytes{});
  apply(6, {putNumber(number(n1_, "+14155550101", kSid1, agentId_))});
  EXPECT_EQ(routeOf("+14155550101")->agentId, *parseUuid(agentId_));
  EXPECT_EQ(store_->numbersLinkedToAgent(store_->read(), agentId_), std::vector<std::string>{n1_});
  // A new E.164 number for the same record: the old one stops routing.
  apply(7, {putNumber(number(n1_, "+14155550199", kSid1, agentId_))});
  EXPECT_FALSE(routeOf("+14155550101"));
  EXPECT_TRUE(routeOf("+14155550199"));
}

TEST_F(ReplicaTest, DeleteRemovesRecordAndRoute) {
  apply(5, {putProvider(provider()), putNumber(number(n1_, "+14155550101", kSid1)),
            putNumber(number(n2_, "+14155550102", kSid2))});
  apply(6, {del(keys_.number(n1_))});
  EXPECT_FALSE(store_->getNumber(store_->read(), n1_));
  EXPECT_FALSE(routeOf("+14155550101"));
  EXPECT_TRUE(routeOf("+14155550102"));
  apply(7, {del(keys_.number(n1_))});  // already gone: nothing to do
  EXPECT_EQ(replica_->appliedRevision(), 7);
}

TEST_F(ReplicaTest, AgentDeletedAfterUnlinkInOneBatch) {
  apply(5, {putProvider(provider()), putAgent(agent(agentId_)),
            putNumber(number(n1_, "+14155550101", kSid1, agentId_))});
  // etcd's order: the agent's delete may come before the number's unlink.
  apply(6, {del(keys_.agent(agentId_)), putNumber(number(n1_, "+14155550101", kSid1))});
  EXPECT_EQ(replica_->stats().lastError, "");
  EXPECT_FALSE(store_->getAgent(store_->read(), agentId_));
  EXPECT_EQ(store_->getNumber(store_->read(), n1_)->incomingCallsAgentId, "");
  EXPECT_EQ(routeOf("+14155550101")->agentId, UuidBytes{});
  EXPECT_FALSE(agentPublished(agentId_));
}

TEST_F(ReplicaTest, ProviderDeletedWithItsNumbers) {
  store::Verification v{providerId_, "verified", 123, {}};
  apply(5, {putProvider(provider()), putNumber(number(n1_, "+14155550101", kSid1)),
            putNumber(number(n2_, "+14155550102", kSid2)),
            put(keys_.verification(providerId_), encodeVerification(v))});
  EXPECT_EQ(store_->getVerification(store_->read(), providerId_), v);
  {
    auto txn = store_->write();
    store_->journalAttachments(txn, providerId_, {kSid3});
    txn.commit();
  }
  apply(6, {del(keys_.provider(providerId_)), del(keys_.number(n1_)), del(keys_.number(n2_)),
            del(keys_.verification(providerId_))});
  auto txn = store_->read();
  EXPECT_FALSE(store_->getProvider(txn, providerId_));
  EXPECT_FALSE(store_->getNumber(txn, n1_));
  EXPECT_FALSE(store_->getVerification(txn, providerId_));
  EXPECT_TRUE(store_->journaledAttachments(txn, providerId_).empty());
  EXPECT_FALSE(routeOf("+14155550101"));
  EXPECT_FALSE(routeOf("+14155550102"));
  EXPECT_FALSE(providerPublished());
}

TEST_F(ReplicaTest, SidMovedToAnotherIdReplacesTheLeftover) {
  apply(5, {putProvider(provider()), putNumber(number(n1_, "+14155550101", kSid1))});
  // n1 was deleted and its number imported again as n2 in a change this store missed.
  apply(9, {putNumber(number(n2_, "+14155550101", kSid1))});
  EXPECT_FALSE(store_->getNumber(store_->read(), n1_));
  EXPECT_TRUE(store_->getNumber(store_->read(), n2_));
  EXPECT_EQ(routeOf("+14155550101")->phoneNumberId, *parseUuid(n2_));
}

TEST_F(ReplicaTest, BatchesAlreadyAppliedAreSkipped) {
  apply(5, {putProvider(provider()), putNumber(number(n1_, "+14155550101", kSid1))});
  apply(5, {del(keys_.number(n1_))});
  apply(3, {del(keys_.number(n1_))});
  EXPECT_TRUE(store_->getNumber(store_->read(), n1_));
  EXPECT_TRUE(routeOf("+14155550101"));
  EXPECT_EQ(replica_->stats().batchesApplied, 1u);
  apply(8, {});  // a progress notice
  EXPECT_EQ(replica_->appliedRevision(), 8);
  apply(9, {put("/test/fence", "x"), put("/other/data/numbers/x", "y")});  // not data/
  EXPECT_EQ(replica_->appliedRevision(), 9);
}

TEST_F(ReplicaTest, RevisionIsStoredWithTheChange) {
  apply(5, {putProvider(provider()), putNumber(number(n1_, "+14155550101", kSid1))});
  close();
  open();
  EXPECT_EQ(store_->clusterRevision(store_->read()), 5);
  EXPECT_EQ(replica_->appliedRevision(), 5);
  EXPECT_TRUE(routeOf("+14155550101"));  // load()
  apply(5, {del(keys_.number(n1_))});    // skipped after the restart too
  EXPECT_TRUE(store_->getNumber(store_->read(), n1_));
}

TEST_F(ReplicaTest, UndecodableProviderStopsApplyingWithoutCrashing) {
  store::Provider other = provider();
  auto foreign = box('z');  // another master key
  apply(5, {put(keys_.provider(other.id), encodeProvider(other, foreign.get())),
            putNumber(number(n1_, "+14155550101", kSid1))});
  EXPECT_EQ(replica_->appliedRevision(), 0);
  auto s = replica_->stats();
  EXPECT_NE(s.lastError.find("master key differs"), std::string::npos) << s.lastError;
  EXPECT_NE(s.lastError.find("--master-key-file"), std::string::npos) << s.lastError;
  EXPECT_FALSE(store_->getNumber(store_->read(), n1_));  // nothing of the batch stored
  EXPECT_EQ(store_->clusterRevision(store_->read()), 0);
}

TEST_F(ReplicaTest, WaitAppliedCompletesWhenTheRevisionArrives) {
  std::optional<bool> done;
  asio::co_spawn(
      io_,
      [&]() -> asio::awaitable<void> {
        done = co_await replica_->waitApplied(7, std::chrono::seconds(30));
      },
      asio::detached);
  io_.poll();
  EXPECT_FALSE(done);
  apply(7, {});
  io_.restart();
  io_.run_for(std::chrono::seconds(5));
  ASSERT_TRUE(done);
  EXPECT_TRUE(*done);

  done.reset();
  asio::co_spawn(
      io_,
      [&]() -> asio::awaitable<void> {
        done = co_await replica_->waitApplied(8, std::chrono::milliseconds(1));
      },
      asio::detached);
  io_.restart();
  io_.run_for(std::chrono::seconds(5));
  ASSERT_TRUE(done);
  EXPECT_FALSE(*done);
}

// Against a real etcd: the data written by the test through the client, the replica
// reading and watching it.
class ReplicaEtcdTest : public ReplicaTest {
 protected:
  ReplicaEtcdTest() {
    close();
    endpoint_ = etcdServer_.clientUrls().front();
    open();
  }

  // Runs the io_context until `done` holds; false after 30 s.
  bool runUntil(const std::function<bool()>& done) { return twilio::testing::runUntil(io_, done); }
  template <typename T>
  T run(asio::awaitable<T> task) {
    std::optional<T> result;
    asio::co_spawn(
        io_,
        [&result, t = std::move(task)]() mutable -> asio::awaitable<void> {
          result.emplace(co_await std::move(t));
        },
        asio::detached);
    EXPECT_TRUE(runUntil([&] { return result.has_value(); }));
    return std::move(*result);
  }

  // One transaction of puts and deletes; returns its revision.
  int64_t write(std::vector<Op> ops) {
    TxnRequest request;
    request.success = std::move(ops);
    auto r = run(etcd_client().txn(std::move(request)));
    EXPECT_TRUE(r) << r.error().message;
    return r ? r->revision : 0;
  }
  EtcdClient& etcd_client() { return *etcd_; }
  Op numberOp(const store::PhoneNumber& n) const {
    return Op::put(keys_.number(n.id), encodeNumber(n));
  }
  void compact(int64_t revision) {
    std::string cmd = "etcdctl --endpoints=" + endpoint_ + " compact " + std::to_string(revision) +
                      " >/dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }

  gw::testing::EtcdCluster etcdServer_;
};

TEST_F(ReplicaEtcdTest, ResyncSwapsInTheSnapshotAsADifference) {
  const std::string n3 = newUuid();
  write({Op::put(keys_.provider(providerId_), encodeProvider(provider(), secrets_.get())),
         Op::put(keys_.agent(agentId_), encodeAgent(agent(agentId_))),
         numberOp(number(n1_, "+14155550101", kSid1)),
         numberOp(number(n2_, "+14155550102", kSid2))});
  auto first = run(replica_->resync());
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(replica_->appliedRevision(), *first);
  EXPECT_TRUE(routeOf("+14155550101"));
  EXPECT_TRUE(routeOf("+14155550102"));
  EXPECT_TRUE(agentPublished(agentId_));

  // n2 and the agent vanish, n1 stays as it is, n3 is new.
  write({Op::del(keys_.number(n2_)), Op::del(keys_.agent(agentId_)),
         numberOp(number(n3, "+14155550103", kSid3))});
  auto unchanged = routeOf("+14155550101");
  auto second = run(replica_->resync());
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_GT(*second, *first);
  EXPECT_EQ(store_->clusterRevision(store_->read()), *second);
  EXPECT_FALSE(store_->getNumber(store_->read(), n2_));
  EXPECT_FALSE(store_->getAgent(store_->read(), agentId_));
  EXPECT_FALSE(routeOf("+14155550102"));
  EXPECT_TRUE(routeOf("+14155550103"));
  ASSERT_TRUE(routeOf("+14155550101"));
  EXPECT_EQ(routeOf("+14155550101")->phoneNumberId, unchanged->phoneNumberId);
  EXPECT_FALSE(agentPublished(agentId_));
  EXPECT_EQ(replica_->stats().resyncs, 2u);
}

TEST_F(ReplicaEtcdTest, ResyncReadsManyPagesAtOneRevision) {
  std::vector<Op> ops;
  ops.push_back(Op::put(keys_.provider(providerId_), encodeProvider(provider(), secrets_.get())));
  write(std::move(ops));
  // 4,500 numbers: three pages of the resync's reads.
  for (int t = 0; t < 45; ++t) {
    std::vector<Op> batch;
    for (int i = 0; i < 100; ++i) {
      int k = t * 100 + i;
      char e164[16];
      std::snprintf(e164, sizeof e164, "+1415600%04d", k);
      char sid[40];
      std::snprintf(sid, sizeof sid, "PN%032d", k);
      batch.push_back(numberOp(number(newUuid(), e164, sid)));
    }
    write(std::move(batch));
  }
  auto r = run(replica_->resync());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(store_->countNumbersOfProvider(store_->read(), providerId_), 4'500u);
  EXPECT_TRUE(routeOf("+14156000000"));
  EXPECT_TRUE(routeOf("+14156004499"));
}

TEST_F(ReplicaEtcdTest, StartedReplicaAppliesWhatEtcdReceives) {
  write({Op::put(keys_.provider(providerId_), encodeProvider(provider(), secrets_.get()))});
  replica_->start();
  ASSERT_TRUE(runUntil([&] { return replica_->stats().watching; }));
  int64_t rev = write({numberOp(number(n1_, "+14155550101", kSid1))});
  EXPECT_TRUE(run(replica_->waitApplied(rev, std::chrono::seconds(30))));
  EXPECT_TRUE(store_->getNumber(store_->read(), n1_));
  EXPECT_TRUE(routeOf("+14155550101"));
  rev = write({Op::del(keys_.number(n1_)), Op::put(keys_.fence(), "x")});
  EXPECT_TRUE(run(replica_->catchUp(std::chrono::seconds(30))));
  EXPECT_GE(replica_->appliedRevision(), rev);
  EXPECT_FALSE(routeOf("+14155550101"));
  EXPECT_EQ(replica_->stats().lastError, "");
  replica_->stop();
}

// A node that was down catches up on many revisions at once: they are applied in a few LMDB
// transactions, not one each (each one an fsync: 2,540 revisions took 7 to 12 s).
TEST_F(ReplicaEtcdTest, RevisionsThatArriveTogetherAreAppliedTogether) {
  const int64_t first =
      write({Op::put(keys_.provider(providerId_), encodeProvider(provider(), secrets_.get()))});
  ASSERT_TRUE(run(replica_->resync()));
  // 300 revisions while the replica does not watch.
  int64_t last = first;
  for (int k = 0; k < 300; ++k) {
    char e164[16];
    std::snprintf(e164, sizeof e164, "+1415700%04d", k);
    char sid[40];
    std::snprintf(sid, sizeof sid, "PN%032d", k);
    last = write({numberOp(number(newUuid(), e164, sid))});
  }
  replica_->start();
  EXPECT_TRUE(run(replica_->waitApplied(last, std::chrono::seconds(30))));
  EXPECT_EQ(store_->countNumbersOfProvider(store_->read(), providerId_), 300u);
  EXPECT_EQ(store_->clusterRevision(store_->read()), last);
  EXPECT_TRUE(routeOf("+14157000000"));
  EXPECT_TRUE(routeOf("+14157000299"));
  // One per revision before; how many fewer depends on how the stream's messages and the
  // control thread interleave, but etcd sends a backlog many revisions to a message.
  EXPECT_LT(replica_->stats().batchesApplied, 150u);
  replica_->stop();
}

// Far behind (a node down while much was imported), a node reads the registry at one
// revision instead of having etcd replay every revision since.
TEST_F(ReplicaEtcdTest, FarBehindResyncsRatherThanReplaying) {
  write({Op::put(keys_.provider(providerId_), encodeProvider(provider(), secrets_.get()))});
  ASSERT_TRUE(run(replica_->resync()));
  int64_t last = 0;
  for (int k = 0; k < 1'100; ++k) {
    char e164[16];
    std::snprintf(e164, sizeof e164, "+1415800%04d", k);
    char sid[40];
    std::snprintf(sid, sizeof sid, "PN%032d", k);
    last = write({numberOp(number(newUuid(), e164, sid))});
  }
  replica_->start();
  EXPECT_TRUE(run(replica_->waitApplied(last, std::chrono::seconds(30))));
  EXPECT_EQ(store_->countNumbersOfProvider(store_->read(), providerId_), 1'100u);
  EXPECT_TRUE(routeOf("+14158001099"));
  EXPECT_EQ(replica_->stats().resyncs, 2u);
  EXPECT_EQ(replica_->stats().batchesApplied, 0u);
  replica_->stop();
}

// A replica stopped and destroyed, with its store, while a resync waits for etcd: when etcd's
// answer comes, nothing touches what is gone.
TEST_F(ReplicaEtcdTest, AResyncInFlightWhenStoppedTouchesNothing) {
  write({Op::put(keys_.provider(providerId_), encodeProvider(provider(), secrets_.get())),
         numberOp(number(n1_, "+14155550101", kSid1))});
  bool done = false;
  asio::co_spawn(
      io_, [](Replica& r) -> asio::awaitable<void> { (void)co_await r.resync(); }(*replica_),
      [&](std::exception_ptr) { done = true; });
  io_.restart();
  io_.poll();  // the first range request is sent
  ASSERT_FALSE(done);
  replica_->stop();
  replica_.reset();
  sync_.reset();
  store_.reset();
  EXPECT_TRUE(runUntil([&] { return done; }));
}

TEST_F(ReplicaEtcdTest, CompactionPastTheAppliedRevisionResyncs) {
  write({Op::put(keys_.provider(providerId_), encodeProvider(provider(), secrets_.get())),
         numberOp(number(n1_, "+14155550101", kSid1))});
  replica_->start();
  ASSERT_TRUE(
      runUntil([&] { return replica_->stats().resyncs == 1 && replica_->stats().watching; }));
  replica_->stop();
  ASSERT_TRUE(runUntil([&] { return !replica_->stats().watching; }));

  write({numberOp(number(n2_, "+14155550102", kSid2))});
  int64_t last = write({Op::del(keys_.number(n1_))});
  compact(last);
  replica_->start();
  ASSERT_TRUE(runUntil([&] { return replica_->stats().resyncs == 2; }));
  EXPECT_GE(replica_->appliedRevision(), last);
  EXPECT_FALSE(store_->getNumber(store_->read(), n1_));
  EXPECT_TRUE(store_->getNumber(store_->read(), n2_));
  EXPECT_FALSE(routeOf("+14155550101"));
  EXPECT_TRUE(routeOf("+14155550102"));
  replica_->stop();
}

TEST_F(ReplicaEtcdTest, EtcdDownKeepsRoutesAndResumesWhenBack) {
  write({Op::put(keys_.provider(providerId_), encodeProvider(provider(), secrets_.get())),
         numberOp(number(n1_, "+14155550101", kSid1))});
  replica_->start();
  ASSERT_TRUE(
      runUntil([&] { return replica_->stats().resyncs == 1 && replica_->stats().watching; }));
  etcdServer_.kill(0);
  ASSERT_TRUE(runUntil([&] { return !replica_->stats().watching; }));
  EXPECT_NE(replica_->stats().lastError, "");
  EXPECT_TRUE(routeOf("+14155550101"));  // what is known keeps routing
  etcdServer_.start(0);
  int64_t rev = write({numberOp(number(n2_, "+14155550102", kSid2))});
  EXPECT_TRUE(run(replica_->waitApplied(rev, std::chrono::seconds(30))));
  EXPECT_TRUE(routeOf("+14155550102"));
  EXPECT_TRUE(replica_->stats().watching);
  EXPECT_EQ(replica_->stats().lastError, "");
  EXPECT_EQ(replica_->stats().resyncs, 1u);
  replica_->stop();
}

// The member a node watches through hangs (SIGSTOP): its stream stays open and silent, and
// TCP keepalive does not notice. The node notices that etcd has a write it has not applied
// and watches through another member.
class ReplicaFrozenMemberTest : public ReplicaTest {
 protected:
  ReplicaFrozenMemberTest() {
    close();
    auto urls = etcdServer_.clientUrls();
    endpoint_ = urls.front();
    open();
    // The replica's client knows every member, starting with the first.
    replica_.reset();
    etcd_ = std::make_unique<EtcdClient>(io_, EtcdOptions{urls});
    replica_ = std::make_unique<Replica>(io_, *store_, routes_, *sync_, *etcd_, keys_);
    replica_->load();
    writer_ = std::make_unique<EtcdClient>(io_, EtcdOptions{{urls.at(1)}});
  }
  ~ReplicaFrozenMemberTest() override { etcdServer_.thaw(0); }

  bool runUntil(const std::function<bool()>& done, std::chrono::seconds timeout) {
    return twilio::testing::runUntil(io_, done, timeout);
  }
  int64_t write(std::vector<Op> ops) {
    TxnRequest request;
    request.success = std::move(ops);
    std::optional<EtcdResult<TxnResponse>> r;
    asio::co_spawn(
        io_, [&]() -> asio::awaitable<void> { r = co_await writer_->txn(std::move(request)); },
        asio::detached);
    EXPECT_TRUE(runUntil([&] { return r.has_value(); }, std::chrono::seconds(30)));
    EXPECT_TRUE(r && *r) << (r && !*r ? r->error().message : "no answer");
    return r && *r ? (*r)->revision : 0;
  }

  gw::testing::EtcdCluster etcdServer_{3};
  std::unique_ptr<EtcdClient> writer_;
};

TEST_F(ReplicaFrozenMemberTest, AHungMemberDoesNotStopTheReplica) {
  write({Op::put(keys_.provider(providerId_), encodeProvider(provider(), secrets_.get()))});
  replica_->start();
  ASSERT_TRUE(runUntil([&] { return replica_->stats().resyncs == 1 && replica_->stats().watching; },
                       std::chrono::seconds(30)));

  etcdServer_.freeze(0);
  // The other two may have to elect a leader first.
  ASSERT_TRUE(runUntil([&] { return etcdServer_.healthy(1); }, std::chrono::seconds(30)));
  // A registry write as the write path makes it: the records and the fence.
  const int64_t rev =
      write({Op::put(keys_.number(n1_), encodeNumber(number(n1_, "+14155550101", kSid1))),
             Op::put(keys_.fence(), "writer:1")});
  ASSERT_GT(rev, 0);
  EXPECT_TRUE(
      runUntil([&] { return replica_->appliedRevision() >= rev; }, std::chrono::seconds(40)))
      << "applied " << replica_->appliedRevision() << " of " << rev << "; "
      << replica_->stats().lastError;
  EXPECT_TRUE(routeOf("+14155550101"));
  replica_->stop();
}

}  // namespace
}  // namespace gw::cluster
