#pragma once
// The keyed MAC the gateway writes into its Record-Route URIs, so that it follows only the
// record-routes it issued itself (RFC 3261 16.12 gives a proxy no other way to tell its own
// Route from one a peer wrote). SipHash-2-4: a PRF made for short inputs, no allocation, no
// library; 64-bit tags are enough against online forgery, where every guess costs a
// request and is counted. Pure functions of the key: any thread.
#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>

namespace gw::sip {

// 128 bits. Kept in the data directory (sip-route-key), so that the record-routes of calls
// in progress stay valid across a restart.
using RouteKey = std::array<uint8_t, 16>;

// SipHash-2-4 of the pieces, each preceded by its length (so ("ab","c") != ("a","bc")).
uint64_t routeMac(const RouteKey& key, std::initializer_list<std::string_view> pieces);

// SipHash-2-4 of `bytes` exactly as the reference defines it (for its test vectors).
uint64_t sipHash24(const RouteKey& key, std::string_view bytes);

// 32 hex digits (the key file's content, surrounding white space ignored); nullopt if not.
std::optional<RouteKey> parseRouteKey(std::string_view hex);

}  // namespace gw::sip
