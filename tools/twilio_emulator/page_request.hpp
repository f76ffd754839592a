#pragma once
// The list parameters Twilio's list endpoints share: PageSize (default 50, 1..1000),
// Page (an index, "simply for client state") and PageToken, which the emulator issues as
// "PA" + the last SID of a page (next) or "PB" + the first SID (previous).
#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "gateway/http/message.hpp"
#include "tools/twilio_emulator/api_error.hpp"
#include "tools/twilio_emulator/sid.hpp"

namespace gw::emulator {

struct PageRequest {
  static constexpr size_t kDefaultPageSize = 50;
  static constexpr size_t kMaxPageSize = 1000;

  enum class Cursor { kNone, kAfter, kBefore };

  size_t pageSize = kDefaultPageSize;
  size_t page = 0;
  Cursor cursor = Cursor::kNone;
  Sid128 cursorSid;

  // "PageSize=50&Page=0"; with a token also "&PageToken=PA...".
  std::string query(std::string_view sidPrefix) const;
  static std::string token(Cursor cursor, std::string_view sidPrefix, const Sid128& sid);
};

// `sidPrefix` is the prefix of the listed resource ("PN", "TK", "OU").
Result<PageRequest, ApiError> parsePageRequest(const http::Request& req,
                                               std::string_view sidPrefix);

}  // namespace gw::emulator
