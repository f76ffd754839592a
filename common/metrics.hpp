#pragma once
// Prometheus text exposition format 0.0.4: the writer GET /metrics fills, and a latency
// histogram with fixed buckets. Neither is thread-safe: both live on the control thread
// (the SIP workers keep their own relaxed-atomic counters, read here only at a scrape).
#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gw::metrics {

inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

// Upper bounds in seconds, for every request latency the gateway measures: from a cached
// admin read (well under a millisecond) to a Twilio call that is retried until it times out.
inline constexpr std::array<double, 14> kLatencyBounds = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15};

// Counts of observations at or below each bound of kLatencyBounds (not cumulative here;
// the writer makes the buckets cumulative), their sum and count.
class Histogram {
 public:
  void observe(double seconds);
  const std::array<uint64_t, kLatencyBounds.size()>& buckets() const { return buckets_; }
  uint64_t count() const { return count_; }
  double sum() const { return sum_; }

 private:
  std::array<uint64_t, kLatencyBounds.size()> buckets_{};
  uint64_t count_ = 0;
  double sum_ = 0;
};

using Labels = std::vector<std::pair<std::string_view, std::string_view>>;

// Writes families one after the other: family() once per name, then its samples. Names
// and label names must match [a-zA-Z_:][a-zA-Z0-9_:]* (std::invalid_argument otherwise,
// a programming error); label values are escaped, so any text may be one.
class Exposition {
 public:
  enum class Type { kCounter, kGauge, kHistogram };

  // # HELP and # TYPE lines. A name given twice throws: Prometheus rejects the scrape.
  void family(std::string_view name, Type type, std::string_view help);
  void sample(std::string_view name, const Labels& labels, double value);
  void sample(std::string_view name, const Labels& labels, uint64_t value);
  // <name>_bucket{...,le="..."} for every bound and +Inf, then <name>_sum and <name>_count.
  void histogram(std::string_view name, const Labels& labels, const Histogram& h);

  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void line(std::string_view name, const Labels& labels, std::string_view extraName,
            std::string_view extraValue, std::string_view value);

  std::string out_;
  std::vector<std::string> families_;
};

// A metric-safe rendering of a double: integers without a fraction, +Inf, -Inf, NaN.
std::string formatValue(double v);
// Label value escaping of the text format: backslash, double quote and line feed.
std::string escapeLabelValue(std::string_view v);
bool isValidName(std::string_view name);

}  // namespace gw::metrics
