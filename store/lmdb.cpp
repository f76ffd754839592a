#include "store/lmdb.hpp"

namespace gw::store::lmdb {

void fail(int rc, std::string_view what) {
  std::string msg = "LMDB: ";
  msg += what;
  msg += ": ";
  msg += mdb_strerror(rc);
  if (rc == MDB_MAP_FULL) {
    msg += " (the data file reached its map size; restart with a larger map size)";
  }
  throw StoreError(msg);
}

std::optional<std::string_view> get(MDB_txn* txn, MDB_dbi dbi, std::string_view key) {
  MDB_val k = val(key);
  MDB_val v{};
  int rc = mdb_get(txn, dbi, &k, &v);
  if (rc == MDB_NOTFOUND) return std::nullopt;
  check(rc, "get");
  return view(v);
}

bool put(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::string_view value,
         unsigned flags) {
  MDB_val k = val(key);
  MDB_val v = val(value);
  int rc = mdb_put(txn, dbi, &k, &v, flags);
  if (rc == MDB_KEYEXIST && (flags & MDB_NOOVERWRITE)) return false;
  check(rc, "put");
  return true;
}

bool del(MDB_txn* txn, MDB_dbi dbi, std::string_view key) {
  MDB_val k = val(key);
  int rc = mdb_del(txn, dbi, &k, nullptr);
  if (rc == MDB_NOTFOUND) return false;
  check(rc, "delete");
  return true;
}

Cursor::Cursor(MDB_txn* txn, MDB_dbi dbi) { check(mdb_cursor_open(txn, dbi, &cursor_), "open cursor"); }

bool Cursor::step(MDB_cursor_op op) {
  int rc = mdb_cursor_get(cursor_, &key_, &value_, op);
  if (rc == MDB_NOTFOUND) return false;
  check(rc, "cursor");
  return true;
}

bool Cursor::seek(std::string_view key) {
  key_ = val(key);
  return step(MDB_SET_RANGE);
}
bool Cursor::first() { return step(MDB_FIRST); }
bool Cursor::next() { return step(MDB_NEXT); }

}  // namespace gw::store::lmdb
