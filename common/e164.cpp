#include "common/e164.hpp"

namespace gw {

bool isE164(std::string_view t) {
  if (t.size() < 2 || t.size() > 16 || t[0] != '+' || t[1] == '0') return false;
  for (size_t i = 1; i < t.size(); ++i) {
    if (t[i] < '0' || t[i] > '9') return false;
  }
  return true;
}

std::optional<std::string> normalizeE164(std::string_view t) {
  std::string out = "+";
  size_t i = 0;
  if (!t.empty() && t[0] == '+') i = 1;
  for (; i < t.size(); ++i) {
    char c = t[i];
    if (c >= '0' && c <= '9') {
      out += c;
    } else if (c == ' ' || c == '.' || c == '-' || c == '(' || c == ')' || c == '/') {
      continue;
    } else {
      return std::nullopt;
    }
  }
  if (!isE164(out)) return std::nullopt;
  return out;
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
