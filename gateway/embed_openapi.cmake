# cmake -DINPUT=api/openapi.json -DOUTPUT=openapi_document.cpp -P embed_openapi.cmake
# Writes a C++ source whose gw::gateway::openApiDocument() returns INPUT's bytes, so that
# gatewayd serves the document it was built with. A document that is not JSON, or has no
# "openapi" member, fails the build.
file(READ "${INPUT}" text)
string(JSON version ERROR_VARIABLE json_error GET "${text}" openapi)
if(json_error)
  message(FATAL_ERROR "${INPUT} is not an OpenAPI document in JSON: ${json_error}")
endif()
file(READ "${INPUT}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
file(WRITE "${OUTPUT}.tmp" "// Generated from ${INPUT} by gateway/embed_openapi.cmake; do not edit.
#include \"gateway/openapi_document.hpp\"

namespace gw::gateway {
namespace {
constexpr unsigned char kDocument[] = {
${bytes}};
}  // namespace

std::string_view openApiDocument() {
  return {reinterpret_cast<const char*>(kDocument), sizeof kDocument};
}

}  // namespace gw::gateway
")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
