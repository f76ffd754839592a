#pragma once
// Failures asked for through the control routes: the next N requests to one Twilio route
// ("<METHOD> <route pattern>", as /emulator/stats names it) are answered with a chosen
// error status in Twilio's error shape, before the route's handler runs, so a failed
// request changes nothing. The control API adds faults and the gate takes them, both on
// the emulator's one io_context thread.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tools/twilio_emulator/api_error.hpp"

namespace gw::emulator {

struct Fault {
  std::string route;  // "DELETE /v1/Trunks/{Sid}"
  ApiError error;
  uint64_t remaining = 1;  // requests still to fail
};

class FaultPlan {
 public:
  // The gate names every Twilio route it serves, so faults for unknown routes are refused.
  void knowRoute(std::string route) { routes_.insert(std::move(route)); }
  bool knows(const std::string& route) const { return routes_.count(route) != 0; }
  const std::set<std::string>& routes() const { return routes_; }

  // Faults on one route are served in the order they were added.
  void add(Fault fault);
  // The error the next request to `route` must get, if a fault is pending for it.
  std::optional<ApiError> take(const std::string& route);
  void clear() { pending_.clear(); }
  const std::vector<Fault>& pending() const { return pending_; }

 private:
  std::set<std::string> routes_;
  std::vector<Fault> pending_;
};

// Twilio's code for an error status where one is known (20003, 20404, 20429, 20500,
// 20503); otherwise 20000 + status, Twilio's 20xxx = HTTP status habit.
int defaultErrorCode(int status);
// The HTTP reason phrase Twilio's generic errors carry as their message.
std::string defaultErrorMessage(int status);

}  // namespace gw::emulator
