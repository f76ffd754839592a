#pragma once
// Who an admin API request acts for. The gateway's auth attaches a Caller to every request
// it lets through (http::Request::attachment); handlers of both modules read its org with
// orgOf(). Header-only; any thread that owns the request.
#include <string>

#include "gateway/http/message.hpp"

namespace gw::admin {

struct Caller {
  std::string orgId;
};

// The org the request acts for; "" when nothing was attached (a public path).
inline const std::string& orgOf(const http::Request& req) {
  static const std::string kNone;
  const Caller* caller = req.attachment.get<Caller>();
  return caller != nullptr ? caller->orgId : kNone;
}

}  // namespace gw::admin
