#pragma once
// Turns a Response into HTTP/1.1 bytes with the headers the server owns.
#include <chrono>
#include <string>
#include <string_view>

#include "gateway/http/message.hpp"

namespace gw::http {

struct SerializeOptions {
  bool keepAlive = true;        // "Connection: keep-alive" or "Connection: close"
  std::string_view serverName;  // "Server" header unless the response sets one
  bool omitBody = false;        // answer to HEAD: Content-Length but no body
};

// Adds Content-Length (except for 1xx, 204 and 304, which never carry a body), Connection,
// Date and Server. Content-Length, Connection and Transfer-Encoding set by the handler are
// replaced; header fields containing CR, LF or NUL are dropped so a handler cannot inject
// a header or a response.
std::string serializeResponse(const Response& response, const SerializeOptions& options);

// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") as the Date header wants it.
std::string httpDate(std::chrono::system_clock::time_point time);

}  // namespace gw::http
