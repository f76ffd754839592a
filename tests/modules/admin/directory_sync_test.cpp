#include "modules/admin/directory_sync.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "common/uuid.hpp"
#include "store/store.hpp"
#include "tests/support/temp_dir.hpp"

namespace gw::admin {
namespace {

namespace asio = boost::asio;

class DirectorySyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = store::Store::open(dir_.path(), store::StoreOptions{size_t{64} << 20, false});
    sync_ = std::make_unique<DirectorySync>(
        io_, *store_, holder_, std::vector<sip::Cidr>{*sip::Cidr::parse("10.0.0.0/8")});
  }
  void TearDown() override {
    sync_.reset();
    store_.reset();
  }

  store::Agent putAgent(std::string sipUri, std::string mode = "proxy") {
    store::Agent a;
    a.id = newUuid();
    a.orgId = "org-1";
    a.name = "agent " + sipUri;
    a.sipUri = std::move(sipUri);
    a.mode = std::move(mode);
    auto txn = store_->write();
    store_->putAgent(txn, a);
    txn.commit();
    return a;
  }

  testsupport::TempDir dir_{"gw-dirsync"};  // removed after store_ closes
  asio::io_context io_;
  std::unique_ptr<store::Store> store_;
  sip::DirectoryHolder holder_;
  std::unique_ptr<DirectorySync> sync_;
};

TEST_F(DirectorySyncTest, PublishesAgentsProvidersAndTrustedRanges) {
  auto agent = putAgent("sip:support@127.0.0.1:5070;transport=tcp", "redirect");
  store::Provider p;
  p.id = newUuid();
  p.orgId = "org-1";
  p.terminationUri = "acme.pstn.twilio.com";
  p.allowedAddresses = {"54.172.60.0/30", "not-a-cidr"};
  {
    auto txn = store_->write();
    store_->putProvider(txn, p);
    txn.commit();
  }
  sync_->publish();
  auto d = holder_.load();
  ASSERT_EQ(d->agents().size(), 1u);
  const auto& a = d->agents()[0];
  EXPECT_EQ(a.idText, agent.id);
  EXPECT_EQ(a.mode, sip::AgentMode::kRedirect);
  EXPECT_EQ(a.port, 5070);
  EXPECT_EQ(a.transport, sip::Transport::kTcp);
  ASSERT_EQ(a.addresses.size(), 1u);
  EXPECT_EQ(a.addresses[0].to_string(), "127.0.0.1");
  ASSERT_EQ(d->providers().size(), 1u);
  EXPECT_EQ(d->providers()[0].terminationUri, "acme.pstn.twilio.com");
  // The unparseable entry is skipped (and logged), the valid one kept.
  ASSERT_EQ(d->providers()[0].allowedAddresses.size(), 1u);
  EXPECT_EQ(d->providers()[0].allowedAddresses[0].text(), "54.172.60.0/30");
  ASSERT_EQ(d->trusted().size(), 1u);
}

TEST_F(DirectorySyncTest, DefaultsPortAndTransport) {
  putAgent("sip:a@192.0.2.1");
  sync_->publish();
  auto d = holder_.load();
  ASSERT_EQ(d->agents().size(), 1u);
  EXPECT_EQ(d->agents()[0].port, 5060);
  EXPECT_EQ(d->agents()[0].transport, sip::Transport::kUdp);
}

// The directory reads an agent's URI as the proxy and the agents API do (sip::uriTarget):
// a sips: agent is reached over TLS on 5061, and a transport the gateway does not speak
// leaves the agent without an address (503) rather than sending it UDP on 5060.
TEST_F(DirectorySyncTest, ReadsAgentUrisAsTheProxyDoes) {
  putAgent("sips:night@192.0.2.6", "redirect");
  putAgent("sip:a@192.0.2.7;transport=tls");
  putAgent("SIP:b@[2001:db8::8];Transport=TCP");
  sync_->publish();
  auto d = holder_.load();
  ASSERT_EQ(d->agents().size(), 3u);
  std::map<std::string, const sip::AgentTarget*> bySipUri;
  for (const auto& a : d->agents()) bySipUri[a.sipUri] = &a;
  const auto* sips = bySipUri["sips:night@192.0.2.6"];
  EXPECT_EQ(sips->port, 5061);
  EXPECT_EQ(sips->transport, sip::Transport::kTcp);
  ASSERT_EQ(sips->addresses.size(), 1u);
  EXPECT_TRUE(bySipUri["sip:a@192.0.2.7;transport=tls"]->addresses.empty());
  const auto* v6 = bySipUri["SIP:b@[2001:db8::8];Transport=TCP"];
  EXPECT_EQ(v6->transport, sip::Transport::kTcp);
  EXPECT_EQ(v6->port, 5060);
  ASSERT_EQ(v6->addresses.size(), 1u);
  EXPECT_EQ(v6->addresses[0].to_string(), "2001:db8::8");
}

TEST_F(DirectorySyncTest, HostNamesAreResolvedAsynchronously) {
  auto agent = putAgent("sip:a@localhost:5080");
  sync_->publish();
  // Not resolved yet: proxying to it would answer 503.
  EXPECT_TRUE(holder_.load()->agents()[0].addresses.empty());
  bool done = false;
  asio::co_spawn(
      io_,
      [&]() -> asio::awaitable<void> {
        const std::vector<store::Agent> changed{agent};  // named: see GCC 12 and co_await
        co_await sync_->publishAfter(changed);
        done = true;
      },
      asio::detached);
  io_.run();
  ASSERT_TRUE(done);
  const auto& addresses = holder_.load()->agents()[0].addresses;
  ASSERT_FALSE(addresses.empty());
  bool loopback = false;
  for (const auto& a : addresses) loopback = loopback || a.is_loopback();
  EXPECT_TRUE(loopback);
}

TEST_F(DirectorySyncTest, UnresolvableHostLeavesAgentWithoutAddresses) {
  putAgent("sip:a@no-such-host.invalid");
  asio::co_spawn(io_, sync_->refresh(), asio::detached);
  io_.run();
  auto d = holder_.load();
  ASSERT_EQ(d->agents().size(), 1u);
  EXPECT_TRUE(d->agents()[0].addresses.empty());
}

}  // namespace
}  // namespace gw::import
