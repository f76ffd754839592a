#include "store/idempotency_table.hpp"

#include <string>
#include <vector>

#include "store/codec.hpp"
#include "store/keys.hpp"
#include "store/lmdb_cursor.hpp"
#include "store/store.hpp"

namespace gw::store {

std::optional<IdempotentAnswer> IdempotencyTable::get(MDB_txn* txn, std::string_view slot) const {
  auto bytes = answers_.get(txn, slot);
  if (!bytes) return std::nullopt;
  return codec::decodeIdempotentAnswer(*bytes);
}

void IdempotencyTable::put(MDB_txn* txn, std::string_view slot,
                           const IdempotentAnswer& answer) const {
  if (slot.empty()) throw StoreError("store: an idempotent answer needs a slot");
  if (auto old = get(txn, slot)) byTime_.del(txn, keys::answerTimeEntry(old->createdMs, slot));
  answers_.put(txn, slot, codec::encode(answer));
  byTime_.put(txn, keys::answerTimeEntry(answer.createdMs, slot), {});
}

size_t IdempotencyTable::purge(MDB_txn* txn, int64_t beforeMs, size_t max) const {
  // Collected first, deleted after: a delete while the cursor walks the same database could
  // move it.
  std::vector<std::string> expired;
  {
    lmdb::Cursor c(txn, byTime_);
    const std::string bound = keys::answerTimeEntry(beforeMs, {});
    for (bool ok = c.first(); ok && expired.size() < max && c.key() < bound; ok = c.next()) {
      expired.emplace_back(c.key());
    }
  }
  for (const auto& entry : expired) {
    answers_.del(txn, keys::slotOfAnswerTimeEntry(entry));
    byTime_.del(txn, entry);
  }
  return expired.size();
}

}  // namespace gw::store
