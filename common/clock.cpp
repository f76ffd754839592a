#include "common/clock.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace gw {

int64_t nowUnixMillis() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string toIso8601(int64_t unixMillis) {
  std::time_t secs = static_cast<std::time_t>(unixMillis / 1000);
  int millis = static_cast<int>(unixMillis % 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf;
}

}  // namespace gw
