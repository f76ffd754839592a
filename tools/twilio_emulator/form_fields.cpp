#include "tools/twilio_emulator/form_fields.hpp"

#include <algorithm>
#include <cctype>

namespace gw::emulator {
namespace {

constexpr std::string_view kFormType = "application/x-www-form-urlencoded";

bool isFormContentType(std::string_view value) {
  const auto semicolon = value.find(';');  // "; charset=utf-8"
  std::string_view type = value.substr(0, semicolon);
  while (!type.empty() && std::isspace(static_cast<unsigned char>(type.back()))) {
    type.remove_suffix(1);
  }
  return type.size() == kFormType.size() &&
         std::equal(type.begin(), type.end(), kFormType.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == b;
         });
}

}  // namespace

Result<FormFields, ApiError> FormFields::parse(const http::Request& req) {
  FormFields out;
  const auto contentType = req.header("Content-Type");
  if (!contentType) {
    if (req.body.empty()) return out;
    return ApiError::invalidParameter(
        "Missing Content-Type: send the parameters as application/x-www-form-urlencoded");
  }
  if (!isFormContentType(*contentType)) {
    // Twilio reads only form fields; a JSON body leaves every parameter missing.
    return ApiError::invalidParameter("Unsupported Content-Type " + std::string(*contentType) +
                                      ": send the parameters as " + std::string(kFormType));
  }
  auto fields = http::parseForm(req.body);
  if (!fields) return ApiError::invalidParameter("Malformed form body");
  out.fields_ = std::move(*fields);
  return out;
}

std::optional<std::string_view> FormFields::get(std::string_view name) const {
  for (const auto& [key, value] : fields_) {
    if (key == name) return std::string_view(value);
  }
  return std::nullopt;
}

}  // namespace gw::emulator
