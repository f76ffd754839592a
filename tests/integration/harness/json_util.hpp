#pragma once
// RapidJSON DOM helpers for reading the answers of gatewayd and the emulator, and the
// typed views the tests compare against.
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <rapidjson/document.h>

namespace gw::integration {

// Throws std::runtime_error (text redacted) when `text` is not JSON.
rapidjson::Document parseJson(const std::string& text);

// Member `key` of `obj` as a string; nullopt when missing, null or not a string.
std::optional<std::string> stringMember(const rapidjson::Value& obj, const char* key);
// Member `key` as an integer; nullopt when missing or not an integer.
std::optional<int64_t> intMember(const rapidjson::Value& obj, const char* key);

// {"phoneNumberSids": [...]}.
std::string sidsBody(const std::vector<std::string>& sids);
// A JSON object of string members, in order.
std::string objectBody(const std::vector<std::pair<std::string, std::string>>& members);

struct ImportError {
  std::string phoneNumberSid;
  std::string errorMessage;
  bool operator==(const ImportError&) const = default;
};
void PrintTo(const ImportError& e, std::ostream* os);

// The body of a 200 from import-numbers. Throws when it does not have that shape.
struct ImportResult {
  int64_t successCount = -1;
  int64_t failedCount = -1;
  bool errorsIsArray = false;  // false when "errors" is null or missing
  std::vector<ImportError> errors;
};
ImportResult parseImportResult(const std::string& body);

struct NumberRecord {
  std::string id;
  std::string orgId;
  std::string phoneNumber;
  std::string phoneNumberSid;
  std::string providerId;
};
NumberRecord numberRecordOf(const rapidjson::Value& obj);

// The body of GET /api/v1/sip-phone-numbers.
struct NumberPage {
  std::vector<NumberRecord> items;
  int64_t totalCount = -1;
  int64_t skip = -1;
  int64_t take = -1;
};
NumberPage parseNumberPage(const std::string& body);

// The keys of a validation problem's "errors" object; throws when there is none.
std::vector<std::string> validationErrorKeys(const std::string& body);

}  // namespace gw::integration
