#pragma once
// The import module: Twilio providers, number import and imported numbers, registered into
// the admin listener's router at start-up.
#include <memory>

#include "gateway/http/router.hpp"
#include "modules/admin/context.hpp"
#include "modules/import/import_api.hpp"
#include "modules/import/import_job_api.hpp"
#include "modules/import/import_job_service.hpp"
#include "modules/import/import_metrics.hpp"
#include "modules/import/import_service.hpp"
#include "modules/import/number_api.hpp"
#include "modules/import/provider_api.hpp"
#include "modules/import/verify_api.hpp"
#include "modules/import/verify_scheduler.hpp"
#include "modules/import/verify_service.hpp"

namespace gw::import {

class ImportModule {
 public:
  // `verifyInterval`: how often every provider is verified (0: only on request).
  explicit ImportModule(admin::Context ctx, ImportOptions options = {},
                        ImportJobOptions jobOptions = {},
                        std::chrono::milliseconds verifyInterval = {})
      : ctx_(ctx),
        service_(ctx_, options, &importMetrics_),  // only its address: constructed next
        jobs_(ctx_, service_, jobOptions),
        verify_(ctx_),
        providers_(ctx_, service_, &jobs_),
        imports_(service_, ctx_.idempotency, &verify_),
        jobsApi_(service_, jobs_, ctx_.idempotency),
        numbers_(ctx_),
        verifyApi_(verify_),
        scheduler_(ctx_, verify_, verifyInterval, kVerifyWidth) {}

  void registerRoutes(http::Router& router) {
    providers_.registerRoutes(router);
    imports_.registerRoutes(router);
    jobsApi_.registerRoutes(router);
    numbers_.registerRoutes(router);
    verifyApi_.registerRoutes(router);
  }

  // Verifies every provider now and then periodically, in the background; call once the
  // control io_context is about to run. With `gate`, only while it returns true (a cluster
  // node: while it leads).
  void startVerification(std::function<bool()> gate = {}) { scheduler_.start(std::move(gate)); }
  void stopVerification() { scheduler_.stop(); }

  // Sweeps, in the background, what interrupted imports left in the attachment journal;
  // call once the control io_context is about to run.
  void startJournalSweep() { service_.startSweeper(); }
  // Resumes, in the background, the import jobs a restart interrupted; call once the
  // control io_context is about to run.
  void resumeImportJobs() { jobs_.resume(); }

  const ImportMetrics& metrics() const { return importMetrics_; }

 private:
  // Periodic verifications running at once (each asks Twilio a few requests at a time).
  static constexpr size_t kVerifyWidth = 2;

  admin::Context ctx_;
  ImportService service_;
  ImportMetrics importMetrics_;
  ImportJobService jobs_;
  VerifyService verify_;
  ProviderApi providers_;
  ImportApi imports_;
  ImportJobApi jobsApi_;
  NumberApi numbers_;
  VerifyApi verifyApi_;
  VerifyScheduler scheduler_;
};

}  // namespace gw::import
