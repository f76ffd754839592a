#pragma once
// Trunking v1 list pages: {"meta":{first_page_url, key, next_page_url, page, page_size,
// previous_page_url, url}, "<key>": [...]} with absolute URLs, over a container sorted by
// SID (std::set<Sid128> or std::map<Sid128, T>).
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>

#include "gateway/http/message.hpp"
#include "tools/twilio_emulator/api_error.hpp"
#include "tools/twilio_emulator/json_out.hpp"
#include "tools/twilio_emulator/page_request.hpp"
#include "tools/twilio_emulator/paging.hpp"

namespace gw::emulator {

// "http://<Host header>": absolute URLs point back at the emulator (where Twilio writes
// https://trunking.twilio.com), so a client following next_page_url stays on it.
inline std::string requestBaseUrl(const http::Request& req) {
  const auto host = req.header("Host");
  return "http://" + std::string(host && !host->empty() ? *host : "localhost");
}

template <typename Container, typename KeyOf, typename WriteItem>
http::Response trunkingListPage(const http::Request& req, std::string_view key,
                                std::string_view sidPrefix, const Container& items,
                                const KeyOf& keyOf, const WriteItem& writeItem) {
  auto paging = parsePageRequest(req, sidPrefix);
  if (!paging) return errorResponse(paging.error());
  const PageRequest& page = *paging;
  auto all = [](const auto&) { return true; };

  using It = typename Container::const_iterator;
  PageSlice<It> slice;
  switch (page.cursor) {
    case PageRequest::Cursor::kNone:
      slice = pageForward(items.begin(), items.end(),
                          skipMatches(items.begin(), items.end(), page.page * page.pageSize, all),
                          page.pageSize, all);
      break;
    case PageRequest::Cursor::kAfter:
      slice = pageForward(items.begin(), items.end(), items.upper_bound(page.cursorSid),
                          page.pageSize, all);
      break;
    case PageRequest::Cursor::kBefore:
      slice = pageBackward(items.begin(), items.end(), items.lower_bound(page.cursorSid),
                           page.pageSize, all);
      break;
  }

  const std::string base = requestBaseUrl(req) + req.path + "?";
  JsonOut out;
  out.startObject();
  out.key("meta");
  out.startObject();
  PageRequest first;
  first.pageSize = page.pageSize;
  out.field("first_page_url", base + first.query(sidPrefix));
  out.field("key", key);
  if (slice.hasNext && !slice.items.empty()) {
    PageRequest next = page;
    next.page = page.page + 1;
    next.cursor = PageRequest::Cursor::kAfter;
    next.cursorSid = keyOf(*slice.items.back());
    out.field("next_page_url", base + next.query(sidPrefix));
  } else {
    out.nullField("next_page_url");
  }
  out.field("page", static_cast<uint64_t>(page.page));
  out.field("page_size", static_cast<uint64_t>(page.pageSize));
  if (slice.hasPrevious && !slice.items.empty()) {
    PageRequest previous = page;
    previous.page = page.page > 0 ? page.page - 1 : 0;
    previous.cursor = PageRequest::Cursor::kBefore;
    previous.cursorSid = keyOf(*slice.items.front());
    out.field("previous_page_url", base + previous.query(sidPrefix));
  } else {
    out.nullField("previous_page_url");
  }
  out.field("url", base + page.query(sidPrefix));
  out.endObject();
  out.key(key);
  out.startArray();
  for (It it : slice.items) writeItem(out, *it);
  out.endArray();
  out.endObject();
  return http::Response::json(200, out.take());
}

}  // namespace gw::emulator
