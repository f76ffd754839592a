#include "modules/import/import_job_service.hpp"

#include <algorithm>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "async/task_group.hpp"
#include "common/clock.hpp"
#include "common/log.hpp"
#include "common/uuid.hpp"
#include "store/store.hpp"

namespace gw::import {

using boost::asio::awaitable;
using store::ImportJob;
using store::ImportJobState;

namespace {

constexpr char kDuplicate[] = "Duplicate in request";
constexpr char kProviderGone[] = "Provider was deleted during the import";

std::optional<ImportJob> jobOf(const store::Store& db, const store::ReadView& view,
                               const std::string& id) {
  return db.getImportJob(view, id);
}

// The job's progress once `chunk` (the SIDs from job.done on) is settled: fates[i] is the
// fate of chunk[i] (nullopt: imported).
admin::ChangeSet::ImportJobWrite progressOf(ImportJob job, const std::vector<std::string>& chunk,
                                            const std::vector<std::optional<std::string>>& fates) {
  admin::ChangeSet::ImportJobWrite w;
  w.firstError = job.failedCount;
  for (size_t i = 0; i < chunk.size(); ++i) {
    if (fates[i]) {
      w.errors.push_back({chunk[i], *fates[i]});
    } else {
      ++job.successCount;
    }
  }
  job.failedCount += w.errors.size();
  job.done += chunk.size();
  w.job = std::move(job);
  return w;
}

}  // namespace

const char* stateName(ImportJobState state) {
  switch (state) {
    case ImportJobState::kQueued:
      return "queued";
    case ImportJobState::kRunning:
      return "running";
    case ImportJobState::kSucceeded:
      return "succeeded";
    case ImportJobState::kFailed:
      return "failed";
    case ImportJobState::kCancelled:
      return "cancelled";
  }
  return "failed";
}

ImportJobService::ImportJobService(admin::Context& ctx, ImportService& imports,
                                   ImportJobOptions options)
    : ctx_(ctx), imports_(imports), options_(options) {}
ImportJobService::~ImportJobService() = default;

awaitable<admin::Result<ImportJob>> ImportJobService::create(const store::Provider& provider,
                                                             const std::vector<std::string>& sids) {
  ImportJob job;
  job.id = newUuid();
  job.orgId = provider.orgId;
  job.providerId = provider.id;
  job.total = sids.size();
  job.chunkSize = std::max<uint32_t>(1, options_.chunkSize);
  job.createdMs = nowUnixMillis();
  // Counted in the commit that stores the job, so two requests at once cannot both pass.
  size_t unfinished = 0;
  co_await ctx_.writes.commit([&](const store::ReadView& view, admin::ChangeSet& change) {
    unfinished = 0;
    for (const auto& j : ctx_.store.listImportJobs(view)) {
      if (j.orgId == job.orgId && !j.finished()) ++unfinished;
    }
    if (unfinished < kMaxUnfinishedJobsPerOrg) change.importJobs.push_back({job, sids, {}, 0});
  });
  if (unfinished >= kMaxUnfinishedJobsPerOrg) {
    co_return admin::DomainError::of(
        admin::Fault::kConflict,
        "This organization already has " + std::to_string(unfinished) +
            " import jobs queued or running, the most it may have at once; nothing was queued. "
            "Wait for one to finish (GET /api/v1/import-jobs), or cancel one (DELETE "
            "/api/v1/import-jobs/{id}), then send this request again.");
  }
  log::info("import-jobs", "job ", job.id, " of provider ", provider.id, ": queued ", job.total,
            " SIDs");
  startRunner(provider.id);
  co_return job;
}

admin::Result<ImportJobPage> ImportJobService::get(const std::string& org, const std::string& id,
                                                   const admin::Paging& errors) const {
  if (!isUuid(id)) return admin::DomainError::invalid("id", "The import job id must be a UUID.");
  auto txn = ctx_.store.read();
  auto job = jobOf(ctx_.store, txn, id);
  // Another org's job is indistinguishable from a missing one.
  if (!job || job->orgId != org) {
    return admin::DomainError::of(admin::Fault::kNotFound, "No import job with id " + id + ".");
  }
  ImportJobPage page{std::move(*job), {}};
  page.errors = ctx_.store.importJobErrors(txn, id, errors.skip, errors.take);
  return page;
}

std::pair<std::vector<ImportJob>, uint64_t> ImportJobService::list(
    const std::string& org, const admin::Paging& paging) const {
  std::vector<ImportJob> jobs;
  {
    auto txn = ctx_.store.read();
    for (auto& j : ctx_.store.listImportJobs(txn)) {
      if (j.orgId == org) jobs.push_back(std::move(j));
    }
  }
  std::sort(jobs.begin(), jobs.end(), [](const ImportJob& a, const ImportJob& b) {
    return a.createdMs != b.createdMs ? a.createdMs > b.createdMs : a.id < b.id;
  });
  const uint64_t total = jobs.size();
  const auto first = std::min<uint64_t>(paging.skip, total);
  const auto last = std::min<uint64_t>(total, first + paging.take);
  return {std::vector<ImportJob>(jobs.begin() + first, jobs.begin() + last), total};
}

awaitable<admin::Result<ImportJob>> ImportJobService::cancel(const std::string& org,
                                                             const std::string& id) {
  auto found = get(org, id, admin::Paging{0, 0});
  if (!found) co_return found.error();
  const ImportJob& job = found->job;
  if (!job.finished()) {
    co_await finish(id, ImportJobState::kCancelled, "");
    log::info("import-jobs", "job ", id, ": cancelled after ", job.done, " of ", job.total,
              " SIDs");
  }
  // The chunk in flight finishes (stored and counted, or not stored at all) before the answer.
  if (auto it = runners_.find(job.providerId); it != runners_.end() && it->second.jobId == id) {
    auto left = it->second.left;
    co_await left->wait();
  }
  auto txn = ctx_.store.read();
  co_return *jobOf(ctx_.store, txn, id);
}

awaitable<void> ImportJobService::failJobsOf(const std::string& providerId,
                                             const std::string& reason) {
  const int64_t now = nowUnixMillis();
  co_await ctx_.writes.commit([&](const store::ReadView& view, admin::ChangeSet& change) {
    for (auto& j : ctx_.store.listImportJobs(view)) {
      if (j.providerId != providerId || j.finished()) continue;
      j.state = ImportJobState::kFailed;
      j.error = reason;
      j.finishedMs = now;
      change.importJobs.push_back({std::move(j), {}, {}, 0});
    }
  });
}

void ImportJobService::resume() {
  std::vector<std::string> providers;
  {
    auto txn = ctx_.store.read();
    for (const auto& j : ctx_.store.listImportJobs(txn)) {
      if (!j.finished()) providers.push_back(j.providerId);
    }
  }
  for (const auto& p : providers) startRunner(p);
}

void ImportJobService::startRunner(const std::string& providerId) {
  if (!runners_.emplace(providerId, Runner{}).second) return;  // it takes the new job too
  boost::asio::co_spawn(ctx_.io, runProvider(providerId), boost::asio::detached);
}

std::optional<ImportJob> ImportJobService::nextJob(const std::string& providerId) const {
  std::optional<ImportJob> next;
  auto txn = ctx_.store.read();
  for (auto& j : ctx_.store.listImportJobs(txn)) {
    if (j.providerId != providerId || j.finished()) continue;
    if (!next || j.createdMs < next->createdMs) next = std::move(j);
  }
  return next;
}

awaitable<void> ImportJobService::runProvider(std::string providerId) {
  while (auto job = nextJob(providerId)) {
    Runner& runner = runners_[providerId];
    runner.jobId = job->id;
    runner.left = std::make_shared<async::Event>(ctx_.io.get_executor());
    auto left = runner.left;
    bool finished = false;
    try {
      co_await runJob(*job);
      auto txn = ctx_.store.read();
      auto now = jobOf(ctx_.store, txn, job->id);
      finished = !now || now->finished();
    } catch (const std::exception& e) {
      log::error("import-jobs", "job ", job->id, ": ", e.what(),
                 "; it resumes when gatewayd restarts");
    }
    runners_[providerId].jobId.clear();
    left->set();
    if (!finished) break;  // the store refused its progress: not spun on
  }
  runners_.erase(providerId);
}

awaitable<void> ImportJobService::runJob(ImportJob job) {
  if (job.state == ImportJobState::kQueued) co_await markStarted(job.id);
  log::info("import-jobs", "job ", job.id, ": running from ", job.done, " of ", job.total, " SIDs");
  // Where each SID first occurs, for the repeats (in this chunk or an earlier one).
  std::unordered_map<std::string, uint64_t> firstSeen;
  {
    auto txn = ctx_.store.read();
    for (uint64_t c = 0; c * job.chunkSize < job.done; ++c) {
      uint64_t pos = c * job.chunkSize;
      for (auto& sid : ctx_.store.importJobChunk(txn, job.id, c)) firstSeen.emplace(sid, pos++);
    }
  }
  while (co_await runChunk(job, firstSeen)) {
  }
}

awaitable<void> ImportJobService::markStarted(const std::string& jobId) {
  co_await ctx_.writes.commit([&](const store::ReadView& view, admin::ChangeSet& change) {
    auto j = jobOf(ctx_.store, view, jobId);
    if (!j || j->state != ImportJobState::kQueued) return;
    j->state = ImportJobState::kRunning;
    j->startedMs = nowUnixMillis();
    change.importJobs.push_back({std::move(*j), {}, {}, 0});
  });
}

awaitable<void> ImportJobService::finish(const std::string& jobId, ImportJobState state,
                                         const std::string& error) {
  co_await ctx_.writes.commit([&](const store::ReadView& view, admin::ChangeSet& change) {
    auto j = jobOf(ctx_.store, view, jobId);
    if (!j || j->finished()) return;
    j->state = state;
    j->error = error;
    j->finishedMs = nowUnixMillis();
    change.importJobs.push_back({std::move(*j), {}, {}, 0});
  });
}

awaitable<bool> ImportJobService::runChunk(const ImportJob& started,
                                           std::unordered_map<std::string, uint64_t>& firstSeen) {
  std::optional<ImportJob> job;
  std::optional<store::Provider> provider;
  std::vector<std::string> chunk;
  {
    auto txn = ctx_.store.read();
    job = jobOf(ctx_.store, txn, started.id);
    if (!job || job->finished()) co_return false;
    provider = ctx_.store.getProvider(txn, job->providerId);
    chunk = ctx_.store.importJobChunk(txn, job->id, job->done / job->chunkSize);
  }
  if (job->done >= job->total) {
    co_await finish(job->id, ImportJobState::kSucceeded, "");
    log::info("import-jobs", "job ", job->id, ": imported ", job->successCount, " of ", job->total,
              " SIDs, ", job->failedCount, " failed");
    co_return false;
  }
  if (!provider) {
    co_await finish(job->id, ImportJobState::kFailed, kProviderGone);
    co_return false;
  }
  // The first occurrence of each SID goes to the import; repeats fail here.
  std::vector<std::string> toRun;
  std::vector<std::optional<std::string>> fates(chunk.size());
  std::vector<size_t> runAt;  // chunk position of each SID of toRun
  for (size_t i = 0; i < chunk.size(); ++i) {
    auto [it, first] = firstSeen.emplace(chunk[i], job->done + i);
    if (!first && it->second != job->done + i) {
      fates[i] = kDuplicate;
      continue;
    }
    toRun.push_back(chunk[i]);
    runAt.push_back(i);
  }
  const std::string jobId = job->id;
  const RecordFates record = [&](const store::ReadView& view, admin::ChangeSet& change,
                                 const std::vector<std::optional<std::string>>& ran) {
    auto now = jobOf(ctx_.store, view, jobId);
    if (!now || now->done != job->done) return;  // recorded already: cannot happen
    auto all = fates;
    for (size_t k = 0; k < ran.size(); ++k) all[runAt[k]] = ran[k];
    change.importJobs.push_back(progressOf(std::move(*now), chunk, all));
  };
  ImportOutcome out;
  if (toRun.empty()) {
    co_await ctx_.writes.commit(
        [&](const store::ReadView& v, admin::ChangeSet& c) { record(v, c, {}); });
  } else {
    out = co_await imports_.run(*provider, toRun, {}, &record);
  }
  co_return co_await afterChunk(*job, out);
}

awaitable<bool> ImportJobService::afterChunk(const ImportJob& before, const ImportOutcome& out) {
  std::optional<ImportJob> now;
  {
    auto txn = ctx_.store.read();
    now = jobOf(ctx_.store, txn, before.id);
  }
  if (!now || now->finished()) co_return false;  // cancelled, or its provider deleted
  if (now->done > before.done) co_return true;
  // Nothing of the chunk was recorded: the job cannot go on.
  std::string why = "The chunk from SID " + std::to_string(before.done) + " was not recorded.";
  if (out.credentialsRejected) {
    why = "Twilio rejected the provider's credentials (" + out.credentialsRejected->describe() +
          "). Update the provider's auth token and import the SIDs not imported again.";
  } else if (!out.errors.empty()) {
    why = out.errors.front().errorMessage;
  }
  log::warn("import-jobs", "job ", before.id, ": failed after ", before.done, " of ", before.total,
            " SIDs: ", why);
  co_await finish(before.id, ImportJobState::kFailed, why);
  co_return false;
}

}  // namespace gw::import
