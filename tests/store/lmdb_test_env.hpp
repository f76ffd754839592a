#pragma once
// A small LMDB environment in a temporary directory for the wrapper tests.
#include <gtest/gtest.h>

#include "store/lmdb_env.hpp"
#include "store/lmdb_txn.hpp"
#include "tests/support/temp_dir.hpp"

namespace gw::store::testing {

class LmdbFixture : public ::testing::Test {
 protected:
  lmdb::Txn write() { return lmdb::Txn(env_.get(), lmdb::Txn::Mode::kWrite); }
  lmdb::Txn read() { return lmdb::Txn(env_.get(), lmdb::Txn::Mode::kRead); }

  testsupport::TempDir dir_{"gw-store"};
  lmdb::Env env_{dir_.path(), {size_t{16} << 20, 4, MDB_NOTLS}};
};

}  // namespace gw::store::testing
