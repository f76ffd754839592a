#pragma once
// An import job and its per-SID errors, as stored (store/import_job_table.hpp).
#include <chrono>
#include <cstdint>
#include <string>

namespace gw::store {

// How long a finished job (its record and its errors) is kept after it finished. Its SIDs go
// when it finishes.
inline constexpr std::chrono::hours kFinishedImportJobRetention{24 * 30};

enum class ImportJobState : uint8_t { kQueued, kRunning, kSucceeded, kFailed, kCancelled };

struct ImportJob {
  std::string id;
  std::string orgId;
  std::string providerId;
  ImportJobState state = ImportJobState::kQueued;
  uint64_t total = 0;         // SIDs requested, repeats included
  uint64_t done = 0;          // SIDs settled, in request order: the first `done` of them
  uint64_t successCount = 0;  // imported
  uint64_t failedCount = 0;   // not imported; each has an entry in import_job_errors
  uint32_t chunkSize = 0;     // SIDs per chunk (each import_job_sids value holds one chunk)
  int64_t createdMs = 0;
  int64_t startedMs = 0;   // 0: not started
  int64_t finishedMs = 0;  // 0: not finished
  std::string error;       // why a failed or cancelled job stopped; empty otherwise

  bool finished() const {
    return state == ImportJobState::kSucceeded || state == ImportJobState::kFailed ||
           state == ImportJobState::kCancelled;
  }
};

struct ImportJobError {
  std::string phoneNumberSid;
  std::string errorMessage;
};

}  // namespace gw::store
