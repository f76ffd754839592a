#pragma once
// Encryption of secrets at rest (the providers' Twilio auth tokens): AES-256-GCM through
// OpenSSL, a fresh random 96-bit nonce per value, and the record's identity as associated
// data, so that a sealed value neither reads back altered nor moved to another record.
//
// A sealed value is: key id (4 bytes, little-endian) | nonce (12) | ciphertext | tag (16).
// The key id names the key it was sealed with, so keys can be rotated: a SecretBox holds
// the current key, which seals, and older keys, which only open what is not re-sealed yet.
//
// The master key file holds the keys as text, one `<key id> <64 hex digits>` line each,
// '#' comments and blank lines ignored; the highest id is the current key. It is created
// with mode 0600. Immutable once built: any thread may call seal() and open().
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace gw::store {

class SecretBox {
 public:
  static constexpr size_t kKeyBytes = 32;
  using Key = std::string;  // kKeyBytes raw bytes

  // Keys by id; the highest is the current one. Empty `keys` is not a valid box.
  explicit SecretBox(std::map<uint32_t, Key> keys);

  std::string seal(std::string_view plaintext, std::string_view aad) const;
  // Fails with a message naming what went wrong (unknown key id, tampered or moved value),
  // never the value.
  Result<std::string> open(std::string_view sealed, std::string_view aad) const;
  // The key id a sealed value names; nullopt when too short to be one.
  static std::optional<uint32_t> keyIdOf(std::string_view sealed);

  uint32_t currentKeyId() const { return keys_.rbegin()->first; }
  const std::map<uint32_t, Key>& keys() const { return keys_; }

  // A new random key from OpenSSL's CSPRNG.
  static Key generateKey();

 private:
  std::map<uint32_t, Key> keys_;
};

// Reads the key file at `path`. When it does not exist and `create` is set, it is created
// (0600) with one new key, id 1. The error says which file and what is wrong with it.
Result<std::map<uint32_t, SecretBox::Key>> loadKeyFile(const std::string& path, bool create);
// Replaces the key file atomically (a 0600 temporary file, fsync, rename, fsync of the
// directory): a crash leaves the old file or the new one, never a mix.
Result<void> writeKeyFile(const std::string& path, const std::map<uint32_t, SecretBox::Key>& keys);

}  // namespace gw::store
