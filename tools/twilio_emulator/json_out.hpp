#pragma once
// Thin convenience over rapidjson::Writer<StringBuffer> taking string_views; every
// response body of the emulator is written through it (escaping is RapidJSON's).
#include <cstdint>
#include <string>
#include <string_view>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace gw::emulator {

class JsonOut {
 public:
  JsonOut() : writer_(buffer_) {}
  JsonOut(const JsonOut&) = delete;
  JsonOut& operator=(const JsonOut&) = delete;

  void startObject() { writer_.StartObject(); }
  void endObject() { writer_.EndObject(); }
  void startArray() { writer_.StartArray(); }
  void endArray() { writer_.EndArray(); }
  void key(std::string_view k) { writer_.Key(k.data(), size(k)); }
  void string(std::string_view v) { writer_.String(v.data(), size(v)); }
  void null() { writer_.Null(); }
  void boolean(bool v) { writer_.Bool(v); }
  void integer(int64_t v) { writer_.Int64(v); }
  void unsignedInteger(uint64_t v) { writer_.Uint64(v); }

  void field(std::string_view k, std::string_view v) {
    key(k);
    string(v);
  }
  void field(std::string_view k, const char* v) {
    key(k);
    string(v);
  }
  void field(std::string_view k, bool v) {
    key(k);
    boolean(v);
  }
  void field(std::string_view k, int v) {
    key(k);
    integer(v);
  }
  void field(std::string_view k, int64_t v) {
    key(k);
    integer(v);
  }
  void field(std::string_view k, uint64_t v) {
    key(k);
    unsignedInteger(v);
  }
  void nullField(std::string_view k) {
    key(k);
    null();
  }
  // null when `v` is empty (Twilio's nullable strings).
  void fieldOrNull(std::string_view k, std::string_view v) {
    key(k);
    if (v.empty()) {
      null();
    } else {
      string(v);
    }
  }

  std::string take() const { return std::string(buffer_.GetString(), buffer_.GetSize()); }

 private:
  static rapidjson::SizeType size(std::string_view s) {
    return static_cast<rapidjson::SizeType>(s.size());
  }

  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_;
};

}  // namespace gw::emulator
