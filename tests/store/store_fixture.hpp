#pragma once
// A Store in its own temporary directory, reopened on demand to prove what reached disk.
#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include "store/store.hpp"
#include "tests/store/sample_records.hpp"
#include "tests/store/temp_dir.hpp"

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

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

}  // namespace gw::store::testing
