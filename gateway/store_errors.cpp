#include "gateway/store_errors.hpp"

#include <chrono>

#include "common/log.hpp"
#include "common/log_throttle.hpp"
#include "modules/admin/write_path.hpp"
#include "store/store.hpp"

namespace gw::gateway {

std::optional<http::Response> storeErrorResponse(const std::exception& error,
                                                 const http::Request& req) {
  if (dynamic_cast<const admin::WriteUnavailableError*>(&error) != nullptr) {
    static log::Throttle throttle(std::chrono::minutes(1));  // as below, a line a minute
    if (uint64_t left = 0; throttle.allow(left)) {
      log::warn("gatewayd", req.method, " ", req.path, " refused with 503: ", error.what(),
                left ? " (" + std::to_string(left) + " more since the last line)" : "");
    }
    auto r = http::Response::problem(
        503,
        std::string(error.what()) +
            " GET /readyz says \"writes\":\"available\" again once this node reaches etcd; "
            "calls to imported numbers keep being routed meanwhile.",
        req.path);
    r.set("Retry-After", "5");
    return r;
  }
  if (dynamic_cast<const store::StoreFullError*>(&error) == nullptr) return std::nullopt;
  // Every refused write would log the same line: once a minute is enough to see the cause
  // and keeps a client that retries from flooding the log.
  using Clock = std::chrono::steady_clock;
  static Clock::time_point lastLogged;
  static bool logged = false;
  const auto now = Clock::now();
  if (!logged || now - lastLogged >= std::chrono::minutes(1)) {
    logged = true;
    lastLogged = now;
    log::error("gatewayd", req.method, " ", req.path, " refused with 507: ", error.what());
  }
  return http::Response::problem(
      507,
      "The store is full, so nothing was changed. An operator must restart gatewayd with a "
      "larger --store-map-size or free disk space; deleting data this org no longer needs "
      "also makes room.",
      req.path);
}

}  // namespace gw::gateway
