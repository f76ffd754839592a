#pragma once
// Record encoding: a format byte, then fields in a fixed order; strings are a 32-bit
// little-endian length and the bytes, times are 64-bit little-endian, flags one byte.
// Lists are a 32-bit little-endian count and the strings. A newer format byte is refused
// rather than misread; older formats that a migration may meet are still read.
#include <string>
#include <string_view>

#include "store/records.hpp"

namespace gw::store::codec {

std::string encode(const Provider& p);
std::string encode(const PhoneNumber& n);
std::string encode(const Agent& a);
// Throw StoreError on a truncated, overlong or unknown record.
Provider decodeProvider(std::string_view bytes);
PhoneNumber decodeNumber(std::string_view bytes);
Agent decodeAgent(std::string_view bytes);
// Decodes into `out`, reusing its strings' buffers: a scan over every number then
// allocates nothing once the buffers are large enough.
void decodeNumber(std::string_view bytes, PhoneNumber& out);

}  // namespace gw::store::codec
