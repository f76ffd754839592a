#pragma once
// Import jobs (import_jobs, import_job_sids, import_job_errors; see schema.hpp): an import of
// many SIDs that runs in the background in chunks, with its progress recorded in the
// transaction that stores each chunk's numbers, so that a restart resumes it exactly where
// the last committed chunk left it. Works on the raw transaction behind the Store's ReadView
// or WriteTxn.
#include <lmdb.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/import_job.hpp"
#include "store/lmdb_dbi.hpp"
#include "store/schema.hpp"

namespace gw::store {

class ImportJobTable {
 public:
  ImportJobTable() = default;
  explicit ImportJobTable(const Schema& s)
      : jobs_(s.importJobs), sids_(s.importJobSids), errors_(s.importJobErrors) {}

  void put(MDB_txn* txn, const ImportJob& job) const;
  std::optional<ImportJob> get(MDB_txn* txn, std::string_view id) const;
  // Every job, in id order.
  std::vector<ImportJob> all(MDB_txn* txn) const;
  // A new job's SIDs, `chunkSize` to a value.
  void putSids(MDB_txn* txn, std::string_view jobId, const std::vector<std::string>& sids,
               uint32_t chunkSize) const;
  // The SIDs of chunk `index` (empty past the last one).
  std::vector<std::string> chunk(MDB_txn* txn, std::string_view jobId, uint64_t index) const;
  // Errors are numbered from 0 in the order they were reported; `first` is the number of
  // errors[0].
  void putErrors(MDB_txn* txn, std::string_view jobId, uint64_t first,
                 const std::vector<ImportJobError>& errors) const;
  std::vector<ImportJobError> errors(MDB_txn* txn, std::string_view jobId, uint64_t skip,
                                     uint64_t take) const;
  // Deletes a job's SIDs (a finished job needs them no more); how many chunks went.
  size_t dropSids(MDB_txn* txn, std::string_view jobId) const;
  // Deletes at most `max` jobs that finished before `beforeMs`, with their SIDs and errors;
  // how many went.
  size_t purgeFinished(MDB_txn* txn, int64_t beforeMs, size_t max) const;

 private:
  lmdb::Dbi jobs_;
  lmdb::Dbi sids_;
  lmdb::Dbi errors_;
};

}  // namespace gw::store
