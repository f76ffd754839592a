#pragma once
// HTTP Basic credentials (RFC 7617), as Twilio's API takes them: AccountSid:AuthToken.
#include <optional>
#include <string>
#include <string_view>

namespace gw::emulator {

struct BasicCredentials {
  std::string user;
  std::string password;
};

// Parses an Authorization header value ("Basic QUM...=="); nullopt when it is not valid
// Basic credentials.
std::optional<BasicCredentials> parseBasicAuth(std::string_view headerValue);

// Standard base64 with padding; nullopt on any invalid character or length.
std::optional<std::string> decodeBase64(std::string_view in);
std::string encodeBase64(std::string_view in);

}  // namespace gw::emulator
