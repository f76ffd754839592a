#include "tools/twilio_emulator/request_stats.hpp"

#include <algorithm>

#include "tools/twilio_emulator/json_out.hpp"

namespace gw::emulator {

void RequestStats::started() {
  ++inFlight_;
  inFlightMax_ = std::max(inFlightMax_, inFlight_);
}

void RequestStats::finished(const std::string& route, int status) {
  if (inFlight_ > 0) --inFlight_;
  ++byRoute_[route][status];
  ++total_;
}

void RequestStats::reset() {
  byRoute_.clear();
  total_ = 0;
  inFlightMax_ = inFlight_;  // requests still in flight keep counting
}

uint64_t RequestStats::count(const std::string& route, int status) const {
  auto it = byRoute_.find(route);
  if (it == byRoute_.end()) return 0;
  auto s = it->second.find(status);
  return s == it->second.end() ? 0 : s->second;
}

std::string RequestStats::toJson() const {
  JsonOut out;
  out.startObject();
  out.key("requests");
  out.startObject();
  for (const auto& [route, statuses] : byRoute_) {
    out.key(route);
    out.startObject();
    for (const auto& [status, n] : statuses) out.field(std::to_string(status), n);
    out.endObject();
  }
  out.endObject();
  out.field("total", total_);
  out.field("inFlightMax", static_cast<uint64_t>(inFlightMax_));
  out.endObject();
  return out.take();
}

}  // namespace gw::emulator
