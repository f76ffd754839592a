// The exposition writer: the lines of text format 0.0.4 that promtool and Prometheus read.
// The integration test (tests/integration/metrics_test.cpp) runs promtool on a live scrape.
#include "common/metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>

namespace gw::metrics {
namespace {

TEST(MetricsTest, WritesHelpTypeAndSamples) {
  Exposition e;
  e.family("gateway_things_total", Exposition::Type::kCounter, "Things seen.");
  e.sample("gateway_things_total", {{"kind", "a"}, {"worker", "0"}}, uint64_t{3});
  e.sample("gateway_things_total", {}, uint64_t{0});
  EXPECT_EQ(e.text(),
            "# HELP gateway_things_total Things seen.\n"
            "# TYPE gateway_things_total counter\n"
            "gateway_things_total{kind=\"a\",worker=\"0\"} 3\n"
            "gateway_things_total 0\n");
}

TEST(MetricsTest, EscapesLabelValuesAndHelp) {
  Exposition e;
  e.family("gateway_x", Exposition::Type::kGauge, "a \\ b\nc \"q\"");
  e.sample("gateway_x", {{"route", "a\"b\\c\nd"}}, 1.5);
  EXPECT_EQ(e.text(),
            "# HELP gateway_x a \\\\ b\\nc \"q\"\n"
            "# TYPE gateway_x gauge\n"
            "gateway_x{route=\"a\\\"b\\\\c\\nd\"} 1.5\n");
}

TEST(MetricsTest, FormatsSpecialValues) {
  EXPECT_EQ(formatValue(0), "0");
  EXPECT_EQ(formatValue(42), "42");
  EXPECT_EQ(formatValue(-3), "-3");
  EXPECT_EQ(formatValue(0.0005), "0.0005");
  EXPECT_EQ(formatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(formatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(formatValue(std::nan("")), "NaN");
}

TEST(MetricsTest, HistogramBucketsAreCumulativeAndEndWithInf) {
  Histogram h;
  h.observe(0.000244140625);  // 2^-12, first bucket (binary fractions: the sum is exact)
  h.observe(0.00390625);      // 2^-8, le 0.005
  h.observe(100);     // above every bound: only +Inf
  Exposition e;
  e.family("gateway_t_seconds", Exposition::Type::kHistogram, "T.");
  e.histogram("gateway_t_seconds", {{"op", "x"}}, h);
  const std::string& t = e.text();
  EXPECT_NE(t.find("gateway_t_seconds_bucket{op=\"x\",le=\"0.0005\"} 1\n"), std::string::npos) << t;
  EXPECT_NE(t.find("gateway_t_seconds_bucket{op=\"x\",le=\"0.0025\"} 1\n"), std::string::npos) << t;
  EXPECT_NE(t.find("gateway_t_seconds_bucket{op=\"x\",le=\"0.005\"} 2\n"), std::string::npos) << t;
  EXPECT_NE(t.find("gateway_t_seconds_bucket{op=\"x\",le=\"15\"} 2\n"), std::string::npos) << t;
  EXPECT_NE(t.find("gateway_t_seconds_bucket{op=\"x\",le=\"+Inf\"} 3\n"), std::string::npos) << t;
  EXPECT_NE(t.find("gateway_t_seconds_sum{op=\"x\"} 100.004150390625\n"), std::string::npos) << t;
  EXPECT_NE(t.find("gateway_t_seconds_count{op=\"x\"} 3\n"), std::string::npos) << t;
}

TEST(MetricsTest, NegativeOrNanObservationCountsAsZero) {
  Histogram h;
  h.observe(-1);
  h.observe(std::nan(""));
  EXPECT_EQ(h.count(), 2u);
  EXPECT_EQ(h.buckets()[0], 2u);
  EXPECT_EQ(h.sum(), 0);
}

TEST(MetricsTest, RejectsInvalidNamesAndRepeatedFamilies) {
  Exposition e;
  EXPECT_THROW(e.family("1bad", Exposition::Type::kGauge, "x"), std::invalid_argument);
  EXPECT_THROW(e.family("bad-name", Exposition::Type::kGauge, "x"), std::invalid_argument);
  e.family("gateway_ok", Exposition::Type::kGauge, "x");
  EXPECT_THROW(e.family("gateway_ok", Exposition::Type::kGauge, "x"), std::invalid_argument);
  EXPECT_THROW(e.sample("gateway_ok", {{"bad label", "v"}}, 1.0), std::invalid_argument);
  EXPECT_TRUE(isValidName("gateway:rule_1"));
  EXPECT_FALSE(isValidName(""));
}

}  // namespace
}  // namespace gw::metrics
