#include "tools/twilio_emulator/fault_plan.hpp"

#include <algorithm>

namespace gw::emulator {

void FaultPlan::add(Fault fault) {
  if (fault.remaining > 0) pending_.push_back(std::move(fault));
}

std::optional<ApiError> FaultPlan::take(const std::string& route) {
  auto it = std::find_if(pending_.begin(), pending_.end(),
                         [&](const Fault& f) { return f.route == route; });
  if (it == pending_.end()) return std::nullopt;
  ApiError error = it->error;
  if (--it->remaining == 0) pending_.erase(it);
  return error;
}

int defaultErrorCode(int status) {
  switch (status) {
    case 401:
      return 20003;
    case 400:
      return 20001;
    default:
      return 20000 + status;
  }
}

std::string defaultErrorMessage(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Authenticate";
    case 403:
      return "Forbidden";
    case 404:
      return "The requested resource was not found";
    case 409:
      return "Conflict";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "HTTP error " + std::to_string(status);
  }
}

}  // namespace gw::emulator
