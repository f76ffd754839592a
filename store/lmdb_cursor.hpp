#pragma once
// A cursor over one database, closed when it goes out of scope; it must not outlive its
// transaction. Positioning functions return false at the end (or when nothing matches).
#include <lmdb.h>

#include <cstddef>
#include <string_view>

#include "store/lmdb_dbi.hpp"
#include "store/lmdb_error.hpp"

namespace gw::store::lmdb {

class Cursor {
 public:
  Cursor(MDB_txn* txn, const Dbi& dbi);
  ~Cursor() { mdb_cursor_close(cursor_); }
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;

  bool first() { return step(MDB_FIRST); }
  bool next() { return step(MDB_NEXT); }
  // MDB_DUPSORT: the first value of exactly this key; nextDup() walks the others in order.
  bool find(std::string_view key);
  bool nextDup() { return step(MDB_NEXT_DUP); }
  // MDB_DUPSORT: how many values the current key has (without reading them).
  size_t dupCount() const;

  std::string_view key() const { return view(key_); }
  std::string_view value() const { return view(value_); }

 private:
  bool step(MDB_cursor_op op);
  MDB_cursor* cursor_ = nullptr;
  const char* name_;
  MDB_val key_{};
  MDB_val value_{};
};

}  // namespace gw::store::lmdb
