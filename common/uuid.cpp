#include "common/uuid.hpp"

#include <array>
#include <random>

namespace gw {
namespace {

// 0..15 for hex digits, 0xff for anything else.
constexpr std::array<uint8_t, 256> kHexTable = [] {
  std::array<uint8_t, 256> t{};
  t.fill(0xff);
  for (int c = '0'; c <= '9'; ++c) t[c] = static_cast<uint8_t>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c) t[c] = static_cast<uint8_t>(c - 'a' + 10);
  for (int c = 'A'; c <= 'F'; ++c) t[c] = static_cast<uint8_t>(c - 'A' + 10);
  return t;
}();

// Where each byte's two digits start in the 36-character form.
constexpr std::array<uint8_t, 16> kByteOffsets = {0,  2,  4,  6,  9,  11, 14, 16,
                                                  19, 21, 24, 26, 28, 30, 32, 34};

}  // namespace

std::optional<UuidBytes> parseUuid(std::string_view text) {
  // Start-up parses three ids per stored number: table-driven, no branches per digit.
  if (text.size() != 36 || text[8] != '-' || text[13] != '-' || text[18] != '-' || text[23] != '-')
    return std::nullopt;
  UuidBytes out;
  uint8_t bad = 0;
  for (size_t i = 0; i < 16; ++i) {
    uint8_t hi = kHexTable[static_cast<uint8_t>(text[kByteOffsets[i]])];
    uint8_t lo = kHexTable[static_cast<uint8_t>(text[kByteOffsets[i] + 1])];
    bad |= static_cast<uint8_t>(hi | lo);
    out[i] = static_cast<uint8_t>((hi << 4) | (lo & 0x0f));
  }
  if (bad & 0xf0) return std::nullopt;
  return out;
}

bool isUuid(std::string_view text) {
  return parseUuid(text).has_value();
}

std::string formatUuid(const UuidBytes& b) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(36);
  for (size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
    s += kHex[b[i] >> 4];
    s += kHex[b[i] & 0xf];
  }
  return s;
}

std::string newUuid() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  UuidBytes b;
  for (size_t i = 0; i < b.size(); i += 8) {
    uint64_t r = rng();
    for (size_t j = 0; j < 8; ++j) b[i + j] = static_cast<uint8_t>(r >> (8 * j));
  }
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  return formatUuid(b);
}

}  // namespace gw
