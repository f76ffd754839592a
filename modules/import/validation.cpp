#include "modules/import/validation.hpp"

#include <array>

namespace gw::import {

bool isLowerHex(std::string_view text, size_t length) {
  if (text.size() != length) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool isSid(std::string_view text, std::string_view prefix) {
  return text.size() == 34 && text.substr(0, 2) == prefix && isLowerHex(text.substr(2), 32);
}

bool isKnownRegion(std::string_view region) {
  static constexpr std::array<std::string_view, 8> kRegions = {"us1", "us2", "ie1", "de1",
                                                               "au1", "jp1", "br1", "sg1"};
  for (auto r : kRegions) {
    if (r == region) return true;
  }
  return false;
}

}  // namespace gw::import
