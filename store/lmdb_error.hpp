#pragma once
// Error handling shared by the LMDB wrappers. Callers turn the codes that carry meaning
// (MDB_NOTFOUND, MDB_KEYEXIST) into values first; every other non-zero code is an error
// and becomes a StoreError naming the operation, the database and mdb_strerror's text.
#include <lmdb.h>

#include <string_view>

namespace gw::store::lmdb {

// MDB_MAP_FULL, ENOSPC or EDQUOT: fail() throws StoreFullError for these.
bool isStoreFull(int rc);

// `env`, when known, lets an MDB_MAP_FULL message say how large the map is.
[[noreturn]] void fail(int rc, std::string_view op, std::string_view db = {},
                       MDB_env* env = nullptr);

inline void check(int rc, std::string_view op, std::string_view db = {}, MDB_env* env = nullptr) {
  if (rc != MDB_SUCCESS) fail(rc, op, db, env);
}

inline MDB_val val(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}
inline std::string_view view(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

}  // namespace gw::store::lmdb
