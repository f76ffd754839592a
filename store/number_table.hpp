#pragma once
// Phone numbers and their five indexes (see schema.hpp), on the raw transaction behind the
// Store's ReadView or WriteTxn. Every write keeps the record and all its index entries
// coherent; a write that throws StoreError for a clash (an id, SID or E.164 number already
// stored) has changed nothing.
#include <lmdb.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/lmdb_dbi.hpp"
#include "store/records.hpp"
#include "store/schema.hpp"

namespace gw::store {

class NumberTable {
 public:
  NumberTable() = default;
  explicit NumberTable(const Schema& s)
      : records_(s.numbers),
        bySid_(s.numbersBySid),
        byE164_(s.numbersByE164),
        byProvider_(s.numbersByProvider),
        byOrg_(s.numbersByOrg),
        byAgent_(s.numbersByAgent) {}

  std::optional<PhoneNumber> get(MDB_txn* txn, std::string_view id) const;
  std::optional<PhoneNumber> findBySid(MDB_txn* txn, std::string_view sid) const;
  std::optional<PhoneNumber> findByE164(MDB_txn* txn, std::string_view e164) const;
  // In E.164 order.
  std::vector<PhoneNumber> listOfProvider(MDB_txn* txn, std::string_view providerId) const;
  uint64_t countOfProvider(MDB_txn* txn, std::string_view providerId) const;
  // The ids of the numbers whose incomingCallsAgentId is agentId, in id order.
  std::vector<std::string> idsLinkedToAgent(MDB_txn* txn, std::string_view agentId) const;
  uint64_t countLinkedToAgent(MDB_txn* txn, std::string_view agentId) const;
  // In E.164 order; see Store::listNumbers.
  NumberPage list(MDB_txn* txn, const NumberFilter& filter, uint64_t skip, uint64_t take) const;
  // In id order. `fn` sees one object, reused from call to call.
  void forEach(MDB_txn* txn, const std::function<void(const PhoneNumber&)>& fn) const;

  void insert(MDB_txn* txn, const PhoneNumber& n);
  void update(MDB_txn* txn, const PhoneNumber& n);
  bool remove(MDB_txn* txn, std::string_view id);

 private:
  // Decodes the record that an entry of `index` names into `out`; a missing record means
  // the store is damaged.
  void load(MDB_txn* txn, std::string_view id, const lmdb::Dbi& index, PhoneNumber& out) const;
  std::optional<PhoneNumber> findThrough(MDB_txn* txn, const lmdb::Dbi& index,
                                         std::string_view key) const;
  // Throws StoreError unless every key and index entry of n is storable.
  void requireKeys(MDB_txn* txn, const PhoneNumber& n, std::string_view entry) const;

  lmdb::Dbi records_;
  lmdb::Dbi bySid_;
  lmdb::Dbi byE164_;
  lmdb::Dbi byProvider_;
  lmdb::Dbi byOrg_;
  lmdb::Dbi byAgent_;  // only numbers with an incomingCallsAgentId
};

}  // namespace gw::store
