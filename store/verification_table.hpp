#pragma once
// The latest verification of each provider (provider_verifications, see schema.hpp): its
// status, when it ran, and one entry per problem found. Kept apart from the provider record,
// which a verification leaves alone: rewriting it would republish the SIP directory on
// every run. Works on the raw transaction behind the Store's ReadView or WriteTxn.
#include <lmdb.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/lmdb_dbi.hpp"
#include "store/records.hpp"
#include "store/schema.hpp"

namespace gw::store {

class VerificationTable {
 public:
  VerificationTable() = default;
  explicit VerificationTable(const Schema& s) : entries_(s.verifications) {}

  void put(MDB_txn* txn, const Verification& v) const;
  std::optional<Verification> get(MDB_txn* txn, std::string_view providerId) const;
  bool remove(MDB_txn* txn, std::string_view providerId) const;

 private:
  lmdb::Dbi entries_;
};

}  // namespace gw::store
