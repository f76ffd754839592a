#pragma once
// Stored answers of POST requests sent with an Idempotency-Key (idempotency_keys and
// idempotency_by_time, see schema.hpp). A slot names (org, key) and is opaque here: the admin
// layer derives it. A record keeps what a replay needs (status, headers, body) and the
// fingerprint of the request that produced it, so that the same key sent with another
// request is recognised. Works on the raw transaction behind the Store's ReadView or WriteTxn.
#include <lmdb.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/lmdb_dbi.hpp"
#include "store/records.hpp"
#include "store/schema.hpp"

namespace gw::store {

class IdempotencyTable {
 public:
  IdempotencyTable() = default;
  explicit IdempotencyTable(const Schema& s)
      : answers_(s.idempotencyKeys), byTime_(s.idempotencyByTime) {}

  std::optional<IdempotentAnswer> get(MDB_txn* txn, std::string_view slot) const;
  // Insert or replace (a replaced record's time entry goes with it). Throws StoreError
  // without a slot, or with a slot or header LMDB cannot store.
  void put(MDB_txn* txn, std::string_view slot, const IdempotentAnswer& answer) const;
  // Deletes the records stored before `beforeMs`, oldest first, at most `max`; returns how
  // many.
  size_t purge(MDB_txn* txn, int64_t beforeMs, size_t max) const;
  uint64_t count(MDB_txn* txn) const { return answers_.entries(txn); }

 private:
  lmdb::Dbi answers_;
  lmdb::Dbi byTime_;
};

}  // namespace gw::store
