#include "store/schema.hpp"

#include <filesystem>

#include <gtest/gtest.h>

#include "store/keys.hpp"
#include "store/lmdb_env.hpp"
#include "store/lmdb_txn.hpp"
#include "store/store.hpp"
#include "tests/store/sample_records.hpp"
#include "tests/support/temp_dir.hpp"

namespace gw::store {
namespace {

using lmdb::Dbi;
using lmdb::Txn;
using testing::sampleNumber;
using testsupport::TempDir;

// The environment as any LMDB program sees it, without the Store's migrations.
lmdb::Env rawEnv(const std::string& dir) {
  return lmdb::Env(dir, {size_t{64} << 20, kMaxDbs, MDB_NOTLS});
}

uint32_t storedVersion(const std::string& dir) {
  auto env = rawEnv(dir);
  Txn txn(env.get(), Txn::Mode::kRead);
  auto v = Dbi::open(txn.get(), kMetaDb, 0).get(txn.get(), keys::kSchemaVersion);
  return v ? keys::decodeVersion(*v) : 0;
}

void storeVersion(const std::string& dir, uint32_t version) {
  auto env = rawEnv(dir);
  Txn txn(env.get(), Txn::Mode::kWrite);
  Dbi::open(txn.get(), kMetaDb, 0)
      .put(txn.get(), keys::kSchemaVersion, keys::encodeVersion(version));
  txn.commit();
}

// A copy of tests/store/data/schema_v1: an environment written by the schema 1 store (see
// the README there for its contents).
void copyVersion1Files(const std::string& dir) {
  std::filesystem::copy_file(GW_SOURCE_DIR "/tests/store/data/schema_v1/data.mdb",
                             dir + "/data.mdb");
}

// A copy of tests/store/data/schema_v2: an environment written by the schema 2 store.
void copyVersion2Files(const std::string& dir) {
  std::filesystem::copy_file(GW_SOURCE_DIR "/tests/store/data/schema_v2/data.mdb",
                             dir + "/data.mdb");
}

// A copy of tests/store/data/schema_v3: an environment written by the schema 3 store.
void copyVersion3Files(const std::string& dir) {
  std::filesystem::copy_file(GW_SOURCE_DIR "/tests/store/data/schema_v3/data.mdb",
                             dir + "/data.mdb");
}

void copyVersion4Files(const std::string& dir) {
  std::filesystem::copy_file(GW_SOURCE_DIR "/tests/store/data/schema_v4/data.mdb",
                             dir + "/data.mdb");
}

// The format byte of a stored provider record, read without the Store.
int providerFormatOnDisk(const std::string& dir, const std::string& id) {
  auto env = rawEnv(dir);
  Txn txn(env.get(), Txn::Mode::kRead);
  auto v = Dbi::open(txn.get(), kProvidersDb, 0).get(txn.get(), id);
  return v && !v->empty() ? static_cast<uint8_t>((*v)[0]) : -1;
}

TEST(SchemaTest, WritesCurrentVersionOnCreate) {
  TempDir dir;
  EXPECT_EQ(Store::open(dir.path())->schemaVersion(), Store::kSchemaVersion);
  EXPECT_EQ(storedVersion(dir.path()), Store::kSchemaVersion);
  EXPECT_EQ(Store::open(dir.path())->schemaVersion(), Store::kSchemaVersion);
}

TEST(SchemaTest, OpensEveryDatabaseWithItsFlags) {
  TempDir dir;
  Store::open(dir.path());
  auto env = rawEnv(dir.path());
  Txn txn(env.get(), Txn::Mode::kWrite);
  Schema s = openSchema(txn.get(), dir.path());
  EXPECT_EQ(s.foundVersion, Store::kSchemaVersion);
  for (const Dbi* dbi : {&s.providersByOrg, &s.numbersByProvider, &s.numbersByOrg,
                         &s.numbersByAgent, &s.agentsByOrg, &s.attachJournal}) {
    unsigned flags = 0;
    ASSERT_EQ(mdb_dbi_flags(txn.get(), dbi->handle(), &flags), MDB_SUCCESS);
    EXPECT_TRUE(flags & MDB_DUPSORT) << dbi->name();
  }
  for (const Dbi* dbi :
       {&s.meta, &s.providers, &s.numbers, &s.numbersBySid, &s.numbersByE164, &s.agents}) {
    unsigned flags = 0;
    ASSERT_EQ(mdb_dbi_flags(txn.get(), dbi->handle(), &flags), MDB_SUCCESS);
    EXPECT_FALSE(flags & MDB_DUPSORT) << dbi->name();
  }
}

TEST(SchemaTest, RefusesNewerVersionAndLeavesTheDataAlone) {
  TempDir dir;
  {
    auto store = Store::open(dir.path());
    auto txn = store->write();
    store->insertNumber(txn, sampleNumber(1));
    txn.commit();
  }
  storeVersion(dir.path(), Store::kSchemaVersion + 1);

  try {
    Store::open(dir.path());
    FAIL() << "a schema newer than the binary must be refused";
  } catch (const StoreError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("schema version " + std::to_string(Store::kSchemaVersion + 1)),
              std::string::npos)
        << msg;
    EXPECT_NE(msg.find("upgrade gatewayd"), std::string::npos) << msg;
    EXPECT_NE(msg.find(dir.path()), std::string::npos) << msg;
  }

  EXPECT_EQ(storedVersion(dir.path()), Store::kSchemaVersion + 1);
  storeVersion(dir.path(), Store::kSchemaVersion);
  auto store = Store::open(dir.path());
  EXPECT_EQ(store->getNumber(store->read(), "n1"), sampleNumber(1));
}

TEST(SchemaTest, MigratesVersion1Files) {
  TempDir dir;
  copyVersion1Files(dir.path());
  ASSERT_EQ(storedVersion(dir.path()), 1u);

  auto store = Store::open(dir.path());
  EXPECT_EQ(store->schemaVersion(), Store::kSchemaVersion);
  EXPECT_EQ(storedVersion(dir.path()), Store::kSchemaVersion);

  auto txn = store->read();
  auto a = store->getProvider(txn, "provider-a");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->orgId, "org-1");
  EXPECT_EQ(a->name, "Alpha");
  EXPECT_EQ(a->authToken, "00000000000000000000000000000002");
  EXPECT_EQ(a->trunkSid, "TK00000000000000000000000000000003");
  EXPECT_TRUE(a->trunkCreatedByGateway);
  EXPECT_EQ(a->terminationUri, "gw-test.pstn.twilio.com");
  EXPECT_EQ(a->createdMs, 2000);
  EXPECT_EQ(a->lastVerifiedMs, 2002);

  std::vector<std::string> ids;
  for (const auto& p : store->listProviders(txn, "org-1")) ids.push_back(p.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"provider-b", "provider-a"}));
  EXPECT_EQ(store->listProviders(txn, "org-2").size(), 1u);

  EXPECT_EQ(store->countNumbersOfProvider(txn, "provider-a"), 4u);
  EXPECT_EQ(store->countNumbersOfProvider(txn, "provider-b"), 1u);
  EXPECT_EQ(store->countNumbersOfProvider(txn, "provider-c"), 1u);
  ids.clear();
  auto page = store->listNumbers(txn, {"org-1"}, 0, 100);
  for (const auto& n : page.items) ids.push_back(n.id);
  EXPECT_EQ(page.totalCount, 5u);
  EXPECT_EQ(ids,
            (std::vector<std::string>{"number-1", "number-2", "number-3", "number-4", "number-6"}));
  NumberFilter linked{"org-1", std::nullopt, std::nullopt, std::string("agent-7")};
  page = store->listNumbers(txn, linked, 0, 100);
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].id, "number-3");
  EXPECT_EQ(page.items[0].description, "desk 3");
  auto five = store->findNumberByE164(txn, "+14155550105");
  ASSERT_TRUE(five);
  EXPECT_EQ(five->orgId, "org-2");
  EXPECT_EQ(store->findNumberBySid(txn, five->phoneNumberSid), five);

  // Schema 3 on top: the agent link is indexed, providers have Twilio's ranges.
  EXPECT_EQ(store->numbersLinkedToAgent(txn, "agent-7"), std::vector<std::string>{"number-3"});
  EXPECT_EQ(a->allowedAddresses, defaultAllowedAddresses());
  EXPECT_TRUE(store->listAllAgents(txn).empty());
  EXPECT_EQ(store->listAllProviders(txn).size(), 3u);
}

TEST(SchemaTest, MigratedStoreKeepsWorking) {
  TempDir dir;
  copyVersion1Files(dir.path());
  Store::open(dir.path());
  auto store = Store::open(dir.path());  // already current: nothing to migrate again
  {
    auto txn = store->write();
    EXPECT_TRUE(store->deleteNumber(txn, "number-4"));
    store->insertNumber(txn, sampleNumber(100, "provider-a"));
    txn.commit();
  }
  auto txn = store->read();
  EXPECT_EQ(store->countNumbersOfProvider(txn, "provider-a"), 4u);
  EXPECT_FALSE(store->findNumberByE164(txn, "+14155550104"));
  EXPECT_EQ(store->listNumbers(txn, {"org-1"}, 0, 0).totalCount, 5u);
  EXPECT_EQ(store->listNumbers(txn, {"org-1"}, 0, 1).items,
            std::vector{sampleNumber(100, "provider-a")});
}

TEST(SchemaTest, FailedMigrationChangesNothing) {
  TempDir dir;
  copyVersion1Files(dir.path());
  {
    // A record the migration cannot decode.
    auto env = rawEnv(dir.path());
    Txn txn(env.get(), Txn::Mode::kWrite);
    Dbi::open(txn.get(), kNumbersDb, 0).put(txn.get(), "number-9", "\x07garbage");
    txn.commit();
  }
  EXPECT_THROW(Store::open(dir.path()), StoreError);

  EXPECT_EQ(storedVersion(dir.path()), 1u);
  auto env = rawEnv(dir.path());
  Txn txn(env.get(), Txn::Mode::kRead);
  Dbi byProvider = Dbi::open(txn.get(), kNumbersByProviderDb, 0);  // still the old layout
  EXPECT_TRUE(byProvider.get(txn.get(), "provider-a/number-1"));
  MDB_dbi byOrg = 0;
  EXPECT_EQ(mdb_dbi_open(txn.get(), kNumbersByOrgDb, 0, &byOrg), MDB_NOTFOUND);
}

TEST(SchemaTest, MigratesVersion2Files) {
  TempDir dir;
  copyVersion2Files(dir.path());
  ASSERT_EQ(storedVersion(dir.path()), 2u);
  ASSERT_EQ(providerFormatOnDisk(dir.path(), "provider-a"), 1);

  {
    auto store = Store::open(dir.path());
    EXPECT_EQ(store->schemaVersion(), Store::kSchemaVersion);
    auto txn = store->read();

    // Providers keep every field and gain Twilio's signaling ranges.
    auto a = store->getProvider(txn, "provider-a");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->orgId, "org-1");
    EXPECT_EQ(a->name, "Alpha");
    EXPECT_EQ(a->accountSid, "AC00000000000000000000000000000001");
    EXPECT_EQ(a->authToken, "00000000000000000000000000000002");
    EXPECT_EQ(a->region, "ie1");
    EXPECT_TRUE(a->supportsCallTransfer);
    EXPECT_EQ(a->trunkSid, "TK00000000000000000000000000000003");
    EXPECT_TRUE(a->trunkCreatedByGateway);
    EXPECT_EQ(a->originationUrlSid, "OU00000000000000000000000000000004");
    EXPECT_EQ(a->terminationUri, "gw-test.pstn.twilio.com");
    EXPECT_EQ(a->createdMs, 2000);
    EXPECT_EQ(a->updatedMs, 2001);
    EXPECT_EQ(a->lastVerifiedMs, 2002);
    auto providers = store->listAllProviders(txn);
    ASSERT_EQ(providers.size(), 3u);
    for (const auto& p : providers) {
      EXPECT_EQ(p.allowedAddresses, defaultAllowedAddresses()) << p.id;
    }
    std::vector<std::string> ids;
    for (const auto& p : store->listProviders(txn, "org-1")) ids.push_back(p.id);
    EXPECT_EQ(ids, (std::vector<std::string>{"provider-b", "provider-a"}));

    // numbers_by_agent is built from the numbers' links.
    EXPECT_EQ(store->numbersLinkedToAgent(txn, "agent-7"),
              (std::vector<std::string>{"number-3", "number-6"}));
    EXPECT_EQ(store->numbersLinkedToAgent(txn, "agent-8"), std::vector<std::string>{"number-2"});
    EXPECT_EQ(store->numbersLinkedToAgent(txn, "agent-9"), std::vector<std::string>{"number-5"});
    EXPECT_EQ(store->countNumbersLinkedToAgent(txn, "agent-7"), 2u);
    EXPECT_EQ(store->countNumbersLinkedToAgent(txn, "agent-1"), 0u);

    // No agents yet; the numbers and their other indexes are untouched.
    EXPECT_TRUE(store->listAllAgents(txn).empty());
    EXPECT_TRUE(store->listAgents(txn, "org-1").empty());
    auto six = store->getNumber(txn, "number-6");
    ASSERT_TRUE(six);
    EXPECT_EQ(six->incomingCallsAgentId, "agent-7");
    EXPECT_EQ(six->displayName, "(415) 555-0106");
    EXPECT_EQ(six->createdMs, 3006);
    EXPECT_TRUE(store->agentsUsingNumber(txn, *six).empty());
    EXPECT_EQ(store->listNumbers(txn, {"org-1"}, 0, 100).totalCount, 5u);
    EXPECT_EQ(store->countNumbersOfProvider(txn, "provider-a"), 4u);
    EXPECT_EQ(store->findNumberBySid(txn, six->phoneNumberSid), six);
  }
  // Provider records were rewritten in the current format.
  EXPECT_EQ(storedVersion(dir.path()), Store::kSchemaVersion);
  EXPECT_EQ(providerFormatOnDisk(dir.path(), "provider-a"), 2);
  EXPECT_EQ(providerFormatOnDisk(dir.path(), "provider-c"), 2);
}

TEST(SchemaTest, MigratedVersion2StoreKeepsWorking) {
  TempDir dir;
  copyVersion2Files(dir.path());
  Store::open(dir.path());
  auto store = Store::open(dir.path());  // already current: nothing to migrate again
  Agent seven;
  seven.id = "agent-7";
  seven.orgId = "org-1";
  seven.name = "Desk";
  seven.sipUri = "sip:desk@pbx.example.com";
  seven.outboundPhoneNumberId = "number-1";
  seven.createdMs = 5000;
  {
    auto txn = store->write();
    store->putAgent(txn, seven);
    auto one = *store->getNumber(txn, "number-1");
    one.incomingCallsAgentId = "agent-8";
    store->updateNumber(txn, one);
    EXPECT_TRUE(store->deleteNumber(txn, "number-2"));
    txn.commit();
  }
  auto txn = store->read();
  EXPECT_EQ(store->listAgents(txn, "org-1"), std::vector{seven});
  EXPECT_EQ(store->agentsUsingNumber(txn, *store->getNumber(txn, "number-3")), std::vector{seven});
  EXPECT_EQ(store->agentsUsingNumber(txn, *store->getNumber(txn, "number-1")), std::vector{seven});
  EXPECT_EQ(store->numbersLinkedToAgent(txn, "agent-8"), std::vector<std::string>{"number-1"});
}

TEST(SchemaTest, FailedVersion2MigrationChangesNothing) {
  TempDir dir;
  copyVersion2Files(dir.path());
  {
    // A provider record the migration cannot decode.
    auto env = rawEnv(dir.path());
    Txn txn(env.get(), Txn::Mode::kWrite);
    Dbi::open(txn.get(), kProvidersDb, 0).put(txn.get(), "provider-z", "\x07garbage");
    txn.commit();
  }
  try {
    Store::open(dir.path());
    FAIL() << "a record of an unknown format must stop the migration";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("provider record has format 7"), std::string::npos)
        << e.what();
  }

  EXPECT_EQ(storedVersion(dir.path()), 2u);
  EXPECT_EQ(providerFormatOnDisk(dir.path(), "provider-a"), 1);
  auto env = rawEnv(dir.path());
  Txn txn(env.get(), Txn::Mode::kRead);
  for (const char* db : {kAgentsDb, kAgentsByOrgDb, kNumbersByAgentDb}) {
    MDB_dbi handle = 0;
    EXPECT_EQ(mdb_dbi_open(txn.get(), db, 0, &handle), MDB_NOTFOUND) << db;
  }
}

TEST(SchemaTest, MigratesVersion3Files) {
  TempDir dir;
  copyVersion3Files(dir.path());
  ASSERT_EQ(storedVersion(dir.path()), 3u);
  {
    auto env = rawEnv(dir.path());
    Txn txn(env.get(), Txn::Mode::kRead);
    MDB_dbi handle = 0;
    ASSERT_EQ(mdb_dbi_open(txn.get(), kAttachJournalDb, 0, &handle), MDB_NOTFOUND);
  }

  {
    auto store = Store::open(dir.path());
    EXPECT_EQ(store->schemaVersion(), Store::kSchemaVersion);
    auto txn = store->read();
    // Everything schema 3 held is still there; the journal starts empty.
    EXPECT_EQ(store->listAllProviders(txn).size(), 3u);
    EXPECT_EQ(store->listAllAgents(txn).size(), 3u);
    EXPECT_EQ(store->listNumbers(txn, {"org-1"}, 0, 100).totalCount, 5u);
    EXPECT_EQ(store->numbersLinkedToAgent(txn, "agent-7"),
              (std::vector<std::string>{"number-3", "number-6"}));
    EXPECT_TRUE(store->providersWithJournal(txn).empty());
  }
  EXPECT_EQ(storedVersion(dir.path()), Store::kSchemaVersion);

  // The migrated store journals and reopens like a new one.
  {
    auto store = Store::open(dir.path());
    auto txn = store->write();
    store->journalAttachments(txn, "provider-a", {"PN2", "PN1"});
    txn.commit();
  }
  auto store = Store::open(dir.path());
  auto txn = store->read();
  EXPECT_EQ(store->providersWithJournal(txn), std::vector<std::string>{"provider-a"});
  EXPECT_EQ(store->journaledAttachments(txn, "provider-a"),
            (std::vector<std::string>{"PN1", "PN2"}));
}

TEST(SchemaTest, MigratesVersion4Files) {
  TempDir dir;
  copyVersion4Files(dir.path());
  ASSERT_EQ(storedVersion(dir.path()), 4u);
  {
    auto env = rawEnv(dir.path());
    Txn txn(env.get(), Txn::Mode::kRead);
    for (const char* db : {kIdempotencyKeysDb, kIdempotencyByTimeDb}) {
      MDB_dbi handle = 0;
      ASSERT_EQ(mdb_dbi_open(txn.get(), db, 0, &handle), MDB_NOTFOUND) << db;
    }
  }

  {
    auto store = Store::open(dir.path());
    EXPECT_EQ(store->schemaVersion(), Store::kSchemaVersion);
    auto txn = store->read();
    // Everything schema 4 held is still there, the journal's import in flight included;
    // there are no stored answers yet.
    EXPECT_EQ(store->listAllProviders(txn).size(), 3u);
    EXPECT_EQ(store->listAllAgents(txn).size(), 3u);
    EXPECT_EQ(store->listNumbers(txn, {"org-1"}, 0, 100).totalCount, 5u);
    EXPECT_EQ(store->journaledAttachments(txn, "provider-a"),
              (std::vector<std::string>{"PN00000000000000000000000000000007",
                                        "PN00000000000000000000000000000008"}));
    EXPECT_EQ(store->countIdempotentAnswers(txn), 0u);
  }
  EXPECT_EQ(storedVersion(dir.path()), Store::kSchemaVersion);

  // The migrated store keeps answers and reopens like a new one.
  IdempotentAnswer answer{"fingerprint", 5000, 200, {"Content-Type", "application/json"}, "{}"};
  {
    auto store = Store::open(dir.path());
    auto txn = store->write();
    store->putIdempotentAnswer(txn, "slot-1", answer);
    txn.commit();
  }
  auto store = Store::open(dir.path());
  auto txn = store->read();
  EXPECT_EQ(store->findIdempotentAnswer(txn, "slot-1"), answer);
}

}  // namespace
}  // namespace gw::store
