#pragma once
// E.164 numbers: "+" and 1 to 15 digits, first digit not 0. The routing key is the digits
// read as an integer, which is unique because E.164 numbers never start with 0.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gw {

// Strict: exactly "+" followed by 1..15 digits, the first one non-zero.
bool isE164(std::string_view text);

// Lenient normalisation of what dial plans and SIP peers send: drops visual separators
// (space . - ( ) /), accepts a missing "+", refuses anything else.
std::optional<std::string> normalizeE164(std::string_view text);
// The routing key of normalizeE164(text), without building the string (the SIP hot path).
std::optional<uint64_t> normalizedE164Key(std::string_view text);

// Routing key of a strict E.164 number; nullopt when it is not one.
std::optional<uint64_t> e164Key(std::string_view text);
std::string e164FromKey(uint64_t key);

}  // namespace gw
