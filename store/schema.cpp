#include "store/schema.hpp"

#include <string>

#include "store/keys.hpp"
#include "store/migrations.hpp"
#include "store/store.hpp"

namespace gw::store {

Schema openSchema(MDB_txn* txn, std::string_view where) {
  Schema s;
  s.meta = lmdb::Dbi::open(txn, kMetaDb, MDB_CREATE);
  if (auto v = s.meta.get(txn, keys::kSchemaVersion)) s.foundVersion = keys::decodeVersion(*v);

  if (s.foundVersion > Store::kSchemaVersion) {
    throw StoreError("store: " + std::string(where) + " has schema version " +
                     std::to_string(s.foundVersion) + ", newer than the version " +
                     std::to_string(Store::kSchemaVersion) +
                     " this binary understands; upgrade gatewayd to a release that reads "
                     "schema version " +
                     std::to_string(s.foundVersion) + " (the data was left untouched)");
  }
  if (s.foundVersion < Store::kSchemaVersion) {
    auto steps = migrations::steps();
    for (uint32_t v = s.foundVersion; v < Store::kSchemaVersion; ++v) steps[v](txn);
    s.meta.put(txn, keys::kSchemaVersion, keys::encodeVersion(Store::kSchemaVersion));
  }

  s.providers = lmdb::Dbi::open(txn, kProvidersDb, 0);
  s.providersByOrg = lmdb::Dbi::open(txn, kProvidersByOrgDb, MDB_DUPSORT);
  s.numbers = lmdb::Dbi::open(txn, kNumbersDb, 0);
  s.numbersBySid = lmdb::Dbi::open(txn, kNumbersBySidDb, 0);
  s.numbersByE164 = lmdb::Dbi::open(txn, kNumbersByE164Db, 0);
  s.numbersByProvider = lmdb::Dbi::open(txn, kNumbersByProviderDb, MDB_DUPSORT);
  s.numbersByOrg = lmdb::Dbi::open(txn, kNumbersByOrgDb, MDB_DUPSORT);
  s.numbersByAgent = lmdb::Dbi::open(txn, kNumbersByAgentDb, MDB_DUPSORT);
  s.agents = lmdb::Dbi::open(txn, kAgentsDb, 0);
  s.agentsByOrg = lmdb::Dbi::open(txn, kAgentsByOrgDb, MDB_DUPSORT);
  s.attachJournal = lmdb::Dbi::open(txn, kAttachJournalDb, MDB_DUPSORT);
  s.idempotencyKeys = lmdb::Dbi::open(txn, kIdempotencyKeysDb, 0);
  s.idempotencyByTime = lmdb::Dbi::open(txn, kIdempotencyByTimeDb, 0);
  s.importJobs = lmdb::Dbi::open(txn, kImportJobsDb, 0);
  s.importJobSids = lmdb::Dbi::open(txn, kImportJobSidsDb, 0);
  s.importJobErrors = lmdb::Dbi::open(txn, kImportJobErrorsDb, 0);
  s.verifications = lmdb::Dbi::open(txn, kVerificationsDb, 0);
  return s;
}

}  // namespace gw::store
