#pragma once
// JSON in and out of the admin API: request bodies are parsed into a RapidJSON DOM after
// the content type is checked; responses are written with Writer<StringBuffer>.
#include <optional>
#include <string>
#include <string_view>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/utf8.hpp"
#include "gateway/http/message.hpp"
#include "modules/admin/domain_error.hpp"

namespace gw::admin {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// The parsed body; kMediaType (415) unless Content-Type is application/json, kUnreadable
// (400) when the body is not a JSON object (the detail says where parsing stopped).
Result<rapidjson::Document> parseJsonObjectBody(const http::Request& req);

// Writes `value` as a JSON string. Bodies and Twilio's answers are checked to be UTF-8
// before anything is stored; text that still is not (written by an older version) is
// repaired with U+FFFD so that the response stays valid JSON.
inline void writeText(JsonWriter& w, std::string_view value) {
  if (isValidUtf8(value)) {
    w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  } else {
    std::string repaired = toValidUtf8(value);
    w.String(repaired.data(), static_cast<rapidjson::SizeType>(repaired.size()));
  }
}
inline void writeString(JsonWriter& w, std::string_view key, std::string_view value) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  writeText(w, value);
}
// Writes null for an empty value.
inline void writeStringOrNull(JsonWriter& w, std::string_view key, std::string_view value) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  if (value.empty()) {
    w.Null();
  } else {
    writeText(w, value);
  }
}
inline void writeKey(JsonWriter& w, std::string_view key) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
}

// The string member `name`: nullopt when absent; error text when present but not a string.
struct StringField {
  bool present = false;
  bool wrongType = false;
  std::string value;
};
StringField stringField(const rapidjson::Value& obj, const char* name);

}  // namespace gw::admin
