#include "store/lmdb_cursor.hpp"

namespace gw::store::lmdb {

Cursor::Cursor(MDB_txn* txn, const Dbi& dbi) : name_(dbi.name()) {
  check(mdb_cursor_open(txn, dbi.handle(), &cursor_), "cursor open", name_);
}

bool Cursor::step(MDB_cursor_op op) {
  int rc = mdb_cursor_get(cursor_, &key_, &value_, op);
  if (rc == MDB_NOTFOUND) return false;
  check(rc, "cursor read", name_);
  return true;
}

bool Cursor::find(std::string_view key) {
  if (!keyFits(mdb_cursor_txn(cursor_), key)) return false;
  key_ = val(key);
  return step(MDB_SET_KEY);
}

size_t Cursor::dupCount() const {
  size_t n = 0;
  check(mdb_cursor_count(cursor_, &n), "cursor count", name_);
  return n;
}

}  // namespace gw::store::lmdb
