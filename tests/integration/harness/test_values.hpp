#pragma once
// Random but well-formed identifiers and secrets for the black-box tests, and the redaction
// of every secret handed out before any text reaches the test log.
#include <string>
#include <string_view>

namespace gw::integration {

std::string randomHex(size_t length);
// prefix + 32 lowercase hex characters: the shape of every Twilio SID the gateway accepts.
std::string randomSid(std::string_view prefix);
std::string randomUuid();

// A Twilio account as the emulator knows it. The token is registered as a secret.
struct TwilioAccount {
  std::string sid;
  std::string token;
};
TwilioAccount randomAccount();
// An admin API token (>= 16 characters), registered as a secret.
std::string randomAdminToken();

// Secrets are process-wide: once registered, redact() replaces them in any text.
void registerSecret(std::string secret);
std::string redact(std::string text);
// True when `text` holds any registered secret.
bool containsSecret(std::string_view text);

}  // namespace gw::integration
