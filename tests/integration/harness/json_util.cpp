#include "harness/json_util.hpp"

#include <stdexcept>

#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "harness/test_values.hpp"

namespace gw::integration {
namespace {

constexpr size_t kQuoteLimit = 500;

[[noreturn]] void badShape(const std::string& what, const std::string& text) {
  std::string quoted = text.size() > kQuoteLimit ? text.substr(0, kQuoteLimit) + "..." : text;
  throw std::runtime_error(redact(what + ": " + quoted));
}

const rapidjson::Value& arrayMember(const rapidjson::Value& obj, const char* key,
                                    const std::string& text) {
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || !it->value.IsArray()) {
    badShape(std::string("expected an array member '") + key + "'", text);
  }
  return it->value;
}

}  // namespace

rapidjson::Document parseJson(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError()) {
    badShape(std::string("not JSON (") + rapidjson::GetParseError_En(doc.GetParseError()) + ")",
             text);
  }
  return doc;
}

std::optional<std::string> stringMember(const rapidjson::Value& obj, const char* key) {
  if (!obj.IsObject()) return std::nullopt;
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || !it->value.IsString()) return std::nullopt;
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

std::optional<int64_t> intMember(const rapidjson::Value& obj, const char* key) {
  if (!obj.IsObject()) return std::nullopt;
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || !it->value.IsInt64()) return std::nullopt;
  return it->value.GetInt64();
}

std::string sidsBody(const std::vector<std::string>& sids) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("phoneNumberSids");
  w.StartArray();
  for (const auto& s : sids) w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  w.EndArray();
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

std::string objectBody(const std::vector<std::pair<std::string, std::string>>& members) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  for (const auto& [k, v] : members) {
    w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
    w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
  }
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

void PrintTo(const ImportError& e, std::ostream* os) {
  *os << "{" << e.phoneNumberSid << ", \"" << e.errorMessage << "\"}";
}

ImportResult parseImportResult(const std::string& body) {
  auto doc = parseJson(body);
  if (!doc.IsObject()) badShape("expected an import result object", body);
  ImportResult r;
  r.successCount = intMember(doc, "successCount").value_or(-1);
  r.failedCount = intMember(doc, "failedCount").value_or(-1);
  auto it = doc.FindMember("errors");
  if (it != doc.MemberEnd() && it->value.IsArray()) {
    r.errorsIsArray = true;
    for (const auto& e : it->value.GetArray()) {
      r.errors.push_back({stringMember(e, "phoneNumberSid").value_or("<missing>"),
                          stringMember(e, "errorMessage").value_or("<missing>")});
    }
  }
  return r;
}

NumberRecord numberRecordOf(const rapidjson::Value& obj) {
  return {stringMember(obj, "id").value_or(""), stringMember(obj, "orgId").value_or(""),
          stringMember(obj, "phoneNumber").value_or(""),
          stringMember(obj, "phoneNumberSid").value_or(""),
          stringMember(obj, "providerId").value_or("")};
}

NumberPage parseNumberPage(const std::string& body) {
  auto doc = parseJson(body);
  if (!doc.IsObject()) badShape("expected a page object", body);
  NumberPage page;
  for (const auto& item : arrayMember(doc, "items", body).GetArray()) {
    page.items.push_back(numberRecordOf(item));
  }
  page.totalCount = intMember(doc, "totalCount").value_or(-1);
  page.skip = intMember(doc, "skip").value_or(-1);
  page.take = intMember(doc, "take").value_or(-1);
  return page;
}

std::vector<std::string> validationErrorKeys(const std::string& body) {
  auto doc = parseJson(body);
  if (!doc.IsObject()) badShape("expected a problem object", body);
  auto it = doc.FindMember("errors");
  if (it == doc.MemberEnd() || !it->value.IsObject()) {
    badShape("expected an 'errors' object in the problem", body);
  }
  std::vector<std::string> keys;
  for (const auto& m : it->value.GetObject()) {
    keys.emplace_back(m.name.GetString(), m.name.GetStringLength());
  }
  return keys;
}

}  // namespace gw::integration
