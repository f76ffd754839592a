#pragma once
// Providers and their per-org index (see schema.hpp), on the raw transaction behind the
// Store's ReadView or WriteTxn.
#include <lmdb.h>

#include <optional>
#include <string_view>
#include <vector>

#include "store/lmdb_dbi.hpp"
#include "store/records.hpp"
#include "store/schema.hpp"

namespace gw::store {

class SecretBox;

class ProviderTable {
 public:
  ProviderTable() = default;
  // `box` seals and opens the auth tokens (codec.hpp); null: clear text (tests and tools).
  ProviderTable(const Schema& s, const SecretBox* box)
      : records_(s.providers), byOrg_(s.providersByOrg), box_(box) {}

  std::optional<Provider> get(MDB_txn* txn, std::string_view id) const;
  // By createdMs, then id.
  std::vector<Provider> listOfOrg(MDB_txn* txn, std::string_view orgId) const;
  // Every org's providers, in id order.
  std::vector<Provider> listAll(MDB_txn* txn) const;
  // The same with empty auth tokens: nothing is decrypted.
  std::vector<Provider> listAllWithoutTokens(MDB_txn* txn) const;
  void put(MDB_txn* txn, const Provider& p);  // insert or replace
  bool remove(MDB_txn* txn, std::string_view id);
  // Rewrites, sealed under the box's current key, the records whose token is in clear text
  // (and, with `all`, every record: key rotation). Returns how many were rewritten.
  size_t reseal(MDB_txn* txn, bool all);

 private:
  lmdb::Dbi records_;
  lmdb::Dbi byOrg_;
  const SecretBox* box_ = nullptr;
};

}  // namespace gw::store
