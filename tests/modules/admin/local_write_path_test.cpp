#include "modules/admin/local_write_path.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <gtest/gtest.h>

#include <string>

#include "common/e164.hpp"
#include "common/uuid.hpp"
#include "modules/admin/attach_journal.hpp"
#include "modules/admin/directory_sync.hpp"
#include "sip/routing_table.hpp"
#include "store/store.hpp"
#include "tests/support/temp_dir.hpp"

namespace gw::admin {
namespace {

namespace asio = boost::asio;

class LocalWritePathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = store::Store::open(dir_.path(), store::StoreOptions{size_t{64} << 20, false});
    sync_ = std::make_unique<DirectorySync>(io_, *store_, holder_, std::vector<sip::Cidr>{});
    writes_ = std::make_unique<LocalWritePath>(*store_, routes_, *sync_);
    journal_ = std::make_unique<AttachJournal>(*store_);
    provider_.id = newUuid();
    provider_.orgId = "org-1";
    provider_.terminationUri = "acme.pstn.twilio.com";
    provider_.allowedAddresses = {"54.172.60.0/30"};
    writes_->load();
  }
  void TearDown() override {
    writes_.reset();
    sync_.reset();
    store_.reset();
  }

  Committed commit(BuildChange build) {
    auto f = asio::co_spawn(io_, writes_->commit(std::move(build)), asio::use_future);
    io_.restart();
    io_.run();
    return f.get();  // rethrows what the commit threw
  }

  store::PhoneNumber number(const std::string& e164, const std::string& sid) const {
    store::PhoneNumber n;
    n.id = newUuid();
    n.orgId = provider_.orgId;
    n.providerId = provider_.id;
    n.phoneNumberSid = sid;
    n.phoneNumber = e164;
    return n;
  }

  std::optional<sip::Route> routeOf(const std::string& e164) const {
    return routes_.lookup(*e164Key(e164));
  }

  testsupport::TempDir dir_{"gw-writepath"};  // removed after store_ closes
  asio::io_context io_;
  std::unique_ptr<store::Store> store_;
  sip::RoutingTable routes_{4};
  sip::DirectoryHolder holder_;
  std::unique_ptr<DirectorySync> sync_;
  std::unique_ptr<LocalWritePath> writes_;
  std::unique_ptr<AttachJournal> journal_;
  store::Provider provider_;
};

const std::string kSid1 = "PN" + std::string(32, '1');
const std::string kSid2 = "PN" + std::string(32, '2');

TEST_F(LocalWritePathTest, AnEmptyChangeCommitsNothing) {
  bool built = false;
  auto c = commit([&](const store::ReadView&, ChangeSet&) { built = true; });
  EXPECT_TRUE(built);
  EXPECT_FALSE(c.changed);
  EXPECT_TRUE(holder_.load()->providers().empty());
}

// Store first, then the routing table, then the directory: each sees the change once
// commit() returns.
TEST_F(LocalWritePathTest, CommitsThenRoutesThenPublishes) {
  auto n = number("+14155550101", kSid1);
  journal_->add(provider_.id, {kSid1, kSid2});
  auto c = commit([&](const store::ReadView& view, ChangeSet& change) {
    // The build function reads through the commit's own transaction.
    EXPECT_FALSE(store_->findNumberBySid(view, kSid1).has_value());
    change.providersPut.push_back(provider_);
    change.numbersAdded.push_back(n);
    change.unjournaled.push_back({provider_.id, {kSid1}});
  });
  EXPECT_TRUE(c.changed);
  {
    auto txn = store_->read();
    EXPECT_TRUE(store_->getProvider(txn, provider_.id).has_value());
    EXPECT_TRUE(store_->findNumberBySid(txn, kSid1).has_value());
    // Stored, so no longer in the journal; the other entry stays.
    EXPECT_EQ(store_->journaledAttachments(txn, provider_.id), std::vector<std::string>{kSid2});
  }
  auto r = routeOf(n.phoneNumber);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->phoneNumberId, *parseUuid(n.id));
  ASSERT_EQ(holder_.load()->providers().size(), 1u);
  EXPECT_EQ(holder_.load()->providers()[0].idText, provider_.id);
}

// A change the store refuses reaches neither the routing table nor the directory, and no
// part of it is stored.
TEST_F(LocalWritePathTest, AChangeTheStoreRefusesChangesNothingAnywhere) {
  commit([&](const store::ReadView&, ChangeSet& change) {
    change.numbersAdded.push_back(number("+14155550101", kSid1));
  });
  auto second = number("+14155550102", kSid1);  // the same SID: the store refuses it
  EXPECT_THROW(commit([&](const store::ReadView&, ChangeSet& change) {
                 change.providersPut.push_back(provider_);
                 change.numbersAdded.push_back(second);
               }),
               store::StoreError);
  EXPECT_FALSE(routeOf(second.phoneNumber).has_value());
  EXPECT_TRUE(holder_.load()->providers().empty());
  auto txn = store_->read();
  EXPECT_FALSE(store_->getProvider(txn, provider_.id).has_value());
  EXPECT_FALSE(store_->findNumberByE164(txn, second.phoneNumber).has_value());
}

// An agent removed with its links: the numbers are relinked (no agent) in the store and the
// routing table, and the directory no longer has the agent.
TEST_F(LocalWritePathTest, RemovingAnAgentUnlinksItsNumbersEverywhere) {
  store::Agent agent;
  agent.id = newUuid();
  agent.orgId = provider_.orgId;
  agent.sipUri = "sip:support@127.0.0.1:5070";
  agent.mode = "proxy";
  auto n = number("+14155550101", kSid1);
  n.incomingCallsAgentId = agent.id;
  commit([&](const store::ReadView&, ChangeSet& change) {
    change.agentsPut.push_back(agent);
    change.numbersAdded.push_back(n);
  });
  ASSERT_EQ(holder_.load()->agents().size(), 1u);
  ASSERT_EQ(routeOf(n.phoneNumber)->agentId, *parseUuid(agent.id));

  commit([&](const store::ReadView& view, ChangeSet& change) {
    auto linked = store_->getNumber(view, n.id);
    linked->incomingCallsAgentId.clear();
    change.numbersChanged.push_back(*linked);
    change.agentsRemoved.push_back(agent.id);
  });
  EXPECT_TRUE(holder_.load()->agents().empty());
  auto r = routeOf(n.phoneNumber);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->agentId, UuidBytes{});
  auto txn = store_->read();
  EXPECT_FALSE(store_->getAgent(txn, agent.id).has_value());
  EXPECT_TRUE(store_->getNumber(txn, n.id)->incomingCallsAgentId.empty());
}

// A provider removed with its numbers: their routes go, and its journal with it.
TEST_F(LocalWritePathTest, RemovingAProviderTakesItsRoutesAndJournal) {
  auto n = number("+14155550101", kSid1);
  commit([&](const store::ReadView&, ChangeSet& change) {
    change.providersPut.push_back(provider_);
    change.numbersAdded.push_back(n);
  });
  journal_->add(provider_.id, {kSid2});
  ASSERT_TRUE(routeOf(n.phoneNumber).has_value());
  commit([&](const store::ReadView&, ChangeSet& change) {
    change.numbersRemoved.push_back(n);
    change.providersRemoved.push_back(provider_.id);
  });
  EXPECT_FALSE(routeOf(n.phoneNumber).has_value());
  EXPECT_TRUE(holder_.load()->providers().empty());
  auto txn = store_->read();
  EXPECT_FALSE(store_->getNumber(txn, n.id).has_value());
  EXPECT_TRUE(store_->journaledAttachments(txn, provider_.id).empty());
}

// An agent named by host name has its addresses in the directory once the commit returns:
// the host is resolved before the directory is published.
TEST_F(LocalWritePathTest, AnAgentHostIsResolvedBeforeTheCommitReturns) {
  store::Agent agent;
  agent.id = newUuid();
  agent.orgId = provider_.orgId;
  agent.sipUri = "sip:support@localhost:5070";
  agent.mode = "proxy";
  commit([&](const store::ReadView&, ChangeSet& change) { change.agentsPut.push_back(agent); });
  ASSERT_EQ(holder_.load()->agents().size(), 1u);
  EXPECT_FALSE(holder_.load()->agents()[0].addresses.empty());
}

}  // namespace
}  // namespace gw::admin
