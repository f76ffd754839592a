#include "store/migrations.hpp"

#include <array>
#include <vector>

#include "store/codec.hpp"
#include "store/keys.hpp"
#include "store/lmdb_cursor.hpp"
#include "store/schema.hpp"
#include "store/store.hpp"

namespace gw::store::migrations {
namespace {

// 0 -> 1: the first layout (see schema.hpp).
void createVersion1(MDB_txn* txn) {
  for (const char* name :
       {kProvidersDb, kNumbersDb, kNumbersBySidDb, kNumbersByE164Db, kNumbersByProviderDb}) {
    lmdb::Dbi::open(txn, name, MDB_CREATE);
  }
}

// 1 -> 2: the by-owner indexes become DUPSORT lists in E.164 (numbers) or creation
// (providers) order, so listings need neither a full scan nor a sort, and counts are
// O(1). They are rebuilt from the records.
void addOwnerIndexes(MDB_txn* txn) {
  lmdb::Dbi::open(txn, kNumbersByProviderDb, 0).drop(txn);
  auto byProvider = lmdb::Dbi::open(txn, kNumbersByProviderDb, MDB_CREATE | MDB_DUPSORT);
  auto numbersByOrg = lmdb::Dbi::open(txn, kNumbersByOrgDb, MDB_CREATE | MDB_DUPSORT);
  auto providersByOrg = lmdb::Dbi::open(txn, kProvidersByOrgDb, MDB_CREATE | MDB_DUPSORT);

  PhoneNumber n;
  lmdb::Cursor numbers(txn, lmdb::Dbi::open(txn, kNumbersDb, 0));
  for (bool ok = numbers.first(); ok; ok = numbers.next()) {
    codec::decodeNumber(numbers.value(), n);
    std::string entry = keys::numberEntry(n.phoneNumber, n.id);
    byProvider.put(txn, n.providerId, entry);
    numbersByOrg.put(txn, n.orgId, entry);
  }
  lmdb::Cursor providers(txn, lmdb::Dbi::open(txn, kProvidersDb, 0));
  for (bool ok = providers.first(); ok; ok = providers.next()) {
    Provider p = codec::decodeProvider(providers.value());
    providersByOrg.put(txn, p.orgId, keys::providerEntry(p.createdMs, p.id));
  }
}

// 2 -> 3: agents with their org index, numbers_by_agent built from the numbers' agent
// links, and provider records rewritten in format 2 with allowedAddresses (decoding a
// format 1 record gives Twilio's signaling ranges, which is what every provider accepted
// calls from before).
void addAgents(MDB_txn* txn) {
  lmdb::Dbi::open(txn, kAgentsDb, MDB_CREATE);
  lmdb::Dbi::open(txn, kAgentsByOrgDb, MDB_CREATE | MDB_DUPSORT);
  auto byAgent = lmdb::Dbi::open(txn, kNumbersByAgentDb, MDB_CREATE | MDB_DUPSORT);

  PhoneNumber n;
  lmdb::Cursor numbers(txn, lmdb::Dbi::open(txn, kNumbersDb, 0));
  for (bool ok = numbers.first(); ok; ok = numbers.next()) {
    codec::decodeNumber(numbers.value(), n);
    if (!n.incomingCallsAgentId.empty()) byAgent.put(txn, n.incomingCallsAgentId, n.id);
  }

  // Decoded first, written after: a put while a cursor walks the same database could move
  // the cursor.
  auto providerDb = lmdb::Dbi::open(txn, kProvidersDb, 0);
  std::vector<Provider> providers;
  {
    lmdb::Cursor c(txn, providerDb);
    for (bool ok = c.first(); ok; ok = c.next())
      providers.push_back(codec::decodeProvider(c.value()));
  }
  for (const auto& p : providers) providerDb.put(txn, p.id, codec::encode(p));
}

// 3 -> 4: the attachment journal, empty (no import was journaled before).
void addAttachJournal(MDB_txn* txn) {
  lmdb::Dbi::open(txn, kAttachJournalDb, MDB_CREATE | MDB_DUPSORT);
}

// 4 -> 5: the databases of the provider and number lifecycle, empty: stored answers of
// idempotent requests, import jobs with their SIDs and errors, and providers' verifications.
void addLifecycle(MDB_txn* txn) {
  for (const char* name : {kIdempotencyKeysDb, kIdempotencyByTimeDb, kImportJobsDb,
                           kImportJobSidsDb, kImportJobErrorsDb, kVerificationsDb}) {
    lmdb::Dbi::open(txn, name, MDB_CREATE);
  }
}

constexpr std::array<Step, 5> kSteps = {createVersion1, addOwnerIndexes, addAgents,
                                        addAttachJournal, addLifecycle};
static_assert(kSteps.size() == Store::kSchemaVersion, "one migration step per schema version");

}  // namespace

std::span<const Step> steps() {
  return kSteps;
}

}  // namespace gw::store::migrations
