#pragma once
// The one way untrusted JSON (admin request bodies, Twilio responses) is parsed into a
// RapidJSON DOM: iteratively, so nesting cannot exhaust the thread's stack; with a bound
// on nesting depth, so a deep document is refused with a clear message instead of being
// built; and with every string and key checked to be valid UTF-8 (RapidJSON turns a lone
// "\uDC00" escape into bytes that are not), so nothing stored or echoed breaks a JSON
// response. Pure functions: any thread.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

namespace gw::json {

// Deeper than any document the gateway reads or accepts (the admin API's bodies nest 3
// levels, Twilio's pages 4).
inline constexpr unsigned kMaxDepth = 64;

struct ParseError {
  enum class Kind { kSyntax, kTooDeep, kInvalidUtf8 };
  Kind kind = Kind::kSyntax;
  size_t offset = 0;    // byte offset in the input where parsing stopped
  std::string message;  // what was wrong, e.g. "nests deeper than 64 levels (at byte 65)"
};

// Parses `text` into `doc`. On error `doc` is left null and the error says what was wrong.
std::optional<ParseError> parse(rapidjson::Document& doc, std::string_view text,
                                unsigned maxDepth = kMaxDepth);

}  // namespace gw::json
