#pragma once
// Twilio resource representations, field for field as in Twilio's OpenAPI examples
// (twilio_api_v2010.json, twilio_trunking_v1.json). The 2010 API writes dates in RFC 2822
// and relative `uri`s; Trunking v1 writes ISO 8601 dates and absolute `url`s.
#include <cstdint>
#include <string>
#include <string_view>

#include "tools/twilio_emulator/json_out.hpp"
#include "tools/twilio_emulator/state.hpp"

namespace gw::emulator {

inline constexpr std::string_view kApiVersion = "2010-04-01";

// "Thu, 30 Jul 2015 23:19:04 +0000"
std::string rfc2822Date(int64_t unixSeconds);
// "2015-01-02T11:23:45Z"
std::string iso8601Date(int64_t unixSeconds);
// "+12012000000"
std::string e164Text(uint64_t phone);
// Twilio's default friendly name: "(201) 200-0000" for NANP numbers, else the E.164 text.
std::string friendlyPhoneName(uint64_t phone);

std::string accountUri(const Account& account);  // /2010-04-01/Accounts/AC....json
std::string numberUri(const Account& account, const Sid128& numberSid);

void writeAccount(JsonOut& out, const Account& account);
// `trunk` is the number's trunk or nullptr.
void writeIncomingNumber(JsonOut& out, const Account& account, const NumberRecord& number,
                         const Trunk* trunk);

// `baseUrl` ("http://127.0.0.1:8089") stands in for https://trunking.twilio.com and
// https://api.twilio.com in absolute URLs, so that clients following them reach the emulator.
void writeTrunk(JsonOut& out, const Trunk& trunk, std::string_view baseUrl);
void writeOriginationUrl(JsonOut& out, const Trunk& trunk, const OriginationUrl& url,
                         std::string_view baseUrl);
void writeTrunkPhoneNumber(JsonOut& out, const Trunk& trunk, const NumberRecord& number,
                           std::string_view baseUrl);

}  // namespace gw::emulator
