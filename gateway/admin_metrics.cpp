#include "gateway/admin_metrics.hpp"

#include <array>

namespace gw::gateway {

namespace {

std::string_view methodLabel(std::string_view method) {
  static constexpr std::array<std::string_view, 7> kKnown = {"GET",   "HEAD",   "POST",   "PUT",
                                                             "PATCH", "DELETE", "OPTIONS"};
  for (std::string_view m : kKnown) {
    if (m == method) return m;
  }
  return "other";
}

}  // namespace

void AdminMetrics::record(std::string_view method, std::string_view route, int status,
                          std::chrono::steady_clock::duration took) {
  std::string r = route.empty() ? std::string("none") : std::string(route);
  std::string m(methodLabel(method));
  ++requests_[{r, m, status}];
  latency_[{std::move(r), std::move(m)}].observe(std::chrono::duration<double>(took).count());
}

void AdminMetrics::write(metrics::Exposition& out) const {
  using T = metrics::Exposition::Type;
  out.family("gateway_admin_requests_total", T::kCounter,
             "Admin HTTP requests answered, by route pattern, method and status (route "
             "\"none\": no route matched the path, or the request was not valid HTTP).");
  for (const auto& [key, n] : requests_) {
    const auto& [route, method, status] = key;
    const std::string code = std::to_string(status);
    out.sample("gateway_admin_requests_total",
               {{"route", route}, {"method", method}, {"status", code}}, n);
  }
  out.family("gateway_admin_request_duration_seconds", T::kHistogram,
             "Time from receiving an admin request whole to queueing its response.");
  for (const auto& [key, h] : latency_) {
    out.histogram("gateway_admin_request_duration_seconds",
                  {{"route", key.first}, {"method", key.second}}, h);
  }
}

}  // namespace gw::gateway
