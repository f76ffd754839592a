#pragma once
// Twilio's error body:
// {"code":20404,"message":"...","more_info":"https://www.twilio.com/docs/errors/20404","status":404}
// Both the 2010 API and Trunking v1 answer errors in this shape.
#include <string>
#include <string_view>

#include "gateway/http/message.hpp"

namespace gw::emulator {

struct ApiError {
  int status = 0;
  int code = 0;
  std::string message;

  static ApiError unauthorized();
  // `path` is the request path, which Twilio quotes in the message.
  static ApiError notFound(std::string_view path);
  static ApiError tooManyRequests();
  static ApiError internalError();
  static ApiError serviceUnavailable();
  static ApiError missingParameter(std::string_view name);
  static ApiError invalidParameter(std::string message);
  static ApiError invalidPageSize(std::string_view given);
  static ApiError conflict(std::string message);
};

http::Response errorResponse(const ApiError& error);

}  // namespace gw::emulator
