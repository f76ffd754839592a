#pragma once
// A named database in an LMDB environment. The handle is opened once, in the start-up
// transaction, and stays valid until the environment closes; the name is kept for error
// messages. "Not found" is a value; anything else that fails throws StoreError.
#include <lmdb.h>

#include <cstdint>
#include <optional>
#include <string_view>

namespace gw::store::lmdb {

// Whether LMDB could store `key` at all (not empty, within the environment's key limit).
// A lookup of a key that does not fit is "not found" rather than an error.
bool keyFits(MDB_txn* txn, std::string_view key);

class Dbi {
 public:
  Dbi() = default;
  // flags: MDB_CREATE, MDB_DUPSORT... Without MDB_CREATE a missing database is an error.
  static Dbi open(MDB_txn* txn, const char* name, unsigned flags);

  const char* name() const { return name_; }
  MDB_dbi handle() const { return handle_; }

  // The value under key, a view into the map valid until the transaction ends or writes
  // again. A key LMDB could never have stored (empty, too long) is simply not found.
  std::optional<std::string_view> get(MDB_txn* txn, std::string_view key) const;
  bool contains(MDB_txn* txn, std::string_view key) const { return get(txn, key).has_value(); }
  // flags: 0 to replace, MDB_NOOVERWRITE or MDB_NODUPDATA to keep what is there; returns
  // false when one of those found the key (or, for MDB_DUPSORT, the pair) already stored.
  bool put(MDB_txn* txn, std::string_view key, std::string_view value, unsigned flags = 0) const;
  // Removes the key (with all its values); false when absent.
  bool del(MDB_txn* txn, std::string_view key) const;
  // MDB_DUPSORT: removes one key/value pair; false when absent.
  bool delPair(MDB_txn* txn, std::string_view key, std::string_view value) const;
  // Deletes the database itself; the handle is closed and must not be used again.
  void drop(MDB_txn* txn);
  uint64_t entries(MDB_txn* txn) const;

 private:
  Dbi(MDB_dbi handle, const char* name) : handle_(handle), name_(name) {}
  MDB_dbi handle_ = 0;
  const char* name_ = "(unopened)";
};

}  // namespace gw::store::lmdb
