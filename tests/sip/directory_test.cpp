#include "sip/directory.hpp"

#include <thread>

#include <gtest/gtest.h>

namespace gw::sip {
namespace {

boost::asio::ip::address ip(const char* text) {
  return boost::asio::ip::make_address(text);
}

AgentTarget agentOn(uint8_t tag, const char* address, uint16_t port) {
  AgentTarget a;
  a.id[0] = tag;
  a.name = "agent-" + std::to_string(tag);
  a.addresses.push_back(ip(address));
  a.port = port;
  return a;
}

TEST(DirectoryTest, FindsAgentsAndProvidersById) {
  ProviderTarget p;
  p.id[0] = 9;
  p.terminationUri = "x.pstn.twilio.com";
  Directory dir({agentOn(1, "10.0.0.1", 5060), agentOn(2, "10.0.0.2", 5060)}, {p}, {});
  UuidBytes id{};
  id[0] = 2;
  ASSERT_NE(dir.agent(id), nullptr);
  EXPECT_EQ(dir.agent(id)->name, "agent-2");
  id[0] = 3;
  EXPECT_EQ(dir.agent(id), nullptr);
  id[0] = 9;
  ASSERT_NE(dir.provider(id), nullptr);
  EXPECT_EQ(dir.provider(id)->terminationUri, "x.pstn.twilio.com");
}

TEST(DirectoryTest, AgentAtMatchesAddressAndPortOverUdp) {
  Directory dir({agentOn(1, "127.0.0.1", 5070), agentOn(2, "127.0.0.1", 5080)}, {}, {});
  auto* a = dir.agentAt(ip("127.0.0.1"), 5080, Transport::kUdp);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->id[0], 2);
  EXPECT_EQ(dir.agentAt(ip("127.0.0.1"), 40000, Transport::kUdp), nullptr);
  EXPECT_EQ(dir.agentAt(ip("127.0.0.2"), 5070, Transport::kUdp), nullptr);
  // Two agents on the address: an ephemeral TCP port cannot tell them apart.
  EXPECT_EQ(dir.agentAt(ip("127.0.0.1"), 40000, Transport::kTcp), nullptr);
}

TEST(DirectoryTest, AgentAtAcceptsAnyPortOverTcpWhenOneAgentLivesThere) {
  Directory dir({agentOn(1, "10.0.0.1", 5060)}, {}, {});
  auto* a = dir.agentAt(ip("10.0.0.1"), 41234, Transport::kTcp);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->id[0], 1);
  EXPECT_EQ(dir.agentAt(ip("::ffff:10.0.0.1"), 5060, Transport::kUdp), a);
}

TEST(DirectoryTest, TrustAndProviderRanges) {
  ProviderTarget p;
  p.id[0] = 1;
  p.allowedAddresses.push_back(*Cidr::parse("54.172.60.0/30"));
  Directory dir({}, {p}, {*Cidr::parse("127.0.0.0/8")});
  EXPECT_NE(dir.trustedGlobally(ip("127.0.0.1")), nullptr);
  EXPECT_EQ(dir.trustedGlobally(ip("54.172.60.1")), nullptr);
  EXPECT_NE(Directory::allowedBy(dir.providers()[0], ip("54.172.60.1")), nullptr);
  EXPECT_EQ(Directory::allowedBy(dir.providers()[0], ip("54.172.60.5")), nullptr);
  EXPECT_NE(dir.anyProviderAllowing(ip("54.172.60.2")), nullptr);
  EXPECT_EQ(dir.anyProviderAllowing(ip("8.8.8.8")), nullptr);
}

TEST(DirectoryTest, CacheSeesEachPublication) {
  DirectoryHolder holder;
  DirectoryCache cache(holder);
  EXPECT_TRUE(cache.get().agents().empty());
  holder.publish(
      std::make_shared<const Directory>(std::vector<AgentTarget>{agentOn(1, "10.0.0.1", 5060)},
                                        std::vector<ProviderTarget>{}, std::vector<Cidr>{}));
  EXPECT_EQ(cache.get().agents().size(), 1u);
  holder.publish(std::make_shared<const Directory>());
  EXPECT_TRUE(cache.get().agents().empty());
}

TEST(DirectoryTest, ReadersOnOtherThreadsKeepTheirSnapshotAlive) {
  DirectoryHolder holder;
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    DirectoryCache cache(holder);
    while (!stop.load()) {
      const Directory& d = cache.get();
      // A snapshot is never torn: either no agent or exactly the one published.
      if (!d.agents().empty()) {
        ASSERT_EQ(d.agents()[0].name, "agent-1");
      }
    }
  });
  for (int i = 0; i < 2000; ++i) {
    if (i % 2) {
      holder.publish(std::make_shared<const Directory>());
    } else {
      holder.publish(
          std::make_shared<const Directory>(std::vector<AgentTarget>{agentOn(1, "10.0.0.1", 5060)},
                                            std::vector<ProviderTarget>{}, std::vector<Cidr>{}));
    }
  }
  stop = true;
  reader.join();
}

}  // namespace
}  // namespace gw::sip
