// Providers' latest verifications (provider_verifications): stored, read back after a
// reopen, replaced, deleted; and a schema 4 store gaining the database on open.
#include "store/verification_table.hpp"

#include <gtest/gtest.h>

#include "store/codec.hpp"
#include "store/keys.hpp"
#include "store/lmdb_env.hpp"
#include "store/lmdb_txn.hpp"
#include "store/schema.hpp"
#include "store/store.hpp"
#include "tests/support/temp_dir.hpp"

namespace gw::store {
namespace {

using testsupport::TempDir;

Verification sample() {
  Verification v;
  v.providerId = "11111111-2222-4333-8444-555555555555";
  v.status = "warning";
  v.verifiedMs = 1'790'000'000'123;
  v.issues = {{"number_detached", "Number +14155550101 (PN…) is on no trunk: \"quoted\"",
               "PN" + std::string(32, 'a'), "66666666-7777-4888-8999-000000000000"},
              {"origination_url_missing", "No origination URL is sip:gw", "", ""}};
  return v;
}

TEST(VerificationTableTest, StoresReplacesAndDeletesAcrossReopens) {
  TempDir dir;
  {
    auto store = Store::open(dir.path());
    auto txn = store->write();
    EXPECT_FALSE(store->getVerification(txn, sample().providerId).has_value());
    store->putVerification(txn, sample());
    txn.commit();
  }
  auto store = Store::open(dir.path());
  EXPECT_EQ(store->getVerification(store->read(), sample().providerId), sample());

  Verification verified = sample();
  verified.status = "verified";
  verified.issues.clear();
  {
    auto txn = store->write();
    store->putVerification(txn, verified);
    txn.commit();
  }
  EXPECT_EQ(store->getVerification(store->read(), sample().providerId), verified);
  {
    auto txn = store->write();
    EXPECT_TRUE(store->deleteVerification(txn, sample().providerId));
    EXPECT_FALSE(store->deleteVerification(txn, sample().providerId));
    txn.commit();
  }
  EXPECT_FALSE(store->getVerification(store->read(), sample().providerId).has_value());
}

TEST(VerificationTableTest, CodecRoundTripsWithoutTheProviderId) {
  std::string bytes = codec::encode(sample());
  EXPECT_EQ(bytes.find(sample().providerId), std::string::npos);  // the key names it
  EXPECT_EQ(codec::decodeVerification(sample().providerId, bytes), sample());
  EXPECT_THROW(codec::decodeVerification("p", "not json"), StoreError);
}

// The cluster's applied revision is an optional meta key: 0 until set, kept across reopens,
// written (and rolled back) with the transaction it is set in.
TEST(ClusterRevisionTest, StoredInTheMetaDatabaseWithItsTransaction) {
  TempDir dir;
  {
    auto store = Store::open(dir.path());
    EXPECT_EQ(store->clusterRevision(store->read()), 0);
    {
      auto txn = store->write();
      store->setClusterRevision(txn, 42);
      EXPECT_EQ(store->clusterRevision(txn), 42);
    }  // aborted
    EXPECT_EQ(store->clusterRevision(store->read()), 0);
    auto txn = store->write();
    store->setClusterRevision(txn, int64_t{1} << 40);
    txn.commit();
  }
  auto store = Store::open(dir.path());
  EXPECT_EQ(store->clusterRevision(store->read()), int64_t{1} << 40);
  EXPECT_EQ(store->schemaVersion(), Store::kSchemaVersion);
  EXPECT_EQ(store->secrets(), nullptr);
}

TEST(VerificationTableTest, Version4StoreGainsTheDatabaseOnOpen) {
  TempDir dir;
  Store::open(dir.path());
  {
    // What a schema 4 store looks like: no provider_verifications.
    lmdb::Env env(dir.path(), {size_t{64} << 20, kMaxDbs, MDB_NOTLS});
    lmdb::Txn txn(env.get(), lmdb::Txn::Mode::kWrite);
    ASSERT_EQ(mdb_drop(txn.get(), lmdb::Dbi::open(txn.get(), kVerificationsDb, 0).handle(), 1),
              MDB_SUCCESS);
    lmdb::Dbi::open(txn.get(), kMetaDb, 0)
        .put(txn.get(), keys::kSchemaVersion, keys::encodeVersion(4));
    txn.commit();
  }
  auto store = Store::open(dir.path());
  EXPECT_EQ(store->schemaVersion(), 5u);
  auto txn = store->write();
  store->putVerification(txn, sample());
  EXPECT_EQ(store->getVerification(txn, sample().providerId), sample());
}

}  // namespace
}  // namespace gw::store
