#include "tools/twilio_emulator/api_error.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace gw::emulator {

ApiError ApiError::unauthorized() {
  return {401, 20003, "Authenticate"};
}

ApiError ApiError::notFound(std::string_view path) {
  return {404, 20404, "The requested resource " + std::string(path) + " was not found"};
}

ApiError ApiError::tooManyRequests() {
  return {429, 20429, "Too Many Requests"};
}

ApiError ApiError::internalError() {
  return {500, 20500, "Internal Server Error"};
}

ApiError ApiError::serviceUnavailable() {
  return {503, 20503, "Service Unavailable"};
}

// Twilio's product APIs answer a missing form field with 400 and code 20001; the message
// wording below is what clients see in practice, not a documented contract.
ApiError ApiError::missingParameter(std::string_view name) {
  return {400, 20001, "Missing required parameter " + std::string(name) + " in the post body"};
}

ApiError ApiError::invalidParameter(std::string message) {
  return {400, 20001, std::move(message)};
}

ApiError ApiError::invalidPageSize(std::string_view given) {
  return {400, 20007,
          "Invalid PageSize " + std::string(given) + ": it must be an integer from 1 to 1000"};
}

// Undocumented by Twilio (status and code): users report a 409 when a number is attached
// to a trunk while it is already on one. 20409 follows Twilio's 20xxx = HTTP status habit.
ApiError ApiError::conflict(std::string message) {
  return {409, 20409, std::move(message)};
}

http::Response errorResponse(const ApiError& error) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("code");
  w.Int(error.code);
  w.Key("message");
  w.String(error.message.data(), static_cast<rapidjson::SizeType>(error.message.size()));
  w.Key("more_info");
  const std::string moreInfo = "https://www.twilio.com/docs/errors/" + std::to_string(error.code);
  w.String(moreInfo.data(), static_cast<rapidjson::SizeType>(moreInfo.size()));
  w.Key("status");
  w.Int(error.status);
  w.EndObject();
  return http::Response::json(error.status, std::string(buffer.GetString(), buffer.GetSize()));
}

}  // namespace gw::emulator
