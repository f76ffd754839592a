#pragma once
// A Twilio POST body: application/x-www-form-urlencoded only, like Twilio.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "gateway/http/message.hpp"
#include "tools/twilio_emulator/api_error.hpp"

namespace gw::emulator {

class FormFields {
 public:
  // An empty body without Content-Type is an empty form (curl -X POST sends that).
  static Result<FormFields, ApiError> parse(const http::Request& req);

  // First value of the field; Twilio field names are case-sensitive.
  std::optional<std::string_view> get(std::string_view name) const;

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

}  // namespace gw::emulator
