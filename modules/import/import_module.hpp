#pragma once
// The import module: Twilio providers, number import and imported numbers, registered into
// the admin listener's router at start-up.
#include <memory>

#include "gateway/http/router.hpp"
#include "modules/import/import_api.hpp"
#include "modules/import/import_metrics.hpp"
#include "modules/import/import_service.hpp"
#include "modules/admin/context.hpp"
#include "modules/import/number_api.hpp"
#include "modules/import/provider_api.hpp"

namespace gw::import {

class ImportModule {
 public:
  explicit ImportModule(admin::Context ctx, ImportOptions options = {})
      : ctx_(ctx),
        service_(ctx_, options, &importMetrics_),  // only its address: constructed next
        providers_(ctx_, service_),
        imports_(service_, ctx_.idempotency),
        numbers_(ctx_) {}

  void registerRoutes(http::Router& router) {
    providers_.registerRoutes(router);
    imports_.registerRoutes(router);
    numbers_.registerRoutes(router);
  }

  // Sweeps, in the background, what interrupted imports left in the attachment journal;
  // call once the control io_context is about to run.
  void startJournalSweep() { service_.startSweeper(); }

  const ImportMetrics& metrics() const { return importMetrics_; }

 private:
  admin::Context ctx_;
  ImportService service_;
  ImportMetrics importMetrics_;
  ProviderApi providers_;
  ImportApi imports_;
  NumberApi numbers_;
};

}  // namespace gw::import
