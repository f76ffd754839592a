#include "store/lmdb_error.hpp"

#include <cerrno>
#include <string>

#include "store/store.hpp"

namespace gw::store::lmdb {
namespace {

// What an operator can do about the errors that have a remedy.
std::string hintFor(int rc, MDB_env* env) {
  switch (rc) {
    case MDB_MAP_FULL: {
      std::string hint = "the store is full: its LMDB map size";
      MDB_envinfo info{};
      if (env && mdb_env_info(env, &info) == MDB_SUCCESS) {
        hint += " of " + std::to_string(info.me_mapsize >> 20) + " MiB";
      }
      return hint +
             " is used up; restart gatewayd with a larger --store-map-size, or delete "
             "data it no longer needs";
    }
    case ENOSPC:
    case EDQUOT:
      return "the store is full: the disk holding the data directory has no room left; free "
             "disk space or move the data directory";
    case MDB_READERS_FULL:
      return "too many read transactions are open at once";
    case MDB_INVALID:
    case MDB_VERSION_MISMATCH:
      return "the data file is not an LMDB environment this binary can read";
    case MDB_INCOMPATIBLE:
      return "a database exists with other flags than this schema expects; the store is "
             "damaged or was written by another program";
    case MDB_BAD_VALSIZE:
      return "a key or value is empty or longer than LMDB allows";
    default:
      return {};
  }
}

}  // namespace

bool isStoreFull(int rc) {
  return rc == MDB_MAP_FULL || rc == ENOSPC || rc == EDQUOT;
}

void fail(int rc, std::string_view op, std::string_view db, MDB_env* env) {
  std::string msg = "store: LMDB ";
  msg += op;
  if (!db.empty()) {
    msg += " in ";
    msg += db;
  }
  msg += " failed: ";
  msg += mdb_strerror(rc);
  if (std::string hint = hintFor(rc, env); !hint.empty()) {
    msg += " (";
    msg += hint;
    msg += ")";
  }
  if (isStoreFull(rc)) throw StoreFullError(msg);
  throw StoreError(msg);
}

}  // namespace gw::store::lmdb
