#pragma once
// Template definitions of sip/uri.hpp; included by it, not on its own.
#include <string_view>
#include <type_traits>

namespace gw::sip {

namespace detail {

constexpr std::string_view trimLws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// RFC 3261 25.1 token characters (header names, methods, parameter names, transports).
constexpr bool isTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("-.!%*_+`'~").find(c) != std::string_view::npos;
}

}  // namespace detail

// Commas inside a quoted string (with backslash escapes) or between < and > do not split.
// Empty elements ("a,,b", a trailing comma) are skipped. `fn` may return void (never stops).
template <typename Fn>
bool forEachListElement(std::string_view value, Fn&& fn) {
  size_t start = 0;
  bool inQuotes = false;
  bool inAngle = false;
  for (size_t i = 0; i <= value.size(); ++i) {
    if (i == value.size() || (value[i] == ',' && !inQuotes && !inAngle)) {
      const std::string_view element = detail::trimLws(value.substr(start, i - start));
      start = i + 1;
      if (element.empty()) continue;
      if constexpr (std::is_void_v<std::invoke_result_t<Fn&, std::string_view>>) {
        fn(element);
      } else {
        if (!fn(element)) return false;
      }
      continue;
    }
    const char c = value[i];
    if (inQuotes) {
      if (c == '\\') {
        if (i + 1 < value.size()) ++i;  // skip the escaped character, even a quote
      } else if (c == '"') {
        inQuotes = false;
      }
    } else if (c == '"') {
      inQuotes = true;
    } else if (c == '<') {
      inAngle = true;
    } else if (c == '>') {
      inAngle = false;
    }
  }
  return true;
}

}  // namespace gw::sip
