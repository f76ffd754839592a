#include "modules/admin/json_io.hpp"

#include <cctype>

#include "common/json.hpp"
#include "common/text.hpp"

namespace gw::admin {

namespace {

bool isJsonContentType(std::string_view ct) {
  // "application/json" with optional parameters (charset=utf-8).
  auto semi = ct.find(';');
  std::string_view type = ct.substr(0, semi);
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  while (!type.empty() && type.front() == ' ') type.remove_prefix(1);
  return equalsIgnoreCase(type, "application/json");
}

}  // namespace

Result<rapidjson::Document> parseJsonObjectBody(const http::Request& req) {
  auto ct = req.header("Content-Type");
  if (!ct || !isJsonContentType(*ct)) {
    return DomainError::of(Fault::kMediaType, "Content-Type must be application/json; got '" +
                                                  std::string(ct.value_or("")) + "'.");
  }
  rapidjson::Document doc;
  if (auto err = json::parse(doc, req.body)) {
    const char* what = err->kind == json::ParseError::Kind::kTooDeep ? "; send a flatter document."
                       : err->kind == json::ParseError::Kind::kInvalidUtf8
                           ? "; encode every string as UTF-8."
                           : ".";
    return DomainError::of(Fault::kUnreadable, "The body " + err->message + what);
  }
  if (!doc.IsObject()) return DomainError::of(Fault::kUnreadable, "The body must be a JSON object.");
  return doc;
}

StringField stringField(const rapidjson::Value& obj, const char* name) {
  StringField f;
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || it->value.IsNull()) return f;
  f.present = true;
  if (!it->value.IsString()) {
    f.wrongType = true;
    return f;
  }
  f.value.assign(it->value.GetString(), it->value.GetStringLength());
  return f;
}

}  // namespace gw::admin
