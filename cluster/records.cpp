#include "cluster/records.hpp"

#include "store/codec.hpp"
#include "store/secret_box.hpp"
#include "store/store.hpp"

namespace gw::cluster {

std::string encodeProvider(const store::Provider& provider, const store::SecretBox* box) {
  return store::codec::encode(provider, box);
}

store::Provider decodeProvider(std::string_view bytes, const store::SecretBox* box) {
  return store::codec::decodeProvider(bytes, box);
}

std::string encodeAgent(const store::Agent& agent) {
  return store::codec::encode(agent);
}

store::Agent decodeAgent(std::string_view bytes) {
  return store::codec::decodeAgent(bytes);
}

std::string encodeNumber(const store::PhoneNumber& number) {
  return store::codec::encode(number);
}

store::PhoneNumber decodeNumber(std::string_view bytes) {
  return store::codec::decodeNumber(bytes);
}

std::string encodeVerification(const store::Verification& verification) {
  return store::codec::encode(verification);
}

store::Verification decodeVerification(std::string_view providerId, std::string_view bytes) {
  return store::codec::decodeVerification(providerId, bytes);
}

}  // namespace gw::cluster
