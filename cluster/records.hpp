#pragma once
// Placeholder until the records codec lands: the store's codec.
#include <string>

#include "store/codec.hpp"
#include "store/records.hpp"

namespace gw::cluster {
inline std::string encodeProvider(const store::Provider& p, const store::SecretBox* box) {
  return store::codec::encode(p, box);
}
inline std::string encodeAgent(const store::Agent& a) { return store::codec::encode(a); }
inline std::string encodeNumber(const store::PhoneNumber& n) { return store::codec::encode(n); }
inline std::string encodeVerification(const store::Verification& v) { return v.providerId; }
}  // namespace gw::cluster
