#pragma once
// The values of the data/ keys in etcd (keyspace.hpp): the bytes the LMDB store keeps for the
// same record, so a node's replica and its store agree byte for byte. Providers are sealed
// with the store's SecretBox (auth token encrypted, provider id as associated data): every
// node of a cluster is started with the same master key file. Verifications are the store's
// JSON, without the provider id, which the key names.
//
// Decoding throws store::StoreError on bytes that are not a record, and store::SecretError
// when a provider's token cannot be opened with this node's key.
#include <string>
#include <string_view>

#include "store/records.hpp"

namespace gw::store {
class SecretBox;
}

namespace gw::cluster {

std::string encodeProvider(const store::Provider& provider, const store::SecretBox* box);
store::Provider decodeProvider(std::string_view bytes, const store::SecretBox* box);

std::string encodeAgent(const store::Agent& agent);
store::Agent decodeAgent(std::string_view bytes);

std::string encodeNumber(const store::PhoneNumber& number);
store::PhoneNumber decodeNumber(std::string_view bytes);

std::string encodeVerification(const store::Verification& verification);
store::Verification decodeVerification(std::string_view providerId, std::string_view bytes);

}  // namespace gw::cluster
