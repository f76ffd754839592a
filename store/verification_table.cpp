#include "store/verification_table.hpp"

#include "store/codec.hpp"
#include "store/store.hpp"

namespace gw::store {

void VerificationTable::put(MDB_txn* txn, const Verification& v) const {
  if (v.providerId.empty()) throw StoreError("store: a verification needs a provider id");
  entries_.put(txn, v.providerId, codec::encode(v));
}

std::optional<Verification> VerificationTable::get(MDB_txn* txn,
                                                   std::string_view providerId) const {
  auto bytes = entries_.get(txn, providerId);
  if (!bytes) return std::nullopt;
  return codec::decodeVerification(providerId, *bytes);
}

bool VerificationTable::remove(MDB_txn* txn, std::string_view providerId) const {
  return entries_.del(txn, providerId);
}

}  // namespace gw::store
