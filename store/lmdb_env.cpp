#include "store/lmdb_env.hpp"

#include <filesystem>
#include <system_error>

#include "store/lmdb_error.hpp"
#include "store/store.hpp"

namespace gw::store::lmdb {

Env::Env(const std::string& dir, const Options& options) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw StoreError("store: cannot create the directory " + dir + ": " + ec.message());

  check(mdb_env_create(&env_), "create environment");
  // From here on the destructor is not run if we throw, so close by hand.
  try {
    check(mdb_env_set_maxdbs(env_, options.maxDbs), "set maxdbs");
    check(mdb_env_set_mapsize(env_, options.mapSizeBytes), "set map size");
    int rc = mdb_env_open(env_, dir.c_str(), options.flags, 0600);
    if (rc != MDB_SUCCESS) fail(rc, "open of the environment in " + dir);
  } catch (...) {
    mdb_env_close(env_);
    throw;
  }
}

Env::~Env() {
  mdb_env_close(env_);
}

int Env::clearStaleReaders() {
  int dead = 0;
  check(mdb_reader_check(env_, &dead), "reader check");
  return dead;
}

}  // namespace gw::store::lmdb
