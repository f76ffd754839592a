// The etcd client against real etcd members on loopback: reads, writes, transactions,
// leases, watches, compaction, and what happens when members go away.
#include "cluster/etcd_client.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <exception>
#include <optional>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "tests/support/etcd_server.hpp"
#include "twilio/curl_client.hpp"

namespace gw::cluster {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A safety net far above what a passing test needs; not a timing assertion.
constexpr auto kWait = 60s;

class EtcdClientTest : public ::testing::Test {
 protected:
  std::unique_ptr<EtcdClient> makeClient(const testing::EtcdCluster& etcd,
                                         std::chrono::milliseconds timeout = 3s) {
    EtcdOptions o;
    o.endpoints = etcd.clientUrls();
    o.requestTimeout = timeout;
    o.connectTimeout = 1s;
    return std::make_unique<EtcdClient>(io_, o);
  }

  // Runs the io_context until `a` completes.
  template <typename T>
  T run(asio::awaitable<T> a) {
    std::optional<T> out;
    std::exception_ptr error;
    bool done = false;
    asio::co_spawn(
        io_, [&]() -> asio::awaitable<void> { out.emplace(co_await std::move(a)); },
        [&](std::exception_ptr e) {
          error = e;
          done = true;
        });
    runUntil([&] { return done; });
    if (error) std::rethrow_exception(error);
    if (!out) throw std::runtime_error("the call did not complete");
    return std::move(*out);
  }

  template <typename Pred>
  bool runUntil(Pred pred) {
    auto deadline = Clock::now() + kWait;
    // Watch threads post to the io_context from outside: without the guard it would stop
    // as soon as it has nothing queued.
    auto guard = asio::make_work_guard(io_);
    io_.restart();
    while (!pred()) {
      if (Clock::now() > deadline) return false;
      io_.run_one_for(20ms);
    }
    return true;
  }

  int64_t put(EtcdClient& c, const std::string& key, const std::string& value) {
    auto r = run(c.put(key, value));
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : 0;
  }

  // POST /v3/kv/compaction, which the client does not offer.
  void compact(const std::string& endpoint, int64_t revision) {
    twilio::CurlClient curl(io_);
    twilio::HttpRequest req;
    req.method = "POST";
    req.url = endpoint + "/v3/kv/compaction";
    req.body = R"({"revision":")" + std::to_string(revision) + R"(","physical":true})";
    auto resp = run(curl.send(req));
    ASSERT_EQ(resp.status, 200) << resp.networkError << resp.body;
  }

  asio::io_context io_;
};

// After a member dies the others may need a new leader before they serve requests again.
void waitHealthy(const testing::EtcdCluster& etcd, size_t member) {
  auto deadline = Clock::now() + kWait;
  while (!etcd.healthy(member)) {
    ASSERT_LT(Clock::now(), deadline) << "etcd member " << member << " stays unhealthy";
    std::this_thread::sleep_for(20ms);
  }
}

// What a watch delivered.
struct WatchLog {
  std::vector<WatchBatch> batches;
  std::optional<EtcdError> end;

  std::unique_ptr<EtcdClient::Watch> start(EtcdClient& c, const std::string& key,
                                           const std::string& rangeEnd, int64_t from) {
    return c.watch(
        key, rangeEnd, from, [this](WatchBatch& b) { batches.push_back(b); },
        [this](const EtcdError& e) { end = e; });
  }
  size_t events() const {
    size_t n = 0;
    for (const auto& b : batches) n += b.events.size();
    return n;
  }
};

TEST_F(EtcdClientTest, PutsAndReadsRanges) {
  testing::EtcdCluster etcd;
  auto c = makeClient(etcd);
  int64_t r1 = put(*c, "p/a", "1");
  int64_t r2 = put(*c, "p/b", "2");
  int64_t r3 = put(*c, "p/c", "3");
  put(*c, "q/a", "other");
  EXPECT_LT(r1, r2);
  EXPECT_LT(r2, r3);

  auto one = run(c->range({.key = "p/b"}));
  ASSERT_TRUE(one) << one.error().message;
  ASSERT_EQ(one->kvs.size(), 1u);
  EXPECT_EQ(one->kvs[0].value, "2");
  EXPECT_EQ(one->kvs[0].modRevision, r2);
  EXPECT_EQ(one->kvs[0].createRevision, r2);
  EXPECT_EQ(one->kvs[0].version, 1);
  EXPECT_GE(one->revision, r3);

  auto limited = run(c->range({.key = "p/", .rangeEnd = prefixEnd("p/"), .limit = 2}));
  ASSERT_TRUE(limited);
  ASSERT_EQ(limited->kvs.size(), 2u);
  EXPECT_EQ(limited->kvs[0].key, "p/a");
  EXPECT_EQ(limited->kvs[1].key, "p/b");
  EXPECT_TRUE(limited->more);
  EXPECT_EQ(limited->count, 3);

  // The range as it was at r2.
  auto past = run(c->range({.key = "p/", .rangeEnd = prefixEnd("p/"), .revision = r2}));
  ASSERT_TRUE(past);
  EXPECT_EQ(past->kvs.size(), 2u);
  EXPECT_FALSE(past->more);

  auto keys = run(c->range({.key = "p/", .rangeEnd = prefixEnd("p/"), .keysOnly = true}));
  ASSERT_TRUE(keys);
  ASSERT_EQ(keys->kvs.size(), 3u);
  EXPECT_EQ(keys->kvs[2].key, "p/c");
  EXPECT_EQ(keys->kvs[2].value, "");

  auto count = run(c->range({.key = "p/", .rangeEnd = prefixEnd("p/"), .countOnly = true}));
  ASSERT_TRUE(count);
  EXPECT_TRUE(count->kvs.empty());
  EXPECT_EQ(count->count, 3);

  // Bytes that are not text survive the trip.
  std::string binary("k\0\xff\x01", 4);
  std::string value("\0\x80v", 3);
  put(*c, binary, value);
  auto b = run(c->range({.key = binary}));
  ASSERT_TRUE(b);
  ASSERT_EQ(b->kvs.size(), 1u);
  EXPECT_EQ(b->kvs[0].key, binary);
  EXPECT_EQ(b->kvs[0].value, value);

  auto missing = run(c->range({.key = "nothing"}));
  ASSERT_TRUE(missing);
  EXPECT_TRUE(missing->kvs.empty());
  EXPECT_EQ(missing->count, 0);
}

TEST_F(EtcdClientTest, PrefixEndCoversThePrefix) {
  EXPECT_EQ(prefixEnd("abc"), "abd");
  EXPECT_EQ(prefixEnd(std::string("a\xff", 2)), "b");
  EXPECT_EQ(prefixEnd(std::string("\xff", 1)), std::string(1, '\0'));
}

TEST_F(EtcdClientTest, TxnRunsTheBranchItsComparesChoose) {
  testing::EtcdCluster etcd;
  auto c = makeClient(etcd);
  int64_t r1 = put(*c, "t/a", "1");

  TxnRequest create;
  create.compare = {Compare::absent("t/b"), Compare::exists("t/a")};
  create.success = {Op::put("t/b", "2"), Op::get("t/", prefixEnd("t/"))};
  create.failure = {Op::get("t/b")};
  auto ok = run(c->txn(create));
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_TRUE(ok->succeeded);
  EXPECT_GT(ok->revision, r1);
  ASSERT_EQ(ok->ranges.size(), 2u);
  EXPECT_TRUE(ok->ranges[0].empty());
  ASSERT_EQ(ok->ranges[1].size(), 2u);
  EXPECT_EQ(ok->ranges[1][1].key, "t/b");
  EXPECT_EQ(ok->ranges[1][1].modRevision, ok->revision);

  // Again: t/b exists now, so the failure branch runs and reads it.
  auto again = run(c->txn(create));
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->succeeded);
  ASSERT_EQ(again->ranges.size(), 1u);
  ASSERT_EQ(again->ranges[0].size(), 1u);
  EXPECT_EQ(again->ranges[0][0].value, "2");

  // modifiedBefore: t/a was last written at r1.
  TxnRequest stale;
  stale.compare = {Compare::modifiedBefore("t/a", r1)};
  stale.success = {Op::del("t/a")};
  auto notBefore = run(c->txn(stale));
  ASSERT_TRUE(notBefore);
  EXPECT_FALSE(notBefore->succeeded);
  stale.compare = {Compare::modifiedBefore("t/a", r1 + 1)};
  auto before = run(c->txn(stale));
  ASSERT_TRUE(before);
  EXPECT_TRUE(before->succeeded);
  EXPECT_TRUE(run(c->range({.key = "t/a"}))->kvs.empty());

  // A compare over a range: every key of t/ has version 1 (only t/b is left).
  Compare allNew;
  allNew.key = "t/";
  allNew.rangeEnd = prefixEnd("t/");
  allNew.target = Compare::Target::kVersion;
  allNew.result = Compare::Result::kEqual;
  allNew.number = 1;
  TxnRequest ranged;
  ranged.compare = {allNew};
  ranged.success = {Op::put("t/c", "3")};
  auto r = run(c->txn(ranged));
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->succeeded);
  put(*c, "t/c", "4");  // t/c at version 2 now
  auto r2 = run(c->txn(ranged));
  ASSERT_TRUE(r2);
  EXPECT_FALSE(r2->succeeded);

  // A value compare, and delete of a range.
  Compare value;
  value.key = "t/c";
  value.target = Compare::Target::kValue;
  value.value = "4";
  TxnRequest wipe;
  wipe.compare = {value};
  wipe.success = {Op::del("t/", prefixEnd("t/"))};
  auto w = run(c->txn(wipe));
  ASSERT_TRUE(w);
  EXPECT_TRUE(w->succeeded);
  EXPECT_EQ(run(c->range({.key = "t/", .rangeEnd = prefixEnd("t/"), .countOnly = true}))->count, 0);
}

TEST_F(EtcdClientTest, TooManyOperationsIsRejected) {
  testing::EtcdCluster etcd;
  auto c = makeClient(etcd);
  TxnRequest big;
  for (int i = 0; i < 200; ++i) big.success.push_back(Op::put("k" + std::to_string(i), "v"));
  auto r = run(c->txn(big));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, EtcdError::Kind::kRejected);
  EXPECT_NE(r.error().message.find("too many operations"), std::string::npos) << r.error().message;
}

TEST_F(EtcdClientTest, LeasesKeepKeysUntilRevoked) {
  testing::EtcdCluster etcd;
  auto c = makeClient(etcd);
  auto lease = run(c->leaseGrant(30s));
  ASSERT_TRUE(lease) << lease.error().message;
  EXPECT_NE(*lease, 0);
  auto r = run(c->put("l/a", "1", *lease));
  ASSERT_TRUE(r) << r.error().message;
  auto kv = run(c->range({.key = "l/a"}));
  ASSERT_TRUE(kv);
  ASSERT_EQ(kv->kvs.size(), 1u);
  EXPECT_EQ(kv->kvs[0].lease, *lease);

  auto ttl = run(c->leaseKeepAlive(*lease));
  ASSERT_TRUE(ttl) << ttl.error().message;
  EXPECT_GT(*ttl, 0);

  auto revoked = run(c->leaseRevoke(*lease));
  ASSERT_TRUE(revoked) << revoked.error().message;
  EXPECT_TRUE(*revoked);
  EXPECT_TRUE(run(c->range({.key = "l/a"}))->kvs.empty());

  auto gone = run(c->leaseKeepAlive(*lease));
  ASSERT_TRUE(gone) << gone.error().message;
  EXPECT_LE(*gone, 0);
  auto twice = run(c->leaseRevoke(*lease));
  ASSERT_TRUE(twice) << twice.error().message;
  EXPECT_FALSE(*twice);
}

TEST_F(EtcdClientTest, WatchDeliversPastThenLiveBatchesInRevisionOrder) {
  testing::EtcdCluster etcd;
  auto c = makeClient(etcd);
  int64_t r1 = put(*c, "w/a", "1");
  TxnRequest two;
  two.success = {Op::put("w/b", "2"), Op::put("w/c", "3")};
  int64_t r2 = run(c->txn(two))->revision;
  put(*c, "other", "x");

  WatchLog log;
  auto w = log.start(*c, "w/", prefixEnd("w/"), r1);
  ASSERT_TRUE(runUntil([&] { return log.events() >= 3 || log.end; }));
  ASSERT_FALSE(log.end) << log.end->message;
  ASSERT_GE(log.batches.size(), 2u);
  EXPECT_EQ(log.batches[0].revision, r1);
  EXPECT_EQ(log.batches[1].revision, r2);
  ASSERT_EQ(log.batches[1].events.size(), 2u);
  EXPECT_EQ(log.batches[1].events[0].kv.key, "w/b");
  EXPECT_EQ(log.batches[1].events[1].kv.key, "w/c");

  int64_t r3 = put(*c, "w/a", "again");
  TxnRequest del;
  del.success = {Op::del("w/b", "w/d")};
  int64_t r4 = run(c->txn(del))->revision;
  ASSERT_TRUE(runUntil([&] { return log.events() >= 6 || log.end; }));
  ASSERT_FALSE(log.end);
  std::vector<WatchBatch> real;
  for (const auto& b : log.batches) {
    if (!b.events.empty()) real.push_back(b);
  }
  ASSERT_EQ(real.size(), 4u);
  for (size_t i = 1; i < log.batches.size(); ++i) {
    EXPECT_LE(log.batches[i - 1].revision, log.batches[i].revision);
  }
  EXPECT_EQ(real[2].revision, r3);
  EXPECT_EQ(real[2].events[0].kv.value, "again");
  EXPECT_EQ(real[3].revision, r4);
  ASSERT_EQ(real[3].events.size(), 2u);
  EXPECT_EQ(real[3].events[0].type, WatchEvent::Type::kDelete);
  EXPECT_EQ(real[3].events[0].kv.key, "w/b");
  EXPECT_EQ(real[3].events[1].type, WatchEvent::Type::kDelete);
  EXPECT_EQ(real[3].events[1].kv.modRevision, r4);

  // Stopped: nothing more arrives, not even onEnd.
  w->stop();
  put(*c, "w/a", "after");
  size_t before = log.batches.size();
  auto more = run(c->range({.key = "w/a"}));
  ASSERT_TRUE(more);
  io_.restart();
  io_.poll();
  EXPECT_EQ(log.batches.size(), before);
  EXPECT_FALSE(log.end);
}

TEST_F(EtcdClientTest, WatchFromACompactedRevisionEnds) {
  testing::EtcdCluster etcd;
  auto c = makeClient(etcd);
  int64_t r1 = put(*c, "c/a", "1");
  put(*c, "c/a", "2");
  int64_t r3 = put(*c, "c/a", "3");
  compact(etcd.clientUrls()[0], r3);

  WatchLog log;
  auto w = log.start(*c, "c/", prefixEnd("c/"), r1);
  ASSERT_TRUE(runUntil([&] { return log.end.has_value(); }));
  EXPECT_EQ(log.end->kind, EtcdError::Kind::kCompacted) << log.end->message;
  EXPECT_EQ(log.end->compactRevision, r3);
  EXPECT_TRUE(log.batches.empty());

  auto old = run(c->range({.key = "c/a", .revision = r1}));
  ASSERT_FALSE(old);
  EXPECT_EQ(old.error().kind, EtcdError::Kind::kCompacted) << old.error().message;
}

TEST_F(EtcdClientTest, FailsOverWhenAMemberDies) {
  testing::EtcdCluster etcd(3);
  auto c = makeClient(etcd);
  put(*c, "f/a", "1");
  // The client starts with the first endpoint and stays with it while it answers.
  etcd.kill(0);
  waitHealthy(etcd, 1);
  auto r = run(c->range({.key = "f/a"}));
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->kvs.size(), 1u);
  auto w = run(c->put("f/b", "2"));
  ASSERT_TRUE(w) << w.error().message;
  etcd.kill(1);  // no quorum left: the rest fails, but in bounded time
  etcd.start(0);
  ASSERT_TRUE(run(c->put("f/c", "3"))) << "two members of three are up again";
}

// A member that hangs (SIGSTOP) keeps its connections open and answers nothing. A read
// gives it only its share of the request timeout and is answered by another member; a write
// sent to it cannot tell whether it was applied, but the next one goes to another member.
// The client knows two of the three members: after the hung first one, the read must go to
// the second, not back to the first.
TEST_F(EtcdClientTest, AHungMemberIsPassedOver) {
  testing::EtcdCluster etcd(3);
  EtcdOptions o;
  o.endpoints = {etcd.clientUrls().at(0), etcd.clientUrls().at(1)};
  EtcdClient c(io_, o);
  put(c, "h/a", "1");  // through the first member, which the client then keeps using
  etcd.freeze(0);
  waitHealthy(etcd, 1);
  auto r = run(c.range({.key = "h/a"}));
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->kvs.size(), 1u);
  EXPECT_TRUE(run(c.put("h/b", "2"))) << "a write after the read went to the hung member";
  etcd.thaw(0);
}

// A write sent to a hung member is "outcome unknown"; the next one goes to another member.
TEST_F(EtcdClientTest, AWriteAfterAHungMembersTimeoutGoesElsewhere) {
  testing::EtcdCluster etcd(3);
  auto c = makeClient(etcd, 2s);
  put(*c, "h/a", "1");
  etcd.freeze(0);
  waitHealthy(etcd, 1);
  auto lost = run(c->put("h/b", "2"));
  ASSERT_FALSE(lost);
  EXPECT_EQ(lost.error().kind, EtcdError::Kind::kOutcomeUnknown) << lost.error().message;
  auto next = run(c->put("h/c", "3"));
  EXPECT_TRUE(next) << next.error().message;
  etcd.thaw(0);
}

TEST_F(EtcdClientTest, EveryMemberDownIsUnavailableUntilTheyReturn) {
  testing::EtcdCluster etcd(3);
  auto c = makeClient(etcd, 2s);
  put(*c, "u/a", "1");
  etcd.killAll();
  auto r = run(c->range({.key = "u/a"}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, EtcdError::Kind::kUnavailable) << r.error().message;
  auto w = run(c->put("u/b", "2"));
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().kind, EtcdError::Kind::kUnavailable) << w.error().message;
  auto l = run(c->leaseGrant(10s));
  ASSERT_FALSE(l);
  EXPECT_EQ(l.error().kind, EtcdError::Kind::kUnavailable);

  etcd.startAll();
  auto back = run(c->range({.key = "u/a"}));
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_EQ(back->kvs.size(), 1u);
  ASSERT_TRUE(run(c->put("u/b", "2")));
}

TEST_F(EtcdClientTest, WatchEndsWhenItsMemberDies) {
  testing::EtcdCluster etcd(3);
  auto c = makeClient(etcd);
  int64_t r1 = put(*c, "d/a", "1");
  WatchLog log;
  auto w = log.start(*c, "d/", prefixEnd("d/"), r1);
  ASSERT_TRUE(runUntil([&] { return log.events() >= 1 || log.end; }));
  ASSERT_FALSE(log.end);
  etcd.kill(0);  // the watch's member: the first endpoint, the last one that answered
  ASSERT_TRUE(runUntil([&] { return log.end.has_value(); }));
  EXPECT_EQ(log.end->kind, EtcdError::Kind::kUnavailable);

  // A new watch from the next revision goes to a member that is up.
  waitHealthy(etcd, 1);
  waitHealthy(etcd, 2);
  WatchLog resumed;
  auto w2 = resumed.start(*c, "d/", prefixEnd("d/"), r1 + 1);
  auto r2 = run(c->put("d/b", "2"));
  ASSERT_TRUE(r2) << r2.error().message;
  ASSERT_TRUE(runUntil([&] { return resumed.events() >= 1 || resumed.end; }));
  ASSERT_FALSE(resumed.end) << resumed.end->message;
  EXPECT_EQ(resumed.batches.back().revision, *r2);
}

TEST_F(EtcdClientTest, WatchSendsProgressNoticesWhileNothingChanges) {
  testing::EtcdCluster etcd(1, 200ms);
  auto c = makeClient(etcd);
  int64_t r1 = put(*c, "n/a", "1");
  put(*c, "elsewhere", "2");
  WatchLog log;
  auto w = log.start(*c, "n/", prefixEnd("n/"), r1 + 1);
  ASSERT_TRUE(runUntil([&] { return !log.batches.empty() || log.end; }));
  ASSERT_FALSE(log.end) << log.end->message;
  EXPECT_TRUE(log.batches[0].events.empty());
  EXPECT_GE(log.batches[0].revision, r1 + 1);
}

TEST_F(EtcdClientTest, DestroyingTheClientEndsItsWatches) {
  testing::EtcdCluster etcd;
  auto c = makeClient(etcd);
  WatchLog log;
  // From revision 1, not "from now": the put may land before the watch is set up.
  auto w = log.start(*c, "x/", prefixEnd("x/"), 1);
  put(*c, "x/a", "1");
  ASSERT_TRUE(runUntil([&] { return log.events() >= 1 || log.end; }));
  c.reset();  // joins the watch's thread
  io_.restart();
  io_.poll();
  EXPECT_FALSE(log.end);
}

}  // namespace
}  // namespace gw::cluster
