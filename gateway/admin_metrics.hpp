#pragma once
// Admin API requests for GET /metrics: counts by route pattern, method and status, and a
// latency histogram by route pattern and method. Fed by the admin listener's observer
// (http::Server::setObserver); control thread only.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

#include "common/metrics.hpp"

namespace gw::gateway {

class AdminMetrics {
 public:
  // `route` is the matched pattern ("" when none matched: labelled "none"); a method the
  // API does not use is labelled "other", so a client cannot grow the label set.
  void record(std::string_view method, std::string_view route, int status,
              std::chrono::steady_clock::duration took);
  void write(metrics::Exposition& out) const;

 private:
  using Key = std::pair<std::string, std::string>;  // route, method
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;
  std::map<Key, metrics::Histogram> latency_;
};

}  // namespace gw::gateway
