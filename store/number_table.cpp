#include "store/number_table.hpp"

#include <algorithm>
#include <string>

#include "store/codec.hpp"
#include "store/keys.hpp"
#include "store/lmdb_cursor.hpp"
#include "store/store.hpp"

namespace gw::store {
namespace {

bool matches(const PhoneNumber& n, const NumberFilter& f) {
  if (n.orgId != f.orgId) return false;
  if (f.providerId && n.providerId != *f.providerId) return false;
  if (f.phoneNumber && n.phoneNumber != *f.phoneNumber) return false;
  if (f.linkedAgentId && n.incomingCallsAgentId != *f.linkedAgentId) return false;
  if (f.unlinkedOnly && !n.incomingCallsAgentId.empty()) return false;
  return true;
}

// Counts every match and keeps the ones inside [skip, skip + take).
class PageBuilder {
 public:
  PageBuilder(uint64_t skip, uint64_t take) : skip_(skip), take_(take) {}
  void add(const PhoneNumber& n) {
    if (page_.totalCount >= skip_ && page_.items.size() < take_) page_.items.push_back(n);
    ++page_.totalCount;
  }
  NumberPage take() { return std::move(page_); }

 private:
  uint64_t skip_;
  uint64_t take_;
  NumberPage page_;
};

}  // namespace

void NumberTable::load(MDB_txn* txn, std::string_view id, const lmdb::Dbi& index,
                       PhoneNumber& out) const {
  auto v = records_.get(txn, id);
  if (!v) {
    throw StoreError(std::string("store: ") + index.name() + " names phone number " +
                     std::string(id) + " which is not stored; the store is damaged");
  }
  codec::decodeNumber(*v, out);
}

std::optional<PhoneNumber> NumberTable::findThrough(MDB_txn* txn, const lmdb::Dbi& index,
                                                    std::string_view key) const {
  auto id = index.get(txn, key);
  if (!id) return std::nullopt;
  PhoneNumber n;
  load(txn, *id, index, n);
  return n;
}

std::optional<PhoneNumber> NumberTable::get(MDB_txn* txn, std::string_view id) const {
  auto v = records_.get(txn, id);
  if (!v) return std::nullopt;
  return codec::decodeNumber(*v);
}

std::optional<PhoneNumber> NumberTable::findBySid(MDB_txn* txn, std::string_view sid) const {
  return findThrough(txn, bySid_, sid);
}

std::optional<PhoneNumber> NumberTable::findByE164(MDB_txn* txn, std::string_view e164) const {
  return findThrough(txn, byE164_, e164);
}

std::vector<PhoneNumber> NumberTable::listOfProvider(MDB_txn* txn,
                                                     std::string_view providerId) const {
  std::vector<PhoneNumber> out;
  lmdb::Cursor c(txn, byProvider_);
  if (!c.find(providerId)) return out;
  out.reserve(c.dupCount());
  do {
    load(txn, keys::idOfNumberEntry(c.value()), byProvider_, out.emplace_back());
  } while (c.nextDup());
  return out;
}

uint64_t NumberTable::countOfProvider(MDB_txn* txn, std::string_view providerId) const {
  lmdb::Cursor c(txn, byProvider_);
  return c.find(providerId) ? c.dupCount() : 0;
}

std::vector<std::string> NumberTable::idsLinkedToAgent(MDB_txn* txn,
                                                       std::string_view agentId) const {
  std::vector<std::string> out;
  lmdb::Cursor c(txn, byAgent_);
  if (!c.find(agentId)) return out;
  out.reserve(c.dupCount());
  do {
    out.emplace_back(c.value());
  } while (c.nextDup());
  return out;
}

uint64_t NumberTable::countLinkedToAgent(MDB_txn* txn, std::string_view agentId) const {
  lmdb::Cursor c(txn, byAgent_);
  return c.find(agentId) ? c.dupCount() : 0;
}

NumberPage NumberTable::list(MDB_txn* txn, const NumberFilter& f, uint64_t skip,
                             uint64_t take) const {
  if (f.phoneNumber) {
    PageBuilder page(skip, take);
    if (auto n = findByE164(txn, *f.phoneNumber); n && matches(*n, f)) page.add(*n);
    return page.take();
  }

  if (f.linkedAgentId && !f.linkedAgentId->empty()) {
    // numbers_by_agent holds only the agent's numbers (in id order): read those, then sort.
    std::vector<PhoneNumber> linked;
    PhoneNumber n;
    lmdb::Cursor c(txn, byAgent_);
    for (bool ok = c.find(*f.linkedAgentId); ok; ok = c.nextDup()) {
      load(txn, c.value(), byAgent_, n);
      if (matches(n, f)) linked.push_back(n);
    }
    std::sort(linked.begin(), linked.end(),
              [](const auto& a, const auto& b) { return a.phoneNumber < b.phoneNumber; });
    PageBuilder page(skip, take);
    for (const auto& m : linked) page.add(m);
    return page.take();
  }

  if (!f.providerId && !f.linkedAgentId && !f.unlinkedOnly) {
    // Every entry of the org's index matches: LMDB counts them, the cursor steps over the
    // skipped ones without reading their records, and only the page is decoded.
    NumberPage page;
    lmdb::Cursor c(txn, byOrg_);
    if (!c.find(f.orgId)) return page;
    page.totalCount = c.dupCount();
    if (skip >= page.totalCount || take == 0) return page;
    for (uint64_t i = 0; i < skip; ++i) c.nextDup();
    page.items.reserve(std::min(take, page.totalCount - skip));
    do {
      load(txn, keys::idOfNumberEntry(c.value()), byOrg_, page.items.emplace_back());
    } while (page.items.size() < take && c.nextDup());
    return page;
  }

  const lmdb::Dbi& index = f.providerId ? byProvider_ : byOrg_;
  PageBuilder page(skip, take);
  PhoneNumber n;
  lmdb::Cursor c(txn, index);
  for (bool ok = c.find(f.providerId ? *f.providerId : f.orgId); ok; ok = c.nextDup()) {
    load(txn, keys::idOfNumberEntry(c.value()), index, n);
    if (matches(n, f)) page.add(n);
  }
  return page.take();
}

void NumberTable::forEach(MDB_txn* txn, const std::function<void(const PhoneNumber&)>& fn) const {
  PhoneNumber n;
  lmdb::Cursor c(txn, records_);
  for (bool ok = c.first(); ok; ok = c.next()) {
    codec::decodeNumber(c.value(), n);
    fn(n);
  }
}

void NumberTable::requireKeys(MDB_txn* txn, const PhoneNumber& n, std::string_view entry) const {
  for (std::string_view key :
       {std::string_view(n.id), std::string_view(n.phoneNumberSid), std::string_view(n.phoneNumber),
        std::string_view(n.providerId), std::string_view(n.orgId), entry}) {
    if (!lmdb::keyFits(txn, key)) {
      throw StoreError(
          "store: a phone number needs an id, SID, E.164 number, provider id and org id, "
          "each short enough to be an LMDB key");
    }
  }
  if (!n.incomingCallsAgentId.empty() && !lmdb::keyFits(txn, n.incomingCallsAgentId)) {
    throw StoreError("store: a phone number's agent id must be short enough to be an LMDB key");
  }
}

void NumberTable::insert(MDB_txn* txn, const PhoneNumber& n) {
  std::string entry = keys::numberEntry(n.phoneNumber, n.id);
  requireKeys(txn, n, entry);
  // Every clash is found before the first write, so a refused insert changes nothing.
  if (records_.contains(txn, n.id)) {
    throw StoreError("store: phone number id " + n.id + " is already stored");
  }
  if (auto other = bySid_.get(txn, n.phoneNumberSid)) {
    throw StoreError("store: phone number SID " + n.phoneNumberSid +
                     " is already stored as number " + std::string(*other));
  }
  if (auto other = byE164_.get(txn, n.phoneNumber)) {
    throw StoreError("store: phone number " + n.phoneNumber + " is already stored as number " +
                     std::string(*other));
  }
  records_.put(txn, n.id, codec::encode(n));
  bySid_.put(txn, n.phoneNumberSid, n.id);
  byE164_.put(txn, n.phoneNumber, n.id);
  byProvider_.put(txn, n.providerId, entry);
  byOrg_.put(txn, n.orgId, entry);
  if (!n.incomingCallsAgentId.empty()) byAgent_.put(txn, n.incomingCallsAgentId, n.id);
}

void NumberTable::update(MDB_txn* txn, const PhoneNumber& n) {
  std::string entry = keys::numberEntry(n.phoneNumber, n.id);
  requireKeys(txn, n, entry);
  auto old = get(txn, n.id);
  if (!old) throw StoreError("store: update of phone number " + n.id + " which is not stored");
  bool sidMoved = old->phoneNumberSid != n.phoneNumberSid;
  bool e164Moved = old->phoneNumber != n.phoneNumber;
  if (sidMoved && bySid_.contains(txn, n.phoneNumberSid)) {
    throw StoreError("store: phone number SID " + n.phoneNumberSid + " is already stored");
  }
  if (e164Moved && byE164_.contains(txn, n.phoneNumber)) {
    throw StoreError("store: phone number " + n.phoneNumber + " is already stored");
  }

  std::string oldEntry = keys::numberEntry(old->phoneNumber, old->id);
  if (sidMoved) {
    bySid_.del(txn, old->phoneNumberSid);
    bySid_.put(txn, n.phoneNumberSid, n.id);
  }
  if (e164Moved) {
    byE164_.del(txn, old->phoneNumber);
    byE164_.put(txn, n.phoneNumber, n.id);
  }
  if (e164Moved || old->providerId != n.providerId) {
    byProvider_.delPair(txn, old->providerId, oldEntry);
    byProvider_.put(txn, n.providerId, entry);
  }
  if (e164Moved || old->orgId != n.orgId) {
    byOrg_.delPair(txn, old->orgId, oldEntry);
    byOrg_.put(txn, n.orgId, entry);
  }
  if (old->incomingCallsAgentId != n.incomingCallsAgentId) {
    if (!old->incomingCallsAgentId.empty()) byAgent_.delPair(txn, old->incomingCallsAgentId, n.id);
    if (!n.incomingCallsAgentId.empty()) byAgent_.put(txn, n.incomingCallsAgentId, n.id);
  }
  records_.put(txn, n.id, codec::encode(n));
}

bool NumberTable::remove(MDB_txn* txn, std::string_view id) {
  auto old = get(txn, id);
  if (!old) return false;
  std::string entry = keys::numberEntry(old->phoneNumber, old->id);
  records_.del(txn, id);
  bySid_.del(txn, old->phoneNumberSid);
  byE164_.del(txn, old->phoneNumber);
  byProvider_.delPair(txn, old->providerId, entry);
  byOrg_.delPair(txn, old->orgId, entry);
  if (!old->incomingCallsAgentId.empty()) byAgent_.delPair(txn, old->incomingCallsAgentId, old->id);
  return true;
}

}  // namespace gw::store
