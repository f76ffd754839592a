#pragma once
// Field rules of the admin API, shared by every handler of the module.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gw::import {

// Two-letter prefix followed by 32 lowercase hex digits (Twilio SIDs as the API takes them).
bool isSid(std::string_view text, std::string_view prefix);
bool isLowerHex(std::string_view text, size_t length);
bool isKnownRegion(std::string_view region);

using FieldErrors = std::vector<std::pair<std::string, std::string>>;

}  // namespace gw::import
