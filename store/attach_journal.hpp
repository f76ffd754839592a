#pragma once
// The attachment journal (attach_journal, see schema.hpp): the SIDs an import is about to
// attach, or has attached, to a provider's trunk and has not stored yet. An entry is written
// before the attach request goes out and removed in the transaction that stores the number,
// or once the number is confirmed detached, so a crash, a failed commit or a provider delete
// never leaves a number on the customer's trunk that the gateway does not know about.
// Numbers found already attached are never journaled: they were not attached by us.
// Works on the raw transaction behind the Store's ReadView or WriteTxn.
#include <lmdb.h>

#include <string>
#include <string_view>
#include <vector>

#include "store/lmdb_dbi.hpp"
#include "store/schema.hpp"

namespace gw::store {

class AttachJournal {
 public:
  AttachJournal() = default;
  explicit AttachJournal(const Schema& s) : entries_(s.attachJournal) {}

  void add(MDB_txn* txn, std::string_view providerId, std::string_view sid) const;
  bool remove(MDB_txn* txn, std::string_view providerId, std::string_view sid) const;
  // Every entry of the provider; returns how many were removed.
  size_t clear(MDB_txn* txn, std::string_view providerId) const;
  // The provider's SIDs, in SID order.
  std::vector<std::string> sidsOf(MDB_txn* txn, std::string_view providerId) const;
  // The providers with at least one entry, in id order.
  std::vector<std::string> providers(MDB_txn* txn) const;

 private:
  lmdb::Dbi entries_;
};

}  // namespace gw::store
