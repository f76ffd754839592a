#include "harness/test_values.hpp"

#include <mutex>
#include <random>
#include <vector>

namespace gw::integration {
namespace {

std::mutex& randomMutex() {
  static std::mutex m;
  return m;
}

std::mt19937_64& engine() {
  static std::mt19937_64 e{std::random_device{}()};
  return e;
}

struct SecretRegistry {
  std::mutex mutex;
  std::vector<std::string> secrets;
};

SecretRegistry& registry() {
  static SecretRegistry r;
  return r;
}

}  // namespace

std::string randomHex(size_t length) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::lock_guard lock(randomMutex());
  std::string out;
  out.reserve(length);
  for (size_t i = 0; i < length; ++i) out += kHex[engine()() & 0xf];
  return out;
}

std::string randomSid(std::string_view prefix) {
  return std::string(prefix) + randomHex(32);
}

std::string randomUuid() {
  std::string h = randomHex(32);
  h[12] = '4';
  h[16] = "89ab"[h[16] % 4];
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

TwilioAccount randomAccount() {
  TwilioAccount a{randomSid("AC"), randomHex(32)};
  registerSecret(a.token);
  return a;
}

std::string randomAdminToken() {
  std::string t = "it-" + randomHex(40);
  registerSecret(t);
  return t;
}

void registerSecret(std::string secret) {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  r.secrets.push_back(std::move(secret));
}

std::string redact(std::string text) {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  for (const auto& s : r.secrets) {
    if (s.empty()) continue;
    for (size_t pos = text.find(s); pos != std::string::npos; pos = text.find(s, pos)) {
      text.replace(pos, s.size(), "<redacted>");
    }
  }
  return text;
}

bool containsSecret(std::string_view text) {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  for (const auto& s : r.secrets) {
    if (!s.empty() && text.find(s) != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace gw::integration
