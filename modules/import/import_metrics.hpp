#pragma once
// What imports did, for GET /metrics: each import request by outcome, the numbers imported
// and every per-SID error by kind. Control thread only, like the imports themselves.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "modules/import/import_service.hpp"

namespace gw::metrics {
class Exposition;
}

namespace gw::import {

// The kind of a per-SID error message of an import result (import_service.cpp writes
// them): "duplicate", "already_imported", "not_found", "lookup_failed", "attach_failed",
// "credentials_rejected", "provider_deleted", "store_failed", "deadline",
// "twilio_unreachable", or "other" for a message no rule knows.
std::string_view errorKindOf(std::string_view message);

class ImportMetrics {
 public:
  // One answered import: "succeeded" (every SID), "partial", "failed" (none imported),
  // "credentials_rejected" (502) or "store_full" (507).
  void record(const ImportOutcome& outcome);
  void write(metrics::Exposition& out) const;

  const std::map<std::string, uint64_t, std::less<>>& requests() const { return requests_; }
  const std::map<std::string, uint64_t, std::less<>>& errors() const { return errors_; }
  uint64_t imported() const { return imported_; }

 private:
  std::map<std::string, uint64_t, std::less<>> requests_;
  std::map<std::string, uint64_t, std::less<>> errors_;
  uint64_t imported_ = 0;
};

}  // namespace gw::import
