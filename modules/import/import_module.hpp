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

namespace gw::import {

class ImportModule {
 public:
  explicit ImportModule(admin::Context ctx, ImportOptions options = {},
                        ImportJobOptions jobOptions = {})
      : ctx_(ctx),
        service_(ctx_, options, &importMetrics_),  // only its address: constructed next
        jobs_(ctx_, service_, jobOptions),
        providers_(ctx_, service_, &jobs_),
        imports_(service_, ctx_.idempotency),
        jobsApi_(service_, jobs_, ctx_.idempotency),
        numbers_(ctx_) {}

  void registerRoutes(http::Router& router) {
    providers_.registerRoutes(router);
    imports_.registerRoutes(router);
    jobsApi_.registerRoutes(router);
    numbers_.registerRoutes(router);
  }

  // Sweeps, in the background, what interrupted imports left in the attachment journal;
  // call once the control io_context is about to run.
  void startJournalSweep() { service_.startSweeper(); }
  // Resumes, in the background, the import jobs a restart interrupted; call once the
  // control io_context is about to run.
  void resumeImportJobs() { jobs_.resume(); }

  const ImportMetrics& metrics() const { return importMetrics_; }

 private:
  admin::Context ctx_;
  ImportService service_;
  ImportMetrics importMetrics_;
  ImportJobService jobs_;
  ProviderApi providers_;
  ImportApi imports_;
  ImportJobApi jobsApi_;
  NumberApi numbers_;
};

}  // namespace gw::import
