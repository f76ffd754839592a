#include "sip/dns_cache.hpp"

#include <gtest/gtest.h>

#include <boost/asio/error.hpp>

namespace gw::sip {
namespace {

namespace asio = boost::asio;
using Clock = DnsCache::Clock;
using std::chrono::seconds;

DnsCache::Addresses addressList(std::initializer_list<const char*> texts) {
  DnsCache::Addresses out;
  for (const char* t : texts) out.push_back(asio::ip::make_address(t));
  return out;
}

class DnsCacheTest : public ::testing::Test {
 protected:
  DnsCache::Options options(size_t maxEntries = 8) {
    DnsCache::Options o;
    o.ttl = seconds(60);
    o.negativeTtl = seconds(10);
    o.maxEntries = maxEntries;
    return o;
  }
  asio::io_context io_;
  Clock::time_point t0_ = Clock::now();
};

TEST_F(DnsCacheTest, AnswersLiveTheirTtlAndTheLastOneStaysAvailable) {
  DnsCache cache(io_, options());
  EXPECT_EQ(cache.find("pbx.example.com", t0_), nullptr);
  cache.put("pbx.example.com", addressList({"192.0.2.1"}), t0_);
  const auto* hit = cache.find("pbx.example.com", t0_ + seconds(59));
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->addresses, addressList({"192.0.2.1"}));
  EXPECT_EQ(cache.find("pbx.example.com", t0_ + seconds(60)), nullptr);
  ASSERT_NE(cache.last("pbx.example.com"), nullptr);  // stale, still the last answer
  EXPECT_EQ(cache.last("pbx.example.com")->addresses, addressList({"192.0.2.1"}));
  EXPECT_EQ(cache.find("PBX.example.com", t0_), nullptr);  // keys are the text as written
}

TEST_F(DnsCacheTest, RemembersNamesThatDoNotResolveForTheShorterTtl) {
  DnsCache cache(io_, options());
  cache.put("nowhere.invalid", {}, t0_);
  const auto* hit = cache.find("nowhere.invalid", t0_ + seconds(9));
  ASSERT_NE(hit, nullptr);
  EXPECT_TRUE(hit->addresses.empty());
  EXPECT_EQ(cache.find("nowhere.invalid", t0_ + seconds(10)), nullptr);
  // A later answer replaces it in place.
  cache.put("nowhere.invalid", addressList({"192.0.2.2"}), t0_ + seconds(11));
  EXPECT_EQ(cache.size(), 1u);
  ASSERT_NE(cache.find("nowhere.invalid", t0_ + seconds(12)), nullptr);
}

TEST_F(DnsCacheTest, StaysWithinItsBoundExpiredEntriesFirst) {
  DnsCache cache(io_, options(3));
  cache.put("a.example.com", {}, t0_);                                       // expires t0+10
  cache.put("b.example.com", addressList({"192.0.2.2"}), t0_);               // t0+60
  cache.put("c.example.com", addressList({"192.0.2.3"}), t0_ + seconds(5));  // t0+65
  cache.put("d.example.com", addressList({"192.0.2.4"}), t0_ + seconds(20));
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.last("a.example.com"), nullptr);  // expired: the first to go
  // All fresh now: the one closest to expiring goes.
  cache.put("e.example.com", addressList({"192.0.2.5"}), t0_ + seconds(21));
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.last("b.example.com"), nullptr);
  EXPECT_NE(cache.last("c.example.com"), nullptr);
  EXPECT_NE(cache.last("d.example.com"), nullptr);
  EXPECT_NE(cache.last("e.example.com"), nullptr);
  cache.eraseIf([](const std::string& host) { return host != "d.example.com"; });
  EXPECT_EQ(cache.size(), 1u);
}

TEST_F(DnsCacheTest, ResolvesWithoutBlockingTheCallerAndCachesTheAnswer) {
  DnsCache cache(io_, options());
  bool called = false;
  boost::system::error_code error;
  DnsCache::Addresses got;
  cache.resolve("localhost", [&](const boost::system::error_code& ec, const auto& addresses) {
    called = true;
    error = ec;
    got = addresses;
  });
  EXPECT_FALSE(called);  // the answer comes on the io_context, never inside resolve()
  EXPECT_EQ(cache.inFlight(), 1u);
  io_.run();
  ASSERT_TRUE(called);
  EXPECT_FALSE(error) << error.message();
  ASSERT_FALSE(got.empty());
  for (size_t i = 1; i < got.size(); ++i) EXPECT_LT(got[i - 1], got[i]);  // sorted, unique
  EXPECT_TRUE(got.front().is_loopback());
  const auto* hit = cache.find("localhost", Clock::now());
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->addresses, got);
  EXPECT_EQ(cache.inFlight(), 0u);
}

TEST_F(DnsCacheTest, ANameThatDoesNotResolveIsCachedAsSuch) {
  DnsCache cache(io_, options());
  boost::system::error_code error;
  bool called = false;
  cache.resolve("no-such-host.invalid", [&](const auto& ec, const auto& addresses) {
    called = true;
    error = ec;
    EXPECT_TRUE(addresses.empty());
  });
  io_.run();
  ASSERT_TRUE(called);
  EXPECT_TRUE(error);
  const auto* hit = cache.find("no-such-host.invalid", Clock::now());
  ASSERT_NE(hit, nullptr);
  EXPECT_TRUE(hit->addresses.empty());
}

TEST_F(DnsCacheTest, RefusesLookupsBeyondItsLimitAndAfterCancel) {
  auto o = options();
  o.maxInFlight = 0;
  DnsCache full(io_, o);
  EXPECT_TRUE(full.busy());
  boost::system::error_code error;
  full.resolve("localhost", [&](const auto& ec, const auto&) { error = ec; });
  EXPECT_FALSE(error);  // not inside resolve()
  io_.run();
  EXPECT_EQ(error, asio::error::no_buffer_space);
  EXPECT_EQ(full.find("localhost", Clock::now()), nullptr);

  io_.restart();
  DnsCache cancelled(io_, options());
  cancelled.cancel();
  EXPECT_TRUE(cancelled.busy());
  cancelled.resolve("localhost", [&](const auto& ec, const auto&) { error = ec; });
  io_.run();
  EXPECT_EQ(error, asio::error::operation_aborted);
}

TEST_F(DnsCacheTest, AnswersExactlyOnceEvenWhenTheDeadlinePasses) {
  auto o = options();
  o.timeout = std::chrono::milliseconds(0);  // the deadline and the answer race
  DnsCache cache(io_, o);
  int calls = 0;
  cache.resolve("localhost", [&](const auto&, const auto&) { ++calls; });
  io_.run();
  EXPECT_EQ(calls, 1);
  // Whoever won, the resolver's answer is cached once it arrives.
  const auto* hit = cache.find("localhost", Clock::now());
  ASSERT_NE(hit, nullptr);
  EXPECT_FALSE(hit->addresses.empty());
}

}  // namespace
}  // namespace gw::sip
