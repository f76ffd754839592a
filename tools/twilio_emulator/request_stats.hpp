#pragma once
// Counts of Twilio API responses by "<METHOD> <route pattern>" and status, and the most
// Twilio API requests seen in flight at once. Served by GET /emulator/stats.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

namespace gw::emulator {

class RequestStats {
 public:
  void started();
  void finished(const std::string& route, int status);
  void reset();

  size_t inFlight() const { return inFlight_; }
  size_t inFlightMax() const { return inFlightMax_; }
  uint64_t total() const { return total_; }
  uint64_t count(const std::string& route, int status) const;

  // {"requests":{"GET /v1/Trunks":{"200":3}},"total":3,"inFlightMax":1}
  std::string toJson() const;

 private:
  std::map<std::string, std::map<int, uint64_t>> byRoute_;
  uint64_t total_ = 0;
  size_t inFlight_ = 0;
  size_t inFlightMax_ = 0;
};

}  // namespace gw::emulator
