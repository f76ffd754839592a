#pragma once
#include <cstdint>
#include <string>

namespace gw {

// UTC wall-clock time as "2026-11-26T19:51:30.123Z" (what API records carry).
std::string toIso8601(int64_t unixMillis);
int64_t nowUnixMillis();

}  // namespace gw
