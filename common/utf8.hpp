#pragma once
// Strict UTF-8 (RFC 3629) checks for text that reaches the store or a JSON response: no
// overlong forms, no UTF-16 surrogates, nothing above U+10FFFF. Header-only (the HTTP
// parser's fuzz target builds without gw_common); pure functions: any thread.
#include <cstddef>
#include <string>
#include <string_view>

namespace gw {
namespace utf8_detail {

// The length of the valid sequence starting at s[i], or 0 when none starts there.
inline size_t sequenceLength(std::string_view s, size_t i) {
  auto at = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = at(i);
  if (c < 0x80) return 1;
  size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte (RFC 3629's table)
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;  // overlong
    if (c == 0xED) hi = 0x9F;  // surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;  // overlong
    if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  if (at(i + 1) < lo || at(i + 1) > hi) return 0;
  for (size_t k = 2; k < len; ++k) {
    if ((at(i + k) & 0xC0) != 0x80) return 0;
  }
  return len;
}

}  // namespace utf8_detail

// The offset of the first byte that does not start a valid UTF-8 sequence, or npos.
inline size_t invalidUtf8Offset(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t n = utf8_detail::sequenceLength(s, i);
    if (n == 0) return i;
    i += n;
  }
  return std::string_view::npos;
}

// `s` with every byte that is not part of a valid sequence replaced by U+FFFD, so that text
// echoed from a peer can always be written as JSON.
inline std::string toValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t n = utf8_detail::sequenceLength(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

inline bool isValidUtf8(std::string_view s) {
  return invalidUtf8Offset(s) == std::string_view::npos;
}

}  // namespace gw
