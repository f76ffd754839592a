#include "tools/twilio_emulator/resource_json.hpp"

#include <array>
#include <cstdio>
#include <ctime>

namespace gw::emulator {
namespace {

// Twilio's default voice URL for a new number; the gateway ignores it once the number is
// on a trunk, as Twilio does.
constexpr std::string_view kDefaultVoiceUrl = "https://demo.twilio.com/welcome/voice/";

std::tm utc(int64_t unixSeconds) {
  const auto secs = static_cast<std::time_t>(unixSeconds);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}

std::string trunkUrl(const Trunk& trunk, std::string_view baseUrl) {
  return std::string(baseUrl) + "/v1/Trunks/" + formatSid(kTrunkPrefix, trunk.sid);
}

}  // namespace

std::string rfc2822Date(int64_t unixSeconds) {
  static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::tm tm = utc(unixSeconds);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

std::string iso8601Date(int64_t unixSeconds) {
  const std::tm tm = utc(unixSeconds);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string e164Text(uint64_t phone) {
  return "+" + std::to_string(phone);
}

std::string friendlyPhoneName(uint64_t phone) {
  const std::string digits = std::to_string(phone);
  if (digits.size() != 11 || digits[0] != '1') return "+" + digits;
  return "(" + digits.substr(1, 3) + ") " + digits.substr(4, 3) + "-" + digits.substr(7);
}

std::string accountUri(const Account& account) {
  return "/2010-04-01/Accounts/" + account.sidText + ".json";
}

std::string numberUri(const Account& account, const Sid128& numberSid) {
  return "/2010-04-01/Accounts/" + account.sidText + "/IncomingPhoneNumbers/" +
         formatSid(kNumberPrefix, numberSid) + ".json";
}

void writeAccount(JsonOut& out, const Account& account) {
  const std::string prefix = "/2010-04-01/Accounts/" + account.sidText + "/";
  const std::string created = rfc2822Date(account.created);
  out.startObject();
  // Twilio returns the account's auth token here. The emulator never echoes a secret back
  // (responses end up in logs and test output); the schema marks the field nullable.
  out.nullField("auth_token");
  out.field("date_created", created);
  out.field("date_updated", created);
  out.field("friendly_name", account.friendlyName);
  out.field("owner_account_sid", account.sidText);
  out.field("sid", account.sidText);
  out.field("status", "active");
  out.key("subresource_uris");
  out.startObject();
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 20> kSubresources = {{
      {"available_phone_numbers", "AvailablePhoneNumbers.json"},
      {"calls", "Calls.json"},
      {"conferences", "Conferences.json"},
      {"incoming_phone_numbers", "IncomingPhoneNumbers.json"},
      {"notifications", "Notifications.json"},
      {"outgoing_caller_ids", "OutgoingCallerIds.json"},
      {"recordings", "Recordings.json"},
      {"transcriptions", "Transcriptions.json"},
      {"addresses", "Addresses.json"},
      {"signing_keys", "SigningKeys.json"},
      {"connect_apps", "ConnectApps.json"},
      {"sip", "SIP.json"},
      {"authorized_connect_apps", "AuthorizedConnectApps.json"},
      {"usage", "Usage.json"},
      {"keys", "Keys.json"},
      {"applications", "Applications.json"},
      {"short_codes", "SMS/ShortCodes.json"},
      {"queues", "Queues.json"},
      {"messages", "Messages.json"},
      {"balance", "Balance.json"},
  }};
  for (const auto& [name, path] : kSubresources) out.field(name, prefix + std::string(path));
  out.endObject();
  out.field("type", "Full");
  out.field("uri", accountUri(account));
  out.endObject();
}

void writeIncomingNumber(JsonOut& out, const Account& account, const NumberRecord& number,
                         const Trunk* trunk) {
  const std::string sid = formatSid(kNumberPrefix, number.sid);
  const std::string uri = numberUri(account, number.sid);
  out.startObject();
  out.field("account_sid", account.sidText);
  out.field("address_requirements", "none");
  out.nullField("address_sid");
  out.field("api_version", kApiVersion);
  out.field("beta", false);
  out.key("capabilities");
  out.startObject();
  out.field("voice", (number.capabilities & kVoice) != 0);
  out.field("sms", (number.capabilities & kSms) != 0);
  out.field("mms", (number.capabilities & kMms) != 0);
  out.field("fax", (number.capabilities & kFax) != 0);
  out.endObject();
  out.field("date_created", rfc2822Date(number.created));
  out.field("date_updated", rfc2822Date(number.updated));
  out.field("emergency_status", "Inactive");
  out.nullField("emergency_address_sid");
  out.field("emergency_address_status", "unregistered");
  out.field("friendly_name", friendlyPhoneName(number.phone));
  out.nullField("identity_sid");
  out.field("origin", "twilio");
  out.field("phone_number", e164Text(number.phone));
  out.field("sid", sid);
  out.field("sms_application_sid", "");
  out.field("sms_fallback_method", "POST");
  out.field("sms_fallback_url", "");
  out.field("sms_method", "POST");
  out.field("sms_url", "");
  out.field("status_callback", "");
  out.field("status_callback_method", "POST");
  if (trunk != nullptr) {
    out.field("trunk_sid", formatSid(kTrunkPrefix, trunk->sid));
  } else {
    out.nullField("trunk_sid");
  }
  out.field("uri", uri);
  out.field("voice_application_sid", "");
  out.field("voice_caller_id_lookup", false);
  out.field("voice_fallback_method", "POST");
  out.nullField("voice_fallback_url");
  out.field("voice_method", "POST");
  out.field("voice_url", kDefaultVoiceUrl);
  out.field("voice_receive_mode", "voice");
  out.field("status", "in-use");
  out.nullField("bundle_sid");
  out.key("subresource_uris");
  out.startObject();
  out.field("assigned_add_ons", uri.substr(0, uri.size() - 5) + "/AssignedAddOns.json");
  out.endObject();
  out.endObject();
}

void writeTrunk(JsonOut& out, const Trunk& trunk, std::string_view baseUrl) {
  const std::string url = trunkUrl(trunk, baseUrl);
  out.startObject();
  out.field("sid", formatSid(kTrunkPrefix, trunk.sid));
  out.field("account_sid", trunk.account->sidText);
  out.fieldOrNull("domain_name", trunk.domainName);
  out.field("disaster_recovery_method", "POST");
  out.nullField("disaster_recovery_url");
  out.fieldOrNull("friendly_name", trunk.friendlyName);
  out.field("secure", false);
  out.field("cnam_lookup_enabled", false);
  out.field("symmetric_rtp_enabled", false);
  out.key("recording");
  out.startObject();
  out.field("mode", "do-not-record");
  out.field("trim", "do-not-trim");
  out.endObject();
  out.field("transfer_mode", "disable-all");
  out.field("transfer_caller_id", "from-transferee");
  out.field("auth_type", "");
  out.key("auth_type_set");
  out.startArray();
  out.endArray();
  out.field("date_created", iso8601Date(trunk.created));
  out.field("date_updated", iso8601Date(trunk.updated));
  out.field("url", url);
  out.key("links");
  out.startObject();
  out.field("origination_urls", url + "/OriginationUrls");
  out.field("credential_lists", url + "/CredentialLists");
  out.field("ip_access_control_lists", url + "/IpAccessControlLists");
  out.field("phone_numbers", url + "/PhoneNumbers");
  out.endObject();
  out.endObject();
}

void writeOriginationUrl(JsonOut& out, const Trunk& trunk, const OriginationUrl& url,
                         std::string_view baseUrl) {
  const std::string sid = formatSid(kOriginationUrlPrefix, url.sid);
  out.startObject();
  out.field("weight", url.weight);
  out.field("date_updated", iso8601Date(url.updated));
  out.field("enabled", url.enabled);
  out.field("friendly_name", url.friendlyName);
  out.field("account_sid", trunk.account->sidText);
  out.field("priority", url.priority);
  out.field("sip_url", url.sipUrl);
  out.field("sid", sid);
  out.field("date_created", iso8601Date(url.created));
  out.field("trunk_sid", formatSid(kTrunkPrefix, trunk.sid));
  out.field("url", trunkUrl(trunk, baseUrl) + "/OriginationUrls/" + sid);
  out.endObject();
}

void writeTrunkPhoneNumber(JsonOut& out, const Trunk& trunk, const NumberRecord& number,
                           std::string_view baseUrl) {
  const std::string sid = formatSid(kNumberPrefix, number.sid);
  out.startObject();
  out.field("sid", sid);
  out.field("date_created", iso8601Date(number.created));
  out.field("date_updated", iso8601Date(number.updated));
  out.field("friendly_name", friendlyPhoneName(number.phone));
  out.field("account_sid", trunk.account->sidText);
  out.field("phone_number", e164Text(number.phone));
  out.field("api_version", kApiVersion);
  out.field("voice_caller_id_lookup", false);
  out.field("voice_url", kDefaultVoiceUrl);
  out.field("voice_method", "POST");
  out.nullField("voice_fallback_url");
  out.field("voice_fallback_method", "POST");
  out.field("status_callback", "");
  out.field("status_callback_method", "POST");
  out.field("voice_application_sid", "");
  out.field("trunk_sid", formatSid(kTrunkPrefix, trunk.sid));
  out.field("sms_url", "");
  out.field("sms_method", "POST");
  out.field("sms_fallback_url", "");
  out.field("sms_fallback_method", "POST");
  out.field("sms_application_sid", "");
  out.field("address_requirements", "none");
  out.field("beta", false);
  out.field("url", trunkUrl(trunk, baseUrl) + "/PhoneNumbers/" + sid);
  out.key("capabilities");
  out.startObject();
  out.field("voice", (number.capabilities & kVoice) != 0);
  out.field("sms", (number.capabilities & kSms) != 0);
  out.field("mms", (number.capabilities & kMms) != 0);
  out.endObject();
  out.key("links");
  out.startObject();
  out.field("phone_number", std::string(baseUrl) + numberUri(*trunk.account, number.sid));
  out.endObject();
  out.endObject();
}

}  // namespace gw::emulator
