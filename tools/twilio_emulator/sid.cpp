#include "tools/twilio_emulator/sid.hpp"

namespace gw::emulator {
namespace {

constexpr char kHex[] = "0123456789abcdef";

std::optional<uint64_t> parseHex64(std::string_view text) {
  uint64_t value = 0;
  for (char c : text) {
    uint64_t digit;
    if (c >= '0' && c <= '9') {
      digit = static_cast<uint64_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      digit = static_cast<uint64_t>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      digit = static_cast<uint64_t>(c - 'A' + 10);
    } else {
      return std::nullopt;
    }
    value = (value << 4) | digit;
  }
  return value;
}

void appendHex64(std::string& out, uint64_t value) {
  for (int shift = 60; shift >= 0; shift -= 4) out += kHex[(value >> shift) & 0xf];
}

}  // namespace

std::string formatSid(std::string_view prefix, const Sid128& sid) {
  std::string out;
  out.reserve(prefix.size() + 32);
  out += prefix;
  appendHex64(out, sid.hi);
  appendHex64(out, sid.lo);
  return out;
}

std::optional<Sid128> parseSid(std::string_view prefix, std::string_view text) {
  if (text.size() != prefix.size() + 32 || text.substr(0, prefix.size()) != prefix) {
    return std::nullopt;
  }
  auto hi = parseHex64(text.substr(prefix.size(), 16));
  auto lo = parseHex64(text.substr(prefix.size() + 16, 16));
  if (!hi || !lo) return std::nullopt;
  return Sid128{*hi, *lo};
}

uint64_t SidGenerator::next64() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

Sid128 SidGenerator::nextSid() {
  Sid128 sid;
  do {
    sid.hi = next64();
    sid.lo = next64();
  } while (sid.empty());  // the all-zero SID means "none" in compact records
  return sid;
}

double SidGenerator::nextUnit() {
  return static_cast<double>(next64() >> 11) * (1.0 / 9007199254740992.0);
}

}  // namespace gw::emulator
