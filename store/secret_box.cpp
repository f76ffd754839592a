#include "store/secret_box.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace gw::store {
namespace {

constexpr size_t kIdBytes = 4;
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

CipherCtx newCtx() {
  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  if (!ctx) throw std::runtime_error("OpenSSL: cannot allocate a cipher context");
  return ctx;
}

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* bytes(std::string& s) {
  return reinterpret_cast<unsigned char*>(s.data());
}

std::string randomBytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(bytes(out), static_cast<int>(n)) != 1) {
    throw std::runtime_error("OpenSSL: the random generator failed");
  }
  return out;
}

void putId(std::string& out, uint32_t id) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((id >> (8 * i)) & 0xff));
}

std::string hexOf(std::string_view raw) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += kHex[c >> 4];
    out += kHex[c & 0xf];
  }
  return out;
}

std::optional<std::string> rawOfHex(std::string_view hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi << 4 | lo));
  }
  return out;
}

Error fileError(const std::string& path, const std::string& what) {
  return Error{0, "master key file " + path + ": " + what};
}

}  // namespace

SecretBox::SecretBox(std::map<uint32_t, Key> keys) : keys_(std::move(keys)) {
  if (keys_.empty()) throw std::invalid_argument("SecretBox needs at least one key");
  for (const auto& [id, key] : keys_) {
    if (key.size() != kKeyBytes) throw std::invalid_argument("SecretBox: a key is not 32 bytes");
  }
}

SecretBox::Key SecretBox::generateKey() {
  return randomBytes(kKeyBytes);
}

std::optional<uint32_t> SecretBox::keyIdOf(std::string_view sealed) {
  if (sealed.size() < kIdBytes + kNonceBytes + kTagBytes) return std::nullopt;
  uint32_t id = 0;
  for (size_t i = 0; i < kIdBytes; ++i) {
    id |= static_cast<uint32_t>(static_cast<uint8_t>(sealed[i])) << (8 * i);
  }
  return id;
}

std::string SecretBox::seal(std::string_view plaintext, std::string_view aad) const {
  const uint32_t id = currentKeyId();
  const Key& key = keys_.rbegin()->second;
  std::string out;
  out.reserve(kIdBytes + kNonceBytes + plaintext.size() + kTagBytes);
  putId(out, id);
  out += randomBytes(kNonceBytes);  // 96 random bits: unique for far more values than stored

  auto ctx = newCtx();
  int len = 0;
  bool ok =
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, bytes(key),
                         bytes(std::string_view(out).substr(kIdBytes))) == 1 &&
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes(aad), static_cast<int>(aad.size())) == 1;
  const size_t head = out.size();
  out.resize(head + plaintext.size() + kTagBytes);
  unsigned char* cipher = bytes(out) + head;
  ok = ok && EVP_EncryptUpdate(ctx.get(), cipher, &len, bytes(plaintext),
                               static_cast<int>(plaintext.size())) == 1;
  int tail = 0;
  ok = ok && EVP_EncryptFinal_ex(ctx.get(), cipher + len, &tail) == 1 &&
       EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, cipher + plaintext.size()) ==
           1;
  if (!ok) throw std::runtime_error("OpenSSL: AES-256-GCM encryption failed");
  return out;
}

Result<std::string> SecretBox::open(std::string_view sealed, std::string_view aad) const {
  auto id = keyIdOf(sealed);
  if (!id) return Error{0, "the encrypted value is truncated"};
  auto key = keys_.find(*id);
  if (key == keys_.end()) {
    return Error{0, "the value is encrypted with key " + std::to_string(*id) +
                        ", which is not in the master key file"};
  }
  std::string_view nonce = sealed.substr(kIdBytes, kNonceBytes);
  std::string_view cipher =
      sealed.substr(kIdBytes + kNonceBytes, sealed.size() - kIdBytes - kNonceBytes - kTagBytes);
  std::string tag(sealed.substr(sealed.size() - kTagBytes));

  auto ctx = newCtx();
  std::string out(cipher.size(), '\0');
  int len = 0;
  bool ok =
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, bytes(key->second), bytes(nonce)) == 1 &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes(aad), static_cast<int>(aad.size())) == 1 &&
      EVP_DecryptUpdate(ctx.get(), bytes(out), &len, bytes(cipher),
                        static_cast<int>(cipher.size())) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) == 1;
  int tail = 0;
  // The tag check: a changed byte, another key or another record's identity all fail here.
  ok = ok && EVP_DecryptFinal_ex(ctx.get(), bytes(out) + len, &tail) == 1;
  if (!ok) {
    return Error{0, "the encrypted value does not authenticate under key " + std::to_string(*id) +
                        " (altered, or copied from another record)"};
  }
  return out;
}

Result<std::map<uint32_t, SecretBox::Key>> loadKeyFile(const std::string& path, bool create) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (!create) return fileError(path, "does not exist");
    std::map<uint32_t, SecretBox::Key> keys{{1, SecretBox::generateKey()}};
    if (auto r = writeKeyFile(path, keys); !r) return r.error();
    return keys;
  }
  std::ifstream in(path);
  if (!in) return fileError(path, std::string("cannot be read: ") + std::strerror(errno));
  std::map<uint32_t, SecretBox::Key> keys;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    std::istringstream fields(line);
    std::string idText, hex, extra;
    fields >> idText;
    if (idText.empty() || idText[0] == '#') continue;
    fields >> hex >> extra;
    uint32_t id = 0;
    bool idOk = idText.size() <= 9 && idText.find_first_not_of("0123456789") == std::string::npos;
    if (idOk) id = static_cast<uint32_t>(std::stoul(idText));
    auto raw = rawOfHex(hex);
    if (!idOk || id == 0 || !raw || raw->size() != SecretBox::kKeyBytes || !extra.empty()) {
      return fileError(path,
                       "line " + std::to_string(n) + " is not '<key id from 1> <64 hex digits>'");
    }
    if (!keys.emplace(id, std::move(*raw)).second) {
      return fileError(path, "key id " + std::to_string(id) + " appears twice");
    }
  }
  if (keys.empty()) return fileError(path, "holds no key");
  return keys;
}

Result<void> writeKeyFile(const std::string& path, const std::map<uint32_t, SecretBox::Key>& keys) {
  std::string content =
      "# gatewayd master keys: '<key id> <AES-256 key in hex>'. The highest id encrypts;\n"
      "# the others only decrypt values not yet re-encrypted by 'gatewayd rotate-key'.\n";
  for (const auto& [id, key] : keys) content += std::to_string(id) + " " + hexOf(key) + "\n";
  const std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return fileError(path, "cannot create " + tmp + ": " + std::strerror(errno));
  bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    return fileError(path, "cannot be written: " + why);
  }
  std::string dir = std::filesystem::path(path).parent_path().string();
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

}  // namespace gw::store
