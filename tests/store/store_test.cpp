#include "store/store.hpp"

#include <lmdb.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

namespace gw::store {
namespace {

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/gw-store-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    store_ = Store::open(dir_, StoreOptions{size_t{64} << 20, false});
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void reopen() {
    store_.reset();
    store_ = Store::open(dir_, StoreOptions{size_t{64} << 20, true});
  }

  static Provider provider(std::string id, std::string org = "org-1") {
    Provider p;
    p.id = std::move(id);
    p.orgId = std::move(org);
    p.name = "Main";
    p.accountSid = "AC" + std::string(32, 'a');
    p.authToken = std::string(32, 'b');
    p.region = "ie1";
    p.supportsCallTransfer = true;
    p.trunkSid = "TK" + std::string(32, 'c');
    p.trunkCreatedByGateway = true;
    p.originationUrlSid = "OU" + std::string(32, 'd');
    p.terminationUri = "x.pstn.twilio.com";
    p.createdMs = 1000;
    p.updatedMs = 2000;
    p.lastVerifiedMs = 3000;
    return p;
  }
  static PhoneNumber number(int i, std::string providerId = "p1", std::string org = "org-1") {
    PhoneNumber n;
    char sid[40];
    std::snprintf(sid, sizeof sid, "PN%032d", i);
    n.id = "n" + std::to_string(i);
    n.orgId = std::move(org);
    n.providerId = std::move(providerId);
    n.phoneNumberSid = sid;
    n.phoneNumber = "+1415555" + std::to_string(1000 + i);
    n.displayName = "(415) 555-" + std::to_string(1000 + i);
    n.createdMs = 10 + i;
    n.updatedMs = 20 + i;
    return n;
  }
  void insert(const std::vector<PhoneNumber>& ns) {
    auto txn = store_->write();
    for (const auto& n : ns) store_->insertNumber(txn, n);
    txn.commit();
  }

  std::string dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, WritesSchemaVersionOnCreate) {
  EXPECT_EQ(store_->schemaVersion(), Store::kSchemaVersion);
  reopen();
  EXPECT_EQ(store_->schemaVersion(), Store::kSchemaVersion);
}

TEST_F(StoreTest, RefusesSchemaNewerThanTheBinary) {
  store_.reset();
  // Write a future schema version with the raw LMDB API, as a newer binary would.
  MDB_env* env = nullptr;
  ASSERT_EQ(mdb_env_create(&env), 0);
  mdb_env_set_maxdbs(env, 16);
  ASSERT_EQ(mdb_env_open(env, dir_.c_str(), 0, 0600), 0);
  MDB_txn* txn = nullptr;
  ASSERT_EQ(mdb_txn_begin(env, nullptr, 0, &txn), 0);
  MDB_dbi meta;
  ASSERT_EQ(mdb_dbi_open(txn, "meta", 0, &meta), 0);
  char version[4] = {static_cast<char>(Store::kSchemaVersion + 1), 0, 0, 0};
  MDB_val k{14, const_cast<char*>("schema_version")}, v{4, version};
  ASSERT_EQ(mdb_put(txn, meta, &k, &v, 0), 0);
  ASSERT_EQ(mdb_txn_commit(txn), 0);
  mdb_env_close(env);
  try {
    Store::open(dir_);
    FAIL() << "a newer schema must be refused";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("newer gatewayd"), std::string::npos) << e.what();
  }
}

TEST_F(StoreTest, ProviderRoundTripsEveryField) {
  {
    auto txn = store_->write();
    store_->putProvider(txn, provider("p1"));
    txn.commit();
  }
  reopen();
  auto txn = store_->read();
  auto p = store_->getProvider(txn, "p1");
  ASSERT_TRUE(p);
  Provider want = provider("p1");
  EXPECT_EQ(p->orgId, want.orgId);
  EXPECT_EQ(p->name, want.name);
  EXPECT_EQ(p->accountSid, want.accountSid);
  EXPECT_EQ(p->authToken, want.authToken);
  EXPECT_EQ(p->region, want.region);
  EXPECT_EQ(p->supportsCallTransfer, true);
  EXPECT_EQ(p->trunkSid, want.trunkSid);
  EXPECT_EQ(p->trunkCreatedByGateway, true);
  EXPECT_EQ(p->originationUrlSid, want.originationUrlSid);
  EXPECT_EQ(p->terminationUri, want.terminationUri);
  EXPECT_EQ(p->createdMs, 1000);
  EXPECT_EQ(p->updatedMs, 2000);
  EXPECT_EQ(p->lastVerifiedMs, 3000);
  EXPECT_FALSE(store_->getProvider(txn, "p2"));
}

TEST_F(StoreTest, ListsProvidersOfOneOrgByCreation) {
  {
    auto txn = store_->write();
    auto a = provider("a");
    a.createdMs = 5;
    auto b = provider("b");
    b.createdMs = 1;
    store_->putProvider(txn, a);
    store_->putProvider(txn, b);
    store_->putProvider(txn, provider("c", "org-2"));
    txn.commit();
  }
  auto txn = store_->read();
  auto list = store_->listProviders(txn, "org-1");
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].id, "b");
  EXPECT_EQ(list[1].id, "a");
}

TEST_F(StoreTest, NumberIsFoundThroughEveryIndex) {
  insert({number(1)});
  auto txn = store_->read();
  auto byId = store_->getNumber(txn, "n1");
  ASSERT_TRUE(byId);
  EXPECT_EQ(byId->displayName, "(415) 555-1001");
  EXPECT_EQ(store_->findNumberBySid(txn, number(1).phoneNumberSid)->id, "n1");
  EXPECT_EQ(store_->findNumberByE164(txn, "+14155551001")->id, "n1");
  EXPECT_EQ(store_->listNumbersOfProvider(txn, "p1").size(), 1u);
  EXPECT_EQ(store_->countNumbersOfProvider(txn, "p1"), 1u);
  EXPECT_EQ(store_->countNumbersOfProvider(txn, "p"), 0u);  // prefix of another id
}

TEST_F(StoreTest, RejectsDuplicateSidE164AndIdWithoutChangingAnything) {
  insert({number(1)});
  auto dupSid = number(2);
  dupSid.phoneNumberSid = number(1).phoneNumberSid;
  auto dupE164 = number(3);
  dupE164.phoneNumber = number(1).phoneNumber;
  auto dupId = number(4);
  dupId.id = "n1";
  for (const auto& bad : {dupSid, dupE164, dupId}) {
    auto txn = store_->write();
    store_->insertNumber(txn, number(9));  // in the same batch: must vanish with it
    EXPECT_THROW(store_->insertNumber(txn, bad), StoreError);
  }
  auto txn = store_->read();
  EXPECT_FALSE(store_->getNumber(txn, "n9"));
  EXPECT_FALSE(store_->findNumberByE164(txn, number(2).phoneNumber));
  EXPECT_FALSE(store_->findNumberBySid(txn, number(3).phoneNumberSid));
  EXPECT_EQ(store_->countNumbersOfProvider(txn, "p1"), 1u);
}

TEST_F(StoreTest, UncommittedWriteIsAbortedOnDestruction) {
  {
    auto txn = store_->write();
    store_->insertNumber(txn, number(1));
  }
  auto txn = store_->read();
  EXPECT_FALSE(store_->getNumber(txn, "n1"));
  EXPECT_FALSE(store_->findNumberBySid(txn, number(1).phoneNumberSid));
}

TEST_F(StoreTest, CommittedNumbersSurviveReopen) {
  insert({number(1), number(2)});
  reopen();
  auto txn = store_->read();
  EXPECT_TRUE(store_->getNumber(txn, "n2"));
  size_t seen = 0;
  store_->forEachNumber(txn, [&](const PhoneNumber&) { ++seen; });
  EXPECT_EQ(seen, 2u);
}

TEST_F(StoreTest, UpdateKeepsIndexesAndRefusesIdentityChanges) {
  insert({number(1)});
  auto n = number(1);
  n.incomingCallsAgentId = "agent-1";
  {
    auto txn = store_->write();
    store_->updateNumber(txn, n);
    auto moved = n;
    moved.phoneNumber = "+19999999999";
    EXPECT_THROW(store_->updateNumber(txn, moved), StoreError);
    txn.commit();
  }
  auto txn = store_->read();
  EXPECT_EQ(store_->findNumberBySid(txn, n.phoneNumberSid)->incomingCallsAgentId, "agent-1");
}

TEST_F(StoreTest, DeleteRemovesRecordAndIndexes) {
  insert({number(1), number(2)});
  {
    auto txn = store_->write();
    EXPECT_TRUE(store_->deleteNumber(txn, "n1"));
    EXPECT_FALSE(store_->deleteNumber(txn, "n1"));
    txn.commit();
  }
  auto txn = store_->read();
  EXPECT_FALSE(store_->getNumber(txn, "n1"));
  EXPECT_FALSE(store_->findNumberBySid(txn, number(1).phoneNumberSid));
  EXPECT_FALSE(store_->findNumberByE164(txn, number(1).phoneNumber));
  EXPECT_EQ(store_->countNumbersOfProvider(txn, "p1"), 1u);
}

TEST_F(StoreTest, ListFiltersPagesAndCounts) {
  std::vector<PhoneNumber> ns;
  for (int i = 0; i < 30; ++i) ns.push_back(number(i, i % 3 == 0 ? "p2" : "p1"));
  ns.push_back(number(100, "p9", "org-2"));
  ns[5].incomingCallsAgentId = "agent-1";
  insert(ns);
  auto txn = store_->read();

  NumberFilter all{"org-1"};
  auto page = store_->listNumbers(txn, all, 0, 20);
  EXPECT_EQ(page.totalCount, 30u);
  ASSERT_EQ(page.items.size(), 20u);
  EXPECT_EQ(page.items[0].phoneNumber, "+14155551000");  // ordered by E.164
  page = store_->listNumbers(txn, all, 25, 20);
  EXPECT_EQ(page.totalCount, 30u);
  EXPECT_EQ(page.items.size(), 5u);

  NumberFilter byProvider{"org-1", std::string("p2")};
  page = store_->listNumbers(txn, byProvider, 0, 100);
  EXPECT_EQ(page.totalCount, 10u);
  EXPECT_TRUE(std::is_sorted(page.items.begin(), page.items.end(),
                             [](auto& a, auto& b) { return a.phoneNumber < b.phoneNumber; }));

  NumberFilter byNumber{"org-1", std::nullopt, std::string("+14155551007")};
  page = store_->listNumbers(txn, byNumber, 0, 10);
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].id, "n7");

  NumberFilter otherOrgsNumber{"org-1", std::nullopt, std::string("+14155551100")};
  EXPECT_EQ(store_->listNumbers(txn, otherOrgsNumber, 0, 10).totalCount, 0u);

  NumberFilter linked{"org-1", std::nullopt, std::nullopt, std::string("agent-1")};
  EXPECT_EQ(store_->listNumbers(txn, linked, 0, 10).totalCount, 1u);
  NumberFilter unlinked{"org-1"};
  unlinked.unlinkedOnly = true;
  EXPECT_EQ(store_->listNumbers(txn, unlinked, 0, 10).totalCount, 29u);
}

TEST_F(StoreTest, BatchOfTenThousandInOneTransaction) {
  std::vector<PhoneNumber> ns;
  for (int i = 0; i < 10000; ++i) {
    auto n = number(i);
    n.phoneNumber = "+1650" + std::to_string(1000000 + i);
    ns.push_back(n);
  }
  insert(ns);
  auto txn = store_->read();
  EXPECT_EQ(store_->countNumbersOfProvider(txn, "p1"), 10000u);
  EXPECT_TRUE(store_->findNumberBySid(txn, ns[9999].phoneNumberSid));
}

}  // namespace
}  // namespace gw::store
