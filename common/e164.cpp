#include "common/e164.hpp"

namespace gw {

bool isE164(std::string_view t) {
  if (t.size() < 2 || t.size() > 16 || t[0] != '+' || t[1] == '0') return false;
  for (size_t i = 1; i < t.size(); ++i) {
    if (t[i] < '0' || t[i] > '9') return false;
  }
  return true;
}

std::optional<uint64_t> normalizedE164Key(std::string_view t) {
  size_t i = !t.empty() && t[0] == '+' ? 1 : 0;
  uint64_t key = 0;
  int digits = 0;
  for (; i < t.size(); ++i) {
    const char c = t[i];
    if (c >= '0' && c <= '9') {
      if (digits == 0 && c == '0') return std::nullopt;  // E.164 never starts with 0
      if (++digits > 15) return std::nullopt;
      key = key * 10 + static_cast<uint64_t>(c - '0');
    } else if (c != ' ' && c != '.' && c != '-' && c != '(' && c != ')' && c != '/') {
      return std::nullopt;
    }
  }
  if (digits == 0) return std::nullopt;
  return key;
}

std::optional<std::string> normalizeE164(std::string_view t) {
  auto key = normalizedE164Key(t);
  if (!key) return std::nullopt;
  return e164FromKey(*key);
}

std::optional<uint64_t> e164Key(std::string_view t) {
  if (!isE164(t)) return std::nullopt;
  uint64_t key = 0;
  for (size_t i = 1; i < t.size(); ++i) key = key * 10 + static_cast<uint64_t>(t[i] - '0');
  return key;
}

std::string e164FromKey(uint64_t key) {
  return "+" + std::to_string(key);
}

}  // namespace gw
