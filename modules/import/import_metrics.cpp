#include "modules/import/import_metrics.hpp"

#include <array>
#include <utility>

#include "common/metrics.hpp"

namespace gw::import {

namespace {

bool startsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}
bool contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

// Every kind, so that each series exists from the first scrape (rate() needs a zero).
constexpr std::array<std::string_view, 11> kKinds = {
    "duplicate",       "already_imported", "not_found",    "lookup_failed",
    "attach_failed",   "credentials_rejected", "provider_deleted", "store_failed",
    "deadline",        "twilio_unreachable", "other"};
constexpr std::array<std::string_view, 5> kOutcomes = {"succeeded", "partial", "failed",
                                                       "credentials_rejected", "store_full"};

}  // namespace

std::string_view errorKindOf(std::string_view m) {
  // The order matters where messages share words: the specific reasons come first.
  if (m == "Duplicate in request") return "duplicate";
  if (startsWith(m, "Already imported")) return "already_imported";
  if (m == "Not found") return "not_found";
  if (startsWith(m, "Twilio rejected the provider's credentials")) return "credentials_rejected";
  if (startsWith(m, "Provider was deleted")) return "provider_deleted";
  if (contains(m, "could not store") || contains(m, "could not record")) return "store_failed";
  if (contains(m, "deadline")) return "deadline";
  if (startsWith(m, "Twilio did not respond")) return "twilio_unreachable";
  if (startsWith(m, "Twilio lookup failed")) return "lookup_failed";
  if (startsWith(m, "Trunk attachment failed")) return "attach_failed";
  return "other";
}

void ImportMetrics::record(const ImportOutcome& outcome) {
  std::string_view result;
  if (outcome.credentialsRejected) {
    result = "credentials_rejected";
  } else if (outcome.storeFull && outcome.successCount == 0) {
    result = "store_full";
  } else if (outcome.errors.empty()) {
    result = "succeeded";
  } else {
    result = outcome.successCount > 0 ? "partial" : "failed";
  }
  ++requests_[std::string(result)];
  imported_ += outcome.successCount;
  for (const ImportFailure& f : outcome.errors) ++errors_[std::string(errorKindOf(f.errorMessage))];
}

void ImportMetrics::write(metrics::Exposition& out) const {
  using T = metrics::Exposition::Type;
  auto count = [](const auto& m, std::string_view key) {
    auto it = m.find(key);
    return it == m.end() ? uint64_t{0} : it->second;
  };
  out.family("gateway_import_requests_total", T::kCounter,
             "Answered import requests by outcome: succeeded (every SID), partial, failed (no "
             "SID imported), credentials_rejected (502), store_full (507).");
  for (std::string_view o : kOutcomes) {
    out.sample("gateway_import_requests_total", {{"outcome", o}}, count(requests_, o));
  }
  out.family("gateway_import_numbers_imported_total", T::kCounter,
             "Numbers imported (stored and routed) by import requests.");
  out.sample("gateway_import_numbers_imported_total", {}, imported_);
  out.family("gateway_import_sid_errors_total", T::kCounter,
             "SIDs of import requests that were not imported, by kind of error.");
  for (std::string_view k : kKinds) {
    out.sample("gateway_import_sid_errors_total", {{"kind", k}}, count(errors_, k));
  }
}

}  // namespace gw::import
