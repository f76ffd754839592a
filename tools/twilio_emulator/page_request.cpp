#include "tools/twilio_emulator/page_request.hpp"

#include <charconv>

namespace gw::emulator {
namespace {

std::optional<size_t> parseCount(std::string_view text) {
  size_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::string PageRequest::token(Cursor cursor, std::string_view sidPrefix, const Sid128& sid) {
  return std::string(cursor == Cursor::kBefore ? "PB" : "PA") + formatSid(sidPrefix, sid);
}

std::string PageRequest::query(std::string_view sidPrefix) const {
  std::string q = "PageSize=" + std::to_string(pageSize) + "&Page=" + std::to_string(page);
  if (cursor != Cursor::kNone) q += "&PageToken=" + token(cursor, sidPrefix, cursorSid);
  return q;
}

Result<PageRequest, ApiError> parsePageRequest(const http::Request& req,
                                               std::string_view sidPrefix) {
  PageRequest out;
  if (auto text = req.queryParam("PageSize")) {
    auto size = parseCount(*text);
    if (!size || *size < 1 || *size > PageRequest::kMaxPageSize) {
      return ApiError::invalidPageSize(*text);
    }
    out.pageSize = *size;
  }
  if (auto text = req.queryParam("Page")) {
    auto page = parseCount(*text);
    if (!page) return ApiError::invalidParameter("Invalid Page " + *text + ": expected 0 or more");
    out.page = *page;
  }
  if (auto text = req.queryParam("PageToken")) {
    std::string_view token = *text;
    const bool after = token.substr(0, 2) == "PA";
    const bool before = token.substr(0, 2) == "PB";
    auto sid = parseSid(sidPrefix, token.size() > 2 ? token.substr(2) : std::string_view{});
    if ((!after && !before) || !sid) {
      return ApiError::invalidParameter("Invalid PageToken " + *text);
    }
    out.cursor = after ? PageRequest::Cursor::kAfter : PageRequest::Cursor::kBefore;
    out.cursorSid = *sid;
  }
  return out;
}

}  // namespace gw::emulator
