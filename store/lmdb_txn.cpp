#include "store/lmdb_txn.hpp"

#include "store/lmdb_error.hpp"
#include "store/store.hpp"

namespace gw::store::lmdb {

Txn::Txn(MDB_env* env, Mode mode) {
  bool read = mode == Mode::kRead;
  check(mdb_txn_begin(env, nullptr, read ? MDB_RDONLY : 0u, &txn_),
        read ? "begin of a read transaction" : "begin of a write transaction");
}

void Txn::commit() {
  MDB_txn* txn = get();
  MDB_env* env = mdb_txn_env(txn);
  txn_ = nullptr;  // LMDB frees the transaction whether the commit succeeds or not
  check(mdb_txn_commit(txn), "commit", {}, env);
}

void Txn::abort() noexcept {
  if (txn_) mdb_txn_abort(txn_);
  txn_ = nullptr;
}

MDB_txn* Txn::get() const {
  if (!txn_) throw StoreError("store: use of a transaction that was already committed or aborted");
  return txn_;
}

}  // namespace gw::store::lmdb
