#pragma once
// Field rules of the admin API, shared by every handler of the module.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/http/message.hpp"
#include "modules/admin/domain_error.hpp"

namespace gw::admin {

// Two-letter prefix followed by 32 lowercase hex digits (Twilio SIDs as the API takes them).
bool isSid(std::string_view text, std::string_view prefix);
bool isLowerHex(std::string_view text, size_t length);
bool isKnownRegion(std::string_view region);

// skip and take of a list request.
struct Paging {
  uint64_t skip = 0;
  uint64_t take = 20;
};
inline constexpr uint64_t kMaxTake = 1000;
// skip (0 or more, default 0) and take (1 to kMaxTake, default 20) from the query; one error
// per bad parameter.
Paging parsePaging(const http::Request& req, FieldErrors& errors);

// Ids are UUIDs, which the API accepts in any case and stores in lower case: the path
// parameter `name` in lower case (anything that is not a UUID is refused later, as before).
std::string idParam(const http::Request& req, std::string_view name);
// The same for a query parameter; nullopt when absent.
std::optional<std::string> idQuery(const http::Request& req, std::string_view name);

// The `force` query parameter of a delete: false when absent, true or false as sent; any
// other value adds an error.
bool forceParam(const http::Request& req, FieldErrors& errors);

}  // namespace gw::admin
