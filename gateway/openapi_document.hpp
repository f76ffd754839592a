#pragma once
// The OpenAPI description of the admin API (api/openapi.json), compiled into gatewayd by
// gateway/embed_openapi.cmake and served at GET /api/v1/openapi.json. Any thread may call.
#include <string_view>

namespace gw::gateway {

// The document's bytes, exactly as in the repository.
std::string_view openApiDocument();

}  // namespace gw::gateway
