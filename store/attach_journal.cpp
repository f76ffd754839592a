#include "store/attach_journal.hpp"

#include <lmdb.h>

#include "store/lmdb_cursor.hpp"
#include "store/store.hpp"

namespace gw::store {

void AttachJournal::add(MDB_txn* txn, std::string_view providerId, std::string_view sid) const {
  if (providerId.empty() || sid.empty()) {
    throw StoreError("store: an attachment journal entry needs a provider id and a SID");
  }
  entries_.put(txn, providerId, sid, MDB_NODUPDATA);  // already journaled: nothing to do
}

bool AttachJournal::remove(MDB_txn* txn, std::string_view providerId, std::string_view sid) const {
  return entries_.delPair(txn, providerId, sid);
}

size_t AttachJournal::clear(MDB_txn* txn, std::string_view providerId) const {
  size_t count = 0;
  {
    lmdb::Cursor c(txn, entries_);
    if (c.find(providerId)) count = c.dupCount();
  }
  if (count) entries_.del(txn, providerId);
  return count;
}

std::vector<std::string> AttachJournal::sidsOf(MDB_txn* txn, std::string_view providerId) const {
  std::vector<std::string> out;
  lmdb::Cursor c(txn, entries_);
  for (bool ok = c.find(providerId); ok; ok = c.nextDup()) out.emplace_back(c.value());
  return out;
}

std::vector<std::string> AttachJournal::providers(MDB_txn* txn) const {
  std::vector<std::string> out;
  lmdb::Cursor c(txn, entries_);
  for (bool ok = c.first(); ok; ok = c.next()) {
    // MDB_NEXT visits every value of a DUPSORT key: keep each key once.
    if (out.empty() || out.back() != c.key()) out.emplace_back(c.key());
  }
  return out;
}

}  // namespace gw::store
