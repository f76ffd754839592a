#pragma once
// The on-disk layout, schema version 5. Records are encoded by codec.hpp, index entries by
// keys.hpp.
//
//   database             flags     key              value
//   meta                           "schema_version" u32 little-endian
//                                  "cluster_revision" i64 little-endian (optional)
//   providers                      provider id      provider record (format 2)
//   providers_by_org     DUPSORT   org id           createdMs (8 bytes, ordered) + provider id
//   numbers                        number id        phone number record
//   numbers_by_sid                 PN... SID        number id
//   numbers_by_e164                E.164 number     number id
//   numbers_by_provider  DUPSORT   provider id      E.164 number + NUL + number id
//   numbers_by_org       DUPSORT   org id           E.164 number + NUL + number id
//   numbers_by_agent     DUPSORT   agent id         number id
//   agents                         agent id         agent record
//   agents_by_org        DUPSORT   org id           createdMs (8 bytes, ordered) + agent id
//   attach_journal       DUPSORT   provider id      PN... SID
//   idempotency_keys               slot (32 bytes)  idempotent answer record
//   idempotency_by_time            createdMs (8 bytes, ordered) + slot   (empty)
//   import_jobs                    job id           import job record (import_job_table.hpp)
//   import_job_sids                job id + chunk   the chunk's SIDs, 34 bytes each, in
//                                  (8 bytes BE)     request order
//   import_job_errors              job id + n       SID and message of the job's n-th
//                                  (8 bytes BE)     failed SID
//   provider_verifications         provider id      latest verification (JSON)
//
// meta's "cluster_revision" is the last etcd revision a cluster node applied to this store
// (cluster/replica.hpp), written in the transaction that applied it; a store that has never
// been part of a cluster has none. It needs no schema version: older versions ignore it.
//
// The DUPSORT indexes keep each key's values sorted, so an org's providers and agents come
// back in creation order, a provider's or org's numbers in E.164 order and an agent's
// numbers in id order, and LMDB counts a key's values without reading them.
//
// numbers_by_agent holds one entry per number whose incomingCallsAgentId is set; it follows
// the number records, not the agents: an agent's deletion leaves it alone (see
// Store::deleteAgent).
//
// attach_journal holds the SIDs an import attaches to the provider's trunk until they are
// stored or confirmed detached (see attach_journal.hpp); it is empty when nothing is in
// flight. Schema version 3 had no attach_journal.
//
// idempotency_keys holds the answers of POSTs sent with an Idempotency-Key; a slot is a
// digest of the org and the key (modules/admin/idempotency.hpp). idempotency_by_time orders
// them by age, so expired answers are found without a scan.
//
// An import job's record carries its progress (done, successCount, failedCount), written in
// the transaction that stores the numbers of the chunk it counts and adds the chunk's
// errors, so the count and the stored numbers always agree. Schema version 4 had no
// import_job* databases.
//
// provider_verifications holds each provider's latest verification: status, time and the
// problems found (see verification_table.hpp); a provider never verified has no entry.
// Schema version 4 had no provider_verifications.
//
// Schema version 2 had no agents, agents_by_org or numbers_by_agent, and its provider
// records were format 1 (without allowedAddresses). Schema version 1 had, besides, no
// *_by_org databases, and numbers_by_provider mapped "<provider id>/<number id>" to an
// empty value.
#include <lmdb.h>

#include <cstdint>
#include <string_view>

#include "store/lmdb_dbi.hpp"

namespace gw::store {

inline constexpr char kMetaDb[] = "meta";
inline constexpr char kProvidersDb[] = "providers";
inline constexpr char kProvidersByOrgDb[] = "providers_by_org";
inline constexpr char kNumbersDb[] = "numbers";
inline constexpr char kNumbersBySidDb[] = "numbers_by_sid";
inline constexpr char kNumbersByE164Db[] = "numbers_by_e164";
inline constexpr char kNumbersByProviderDb[] = "numbers_by_provider";
inline constexpr char kNumbersByOrgDb[] = "numbers_by_org";
inline constexpr char kNumbersByAgentDb[] = "numbers_by_agent";
inline constexpr char kAgentsDb[] = "agents";
inline constexpr char kAgentsByOrgDb[] = "agents_by_org";
inline constexpr char kAttachJournalDb[] = "attach_journal";
inline constexpr char kIdempotencyKeysDb[] = "idempotency_keys";
inline constexpr char kIdempotencyByTimeDb[] = "idempotency_by_time";
inline constexpr char kImportJobsDb[] = "import_jobs";
inline constexpr char kImportJobSidsDb[] = "import_job_sids";
inline constexpr char kImportJobErrorsDb[] = "import_job_errors";
inline constexpr char kVerificationsDb[] = "provider_verifications";
// mdb_env_set_maxdbs: the databases above with room for later versions and migrations.
inline constexpr unsigned kMaxDbs = 32;

struct Schema {
  lmdb::Dbi meta;
  lmdb::Dbi providers;
  lmdb::Dbi providersByOrg;
  lmdb::Dbi numbers;
  lmdb::Dbi numbersBySid;
  lmdb::Dbi numbersByE164;
  lmdb::Dbi numbersByProvider;
  lmdb::Dbi numbersByOrg;
  lmdb::Dbi numbersByAgent;
  lmdb::Dbi agents;
  lmdb::Dbi agentsByOrg;
  lmdb::Dbi attachJournal;
  lmdb::Dbi idempotencyKeys;
  lmdb::Dbi idempotencyByTime;
  lmdb::Dbi importJobs;
  lmdb::Dbi importJobSids;
  lmdb::Dbi importJobErrors;
  lmdb::Dbi verifications;

  // The version the environment had before openSchema (0: it was empty).
  uint32_t foundVersion = 0;
};

// Inside `txn` (the start-up write transaction): reads the stored schema version, refuses
// one newer than Store::kSchemaVersion, runs the migration steps from the stored version
// to the current one, records the current version and opens every database. `where` names
// the environment in error messages. Nothing is changed unless the caller commits.
Schema openSchema(MDB_txn* txn, std::string_view where);

}  // namespace gw::store
