#include "store/provider_table.hpp"

#include "store/codec.hpp"
#include "store/keys.hpp"
#include "store/lmdb_cursor.hpp"
#include "store/store.hpp"

namespace gw::store {

std::optional<Provider> ProviderTable::get(MDB_txn* txn, std::string_view id) const {
  auto v = records_.get(txn, id);
  if (!v) return std::nullopt;
  return codec::decodeProvider(*v, box_);
}

std::vector<Provider> ProviderTable::listOfOrg(MDB_txn* txn, std::string_view orgId) const {
  std::vector<Provider> out;
  lmdb::Cursor c(txn, byOrg_);
  for (bool ok = c.find(orgId); ok; ok = c.nextDup()) {
    auto p = get(txn, keys::idOfProviderEntry(c.value()));
    if (!p) throw StoreError("store: providers_by_org lists a provider that is not stored");
    out.push_back(std::move(*p));
  }
  return out;
}

std::vector<Provider> ProviderTable::listAll(MDB_txn* txn) const {
  std::vector<Provider> out;
  out.reserve(records_.entries(txn));
  lmdb::Cursor c(txn, records_);
  for (bool ok = c.first(); ok; ok = c.next())
    out.push_back(codec::decodeProvider(c.value(), box_));
  return out;
}

std::vector<Provider> ProviderTable::listAllWithoutTokens(MDB_txn* txn) const {
  std::vector<Provider> out;
  out.reserve(records_.entries(txn));
  lmdb::Cursor c(txn, records_);
  for (bool ok = c.first(); ok; ok = c.next())
    out.push_back(codec::decodeProviderWithoutToken(c.value()));
  return out;
}

void ProviderTable::put(MDB_txn* txn, const Provider& p) {
  if (p.id.empty() || p.orgId.empty()) throw StoreError("store: a provider needs an id and an org");
  std::string entry = keys::providerEntry(p.createdMs, p.id);
  if (auto old = get(txn, p.id); old && (old->orgId != p.orgId || old->createdMs != p.createdMs)) {
    byOrg_.delPair(txn, old->orgId, keys::providerEntry(old->createdMs, old->id));
  }
  records_.put(txn, p.id, codec::encode(p, box_));
  byOrg_.put(txn, p.orgId, entry);
}

bool ProviderTable::remove(MDB_txn* txn, std::string_view id) {
  auto old = get(txn, id);
  if (!old) return false;
  records_.del(txn, id);
  byOrg_.delPair(txn, old->orgId, keys::providerEntry(old->createdMs, old->id));
  return true;
}

size_t ProviderTable::reseal(MDB_txn* txn, bool all) {
  if (!box_) throw StoreError("store: no master key to encrypt the auth tokens with");
  // Decoded first, written after: a put while a cursor walks the same database could move
  // the cursor.
  std::vector<Provider> stale;
  {
    lmdb::Cursor c(txn, records_);
    for (bool ok = c.first(); ok; ok = c.next()) {
      if (all || codec::providerFormat(c.value()) < codec::kSealedProviderFormat) {
        stale.push_back(codec::decodeProvider(c.value(), box_));
      }
    }
  }
  for (const auto& p : stale) records_.put(txn, p.id, codec::encode(p, box_));
  return stale.size();
}

}  // namespace gw::store
