#pragma once
// Record encoding: a format byte, then fields in a fixed order; strings are a 32-bit
// little-endian length and the bytes, times are 64-bit little-endian, flags one byte.
// Lists are a 32-bit little-endian count and the strings. A newer format byte is refused
// rather than misread; older formats that a migration may meet are still read.
#include <string>
#include <string_view>

#include "store/records.hpp"

namespace gw::store {
class SecretBox;
}

namespace gw::store::codec {

// Provider records of format 3 hold the auth token sealed by `box` (AES-256-GCM, the
// provider id as associated data). Without a box (stores opened by tests and tools that
// hold no key) format 2 is written, the token in clear text; gatewayd always has a box.
std::string encode(const Provider& p, const SecretBox* box);
// Throws StoreError when a sealed token cannot be opened (no box, unknown key, altered or
// moved record); the message names the provider, never the token.
Provider decodeProvider(std::string_view bytes, const SecretBox* box);
// The record with an empty auth token, which is neither opened nor needs a key: for readers
// that need no secret (the providers' trunks, their ids).
Provider decodeProviderWithoutToken(std::string_view bytes);
// The format byte of a provider record (0 when empty).
uint8_t providerFormat(std::string_view bytes);
inline constexpr uint8_t kSealedProviderFormat = 3;

std::string encode(const Provider& p);
std::string encode(const PhoneNumber& n);
std::string encode(const Agent& a);
std::string encode(const IdempotentAnswer& a);
// Throw StoreError on a truncated, overlong or unknown record.
Provider decodeProvider(std::string_view bytes);
PhoneNumber decodeNumber(std::string_view bytes);
Agent decodeAgent(std::string_view bytes);
IdempotentAnswer decodeIdempotentAnswer(std::string_view bytes);
// Decodes into `out`, reusing its strings' buffers: a scan over every number then
// allocates nothing once the buffers are large enough.
void decodeNumber(std::string_view bytes, PhoneNumber& out);

// A verification (provider_verifications) is JSON: {"status", "verifiedMs", "issues":
// [{code, message, phoneNumberSid, phoneNumberId}]}, without the provider id, which is the
// record's key; readers ignore members they do not know. The cluster keeps the same bytes.
std::string encode(const Verification& v);
// Throws StoreError when the bytes are not a JSON object.
Verification decodeVerification(std::string_view providerId, std::string_view bytes);

}  // namespace gw::store::codec
