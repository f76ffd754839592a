#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gw {

// 16 raw bytes; the text form is the canonical lowercase 8-4-4-4-12.
using UuidBytes = std::array<uint8_t, 16>;

// A random (version 4) UUID in text form.
std::string newUuid();
bool isUuid(std::string_view text);
std::optional<UuidBytes> parseUuid(std::string_view text);
std::string formatUuid(const UuidBytes& bytes);

}  // namespace gw
