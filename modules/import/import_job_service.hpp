#pragma once
// Import jobs: an import of up to 100,000 SIDs that runs in the background, in chunks, through
// ImportService::run() (the same lookups, attachments, Twilio bounds and deadline as the
// synchronous import). Each chunk's progress (done, successCount, failedCount and its per-SID
// errors) is recorded in the commit that stores the chunk's numbers, so after a crash the job
// resumes at the first chunk not committed: no SID is counted twice and none is skipped. What
// the interrupted chunk had attached and not stored is in the attachment journal; the
// resumed chunk and the journal sweep claim SIDs the same way, so the one that comes second
// finds the other's work done (stored, or detached and attached again).
//
// One job runs at a time per provider, oldest first; jobs of different providers run side by
// side. Control thread only.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "modules/admin/context.hpp"
#include "modules/admin/domain_error.hpp"
#include "modules/admin/validation.hpp"
#include "modules/import/import_service.hpp"
#include "store/import_job.hpp"

namespace gw::async {
class Event;
}  // namespace gw::async

namespace gw::import {

struct ImportJobOptions {
  uint32_t chunkSize = 1000;  // SIDs per chunk: per commit, and per progress step
};

// A job and one page of its per-SID errors (in the order they were reported).
struct ImportJobPage {
  store::ImportJob job;
  std::vector<store::ImportJobError> errors;
};

// Jobs an org may have queued or running at once. Each holds up to 100,000 SIDs in the
// store until it finishes, so without a bound one tenant could fill the store, which every
// tenant shares, with queued work.
inline constexpr size_t kMaxUnfinishedJobsPerOrg = 10;

class ImportJobService {
 public:
  ImportJobService(admin::Context& ctx, ImportService& imports, ImportJobOptions options = {});
  ~ImportJobService();

  // Stores a queued job of `sids` (already validated) for `provider` and starts it.
  // kConflict, storing nothing, when the provider's org already has
  // kMaxUnfinishedJobsPerOrg jobs queued or running.
  boost::asio::awaitable<admin::Result<store::ImportJob>> create(
      const store::Provider& provider, const std::vector<std::string>& sids);
  // kInvalid ("id") when `id` is not a UUID, kNotFound when `org` has no such job.
  admin::Result<ImportJobPage> get(const std::string& org, const std::string& id,
                                   const admin::Paging& errors) const;
  // The org's jobs, newest first, and how many there are.
  std::pair<std::vector<store::ImportJob>, uint64_t> list(const std::string& org,
                                                          const admin::Paging& paging) const;
  // Cancels a queued or running job: no further chunk starts, the chunk in flight finishes
  // (its numbers stored and counted) before this answers. A finished job is answered as it is.
  boost::asio::awaitable<admin::Result<store::ImportJob>> cancel(const std::string& org,
                                                                 const std::string& id);
  // For a provider delete, before its imports are stopped: every unfinished job of the
  // provider fails with `reason`, so that no further chunk starts.
  boost::asio::awaitable<void> failJobsOf(const std::string& providerId, const std::string& reason);
  // Start-up: starts the runners of the jobs a restart interrupted.
  void resume();

 private:
  struct Runner {
    std::string jobId;                   // the job it works on now
    std::shared_ptr<async::Event> left;  // set when it leaves that job
  };

  void startRunner(const std::string& providerId);
  boost::asio::awaitable<void> runProvider(std::string providerId);
  // The oldest unfinished job of the provider.
  std::optional<store::ImportJob> nextJob(const std::string& providerId) const;
  boost::asio::awaitable<void> runJob(store::ImportJob job);
  // One chunk; false when the job must not go on (finished, or stopped with a reason).
  boost::asio::awaitable<bool> runChunk(const store::ImportJob& job,
                                        std::unordered_map<std::string, uint64_t>& firstSeen);
  // What follows a chunk: false when the job stops (finished, or nothing was recorded).
  boost::asio::awaitable<bool> afterChunk(const store::ImportJob& before, const ImportOutcome& out);
  // Records the job's new state (its counts as stored); throws what the store throws.
  boost::asio::awaitable<void> finish(const std::string& jobId, store::ImportJobState state,
                                      const std::string& error);
  boost::asio::awaitable<void> markStarted(const std::string& jobId);

  admin::Context& ctx_;
  ImportService& imports_;
  ImportJobOptions options_;
  std::unordered_map<std::string, Runner> runners_;  // by provider id
};

// "queued", "running", "succeeded", "failed", "cancelled".
const char* stateName(store::ImportJobState state);

}  // namespace gw::import
