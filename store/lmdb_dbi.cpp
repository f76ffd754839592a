#include "store/lmdb_dbi.hpp"

#include <string>

#include "store/lmdb_error.hpp"

namespace gw::store::lmdb {

bool keyFits(MDB_txn* txn, std::string_view key) {
  return !key.empty() &&
         key.size() <= static_cast<size_t>(mdb_env_get_maxkeysize(mdb_txn_env(txn)));
}

Dbi Dbi::open(MDB_txn* txn, const char* name, unsigned flags) {
  MDB_dbi handle = 0;
  int rc = mdb_dbi_open(txn, name, flags, &handle);
  if (rc == MDB_NOTFOUND) fail(rc, "open (the database is missing: the store is damaged)", name);
  check(rc, "open", name);
  // LMDB keeps the flags a database was created with; a mismatch would make every
  // DUPSORT assumption wrong.
  unsigned stored = 0;
  check(mdb_dbi_flags(txn, handle, &stored), "flags", name);
  if ((stored & MDB_DUPSORT) != (flags & MDB_DUPSORT)) {
    fail(MDB_INCOMPATIBLE, "open", name);
  }
  return Dbi(handle, name);
}

std::optional<std::string_view> Dbi::get(MDB_txn* txn, std::string_view key) const {
  if (!keyFits(txn, key)) return std::nullopt;
  MDB_val k = val(key);
  MDB_val v{};
  int rc = mdb_get(txn, handle_, &k, &v);
  if (rc == MDB_NOTFOUND) return std::nullopt;
  check(rc, "get", name_);
  return view(v);
}

bool Dbi::put(MDB_txn* txn, std::string_view key, std::string_view value, unsigned flags) const {
  MDB_val k = val(key);
  MDB_val v = val(value);
  int rc = mdb_put(txn, handle_, &k, &v, flags);
  if (rc == MDB_KEYEXIST && (flags & (MDB_NOOVERWRITE | MDB_NODUPDATA))) return false;
  check(rc, "put", name_, mdb_txn_env(txn));
  return true;
}

bool Dbi::del(MDB_txn* txn, std::string_view key) const {
  if (!keyFits(txn, key)) return false;
  MDB_val k = val(key);
  int rc = mdb_del(txn, handle_, &k, nullptr);
  if (rc == MDB_NOTFOUND) return false;
  check(rc, "delete", name_, mdb_txn_env(txn));
  return true;
}

bool Dbi::delPair(MDB_txn* txn, std::string_view key, std::string_view value) const {
  if (!keyFits(txn, key)) return false;
  MDB_val k = val(key);
  MDB_val v = val(value);
  int rc = mdb_del(txn, handle_, &k, &v);
  if (rc == MDB_NOTFOUND) return false;
  check(rc, "delete", name_, mdb_txn_env(txn));
  return true;
}

void Dbi::drop(MDB_txn* txn) {
  check(mdb_drop(txn, handle_, 1), "drop", name_);
  handle_ = 0;
}

uint64_t Dbi::entries(MDB_txn* txn) const {
  MDB_stat st{};
  check(mdb_stat(txn, handle_, &st), "stat", name_);
  return st.ms_entries;
}

}  // namespace gw::store::lmdb
