#pragma once
// Thin RAII layer over LMDB's C API. Every mdb_* return code is checked: "not found" is a
// value (std::nullopt / false), anything else throws StoreError with mdb_strerror text.
#include <lmdb.h>

#include <optional>
#include <string>
#include <string_view>

#include "store/store.hpp"

namespace gw::store::lmdb {

[[noreturn]] void fail(int rc, std::string_view what);
inline void check(int rc, std::string_view what) {
  if (rc != MDB_SUCCESS) fail(rc, what);
}

inline MDB_val val(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}
inline std::string_view view(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

// The value stored under key (a view into the map, valid until the transaction ends).
std::optional<std::string_view> get(MDB_txn* txn, MDB_dbi dbi, std::string_view key);
// flags: 0 (replace) or MDB_NOOVERWRITE; returns false when MDB_NOOVERWRITE found the key.
bool put(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::string_view value,
         unsigned flags = 0);
bool del(MDB_txn* txn, MDB_dbi dbi, std::string_view key);

// A cursor owned by its transaction's scope.
class Cursor {
 public:
  Cursor(MDB_txn* txn, MDB_dbi dbi);
  ~Cursor() { mdb_cursor_close(cursor_); }
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;

  // Positions at the first key >= key (MDB_SET_RANGE) or the first key; false at the end.
  bool seek(std::string_view key);
  bool first();
  bool next();
  std::string_view key() const { return view(key_); }
  std::string_view value() const { return view(value_); }

 private:
  bool step(MDB_cursor_op op);
  MDB_cursor* cursor_ = nullptr;
  MDB_val key_{};
  MDB_val value_{};
};

}  // namespace gw::store::lmdb
