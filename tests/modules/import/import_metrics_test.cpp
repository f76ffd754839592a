// Import figures for GET /metrics: the outcome of each import and the kind of each per-SID
// error, from the messages ImportService writes.
#include "modules/import/import_metrics.hpp"

#include <gtest/gtest.h>

#include "common/metrics.hpp"

namespace gw::import {
namespace {

TEST(ImportMetricsTest, KindsOfTheServiceMessages) {
  EXPECT_EQ(errorKindOf("Duplicate in request"), "duplicate");
  EXPECT_EQ(errorKindOf("Already imported"), "already_imported");
  EXPECT_EQ(errorKindOf("Already imported by provider 1234"), "already_imported");
  EXPECT_EQ(errorKindOf("Already imported by another organization"), "already_imported");
  EXPECT_EQ(errorKindOf("Not found"), "not_found");
  EXPECT_EQ(errorKindOf("Twilio lookup failed: 500 20500 Internal"), "lookup_failed");
  EXPECT_EQ(errorKindOf("Twilio lookup failed: the number has no E.164 phone_number"),
            "lookup_failed");
  EXPECT_EQ(errorKindOf("Trunk attachment failed: attached to another trunk TK1"), "attach_failed");
  EXPECT_EQ(errorKindOf("Provider was deleted during the import"), "provider_deleted");
  EXPECT_EQ(errorKindOf("Twilio rejected the provider's credentials during the import (401)"),
            "credentials_rejected");
  EXPECT_EQ(errorKindOf("The gateway could not store the number (full): not imported."),
            "store_failed");
  EXPECT_EQ(errorKindOf("Not attached: the gateway could not record the attachment (x)."),
            "store_failed");
  EXPECT_EQ(errorKindOf("The import's deadline (30 min) passed before this number was on the "
                        "trunk"),
            "deadline");
  EXPECT_EQ(errorKindOf("Another import of this number was still running when this import's "
                        "deadline (30 min) passed"),
            "deadline");
  EXPECT_EQ(errorKindOf("Twilio did not respond for account AC1 (no response)"),
            "twilio_unreachable");
  EXPECT_EQ(errorKindOf("something new"), "other");
}

TEST(ImportMetricsTest, OutcomesAndErrorsAreCounted) {
  ImportMetrics m;
  ImportOutcome all;
  all.successCount = 2;
  m.record(all);
  ImportOutcome partial;
  partial.successCount = 1;
  partial.errors = {{"PN1", "Not found"}, {"PN2", "Duplicate in request"}};
  m.record(partial);
  ImportOutcome none;
  none.errors = {{"PN3", "Not found"}};
  m.record(none);
  ImportOutcome rejected;
  rejected.credentialsRejected = twilio::TwilioError{401, 20003, "Authenticate", {}};
  m.record(rejected);

  metrics::Exposition out;
  m.write(out);
  const std::string& t = out.text();
  for (const char* line : {"gateway_import_requests_total{outcome=\"succeeded\"} 1\n",
                           "gateway_import_requests_total{outcome=\"partial\"} 1\n",
                           "gateway_import_requests_total{outcome=\"failed\"} 1\n",
                           "gateway_import_requests_total{outcome=\"credentials_rejected\"} 1\n",
                           "gateway_import_requests_total{outcome=\"store_full\"} 0\n",
                           "gateway_import_numbers_imported_total 3\n",
                           "gateway_import_sid_errors_total{kind=\"not_found\"} 2\n",
                           "gateway_import_sid_errors_total{kind=\"duplicate\"} 1\n",
                           "gateway_import_sid_errors_total{kind=\"other\"} 0\n"}) {
    EXPECT_NE(t.find(line), std::string::npos) << line << "\nin:\n" << t;
  }
}

}  // namespace
}  // namespace gw::import
