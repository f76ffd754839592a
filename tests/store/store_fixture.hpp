#pragma once
// A Store in its own temporary directory, reopened on demand to prove what reached disk.
#include <memory>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "store/lmdb_dbi.hpp"
#include "store/lmdb_env.hpp"
#include "store/lmdb_txn.hpp"
#include "store/schema.hpp"
#include "store/store.hpp"
#include "tests/store/sample_records.hpp"
#include "tests/support/temp_dir.hpp"

namespace gw::store::testing {

class StoreFixture : public ::testing::Test {
 protected:
  static StoreOptions options() { return StoreOptions{size_t{64} << 20, false}; }

  void SetUp() override { store_ = Store::open(dir_.path(), options()); }
  void reopen() {
    store_.reset();
    store_ = Store::open(dir_.path(), options());
  }
  void insert(const std::vector<PhoneNumber>& numbers) {
    auto txn = store_->write();
    for (const auto& n : numbers) store_->insertNumber(txn, n);
    txn.commit();
  }
  void put(const std::vector<Provider>& providers) {
    auto txn = store_->write();
    for (const auto& p : providers) store_->putProvider(txn, p);
    txn.commit();
  }

  void putAgents(const std::vector<Agent>& agents) {
    auto txn = store_->write();
    for (const auto& a : agents) store_->putAgent(txn, a);
    txn.commit();
  }

  // Writes `value` under `key` in database `db` (not DUPSORT) as any LMDB program could,
  // bypassing the Store, to plant a damaged record; then reopens the store.
  void putRaw(const char* db, std::string_view key, std::string_view value) {
    store_.reset();
    {
      lmdb::Env env(dir_.path(), {options().mapSizeBytes, kMaxDbs, MDB_NOTLS});
      lmdb::Txn txn(env.get(), lmdb::Txn::Mode::kWrite);
      lmdb::Dbi::open(txn.get(), db, 0).put(txn.get(), key, value);
      txn.commit();
    }
    store_ = Store::open(dir_.path(), options());
  }

  testsupport::TempDir dir_{"gw-store"};
  std::unique_ptr<Store> store_;
};

}  // namespace gw::store::testing
