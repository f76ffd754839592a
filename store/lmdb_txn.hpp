#pragma once
// An LMDB transaction that aborts in its destructor unless commit() ran first.
#include <lmdb.h>

namespace gw::store::lmdb {

class Txn {
 public:
  enum class Mode { kRead, kWrite };

  Txn(MDB_env* env, Mode mode);  // throws StoreError
  ~Txn() { abort(); }
  Txn(Txn&& other) noexcept : txn_(other.txn_) { other.txn_ = nullptr; }
  Txn& operator=(Txn&&) = delete;
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;

  // The transaction is finished whatever commit() returns or throws.
  void commit();
  void abort() noexcept;
  bool active() const { return txn_ != nullptr; }
  // Throws StoreError once the transaction is finished: using it then is a caller's bug.
  MDB_txn* get() const;

 private:
  MDB_txn* txn_ = nullptr;
};

}  // namespace gw::store::lmdb
