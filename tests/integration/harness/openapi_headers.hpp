#pragma once
// Which response headers the OpenAPI document (api/openapi.json) names for an operation and
// status. prism checks the headers the document lists but lets any other through; the
// fixture uses this to fail on a header the document does not describe. Any thread may call
// a const method.
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "harness/http_client.hpp"

namespace gw::integration {

class OpenApiHeaders {
 public:
  // Throws std::runtime_error when the document cannot be read or parsed.
  explicit OpenApiHeaders(const std::string& specPath);

  // The headers of `response` to `method` `target` that the document does not name for its
  // operation and status, besides those of every HTTP response (Content-Type,
  // Content-Length, Date, Server, Connection, Keep-Alive). Empty when the document has no
  // such operation or status: prism reports those.
  std::vector<std::string> undocumented(const std::string& method, const std::string& target,
                                        const HttpResponse& response) const;

 private:
  const rapidjson::Value* responseOf(const std::string& method, const std::string& target,
                                     long status) const;

  rapidjson::Document doc_;
};

}  // namespace gw::integration
