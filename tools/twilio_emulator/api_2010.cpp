#include "tools/twilio_emulator/api_2010.hpp"

#include <algorithm>
#include <charconv>
#include <optional>
#include <string>

#include "tools/twilio_emulator/api_error.hpp"
#include "tools/twilio_emulator/json_out.hpp"
#include "tools/twilio_emulator/page_request.hpp"
#include "tools/twilio_emulator/paging.hpp"
#include "tools/twilio_emulator/resource_json.hpp"

namespace gw::emulator {
namespace {

// The optional filters of the IncomingPhoneNumbers list, as Twilio documents them.
struct NumberFilter {
  std::optional<std::string> friendlyName;  // exact match
  std::optional<std::string> phoneNumber;   // partial; '*' matches any one digit
  std::optional<std::string> origin;        // "twilio" or "hosted"
  std::optional<std::string> beta;          // accepted and echoed; every number is non-beta

  bool active() const { return friendlyName || phoneNumber || origin; }

  // "FriendlyName=..&Beta=..&PhoneNumber=..&Origin=..&", in the order of Twilio's examples.
  std::string query() const {
    std::string q;
    auto add = [&q](std::string_view name, const std::optional<std::string>& value) {
      if (!value) return;
      q += name;
      q += '=';
      q += http::percentEncode(*value);
      q += '&';
    };
    add("FriendlyName", friendlyName);
    add("Beta", beta);
    add("PhoneNumber", phoneNumber);
    add("Origin", origin);
    return q;
  }

  bool matches(const NumberRecord& number) const {
    if (origin && *origin != "twilio") return false;  // every emulated number is Twilio's
    if (friendlyName && *friendlyName != friendlyPhoneName(number.phone)) return false;
    if (phoneNumber) {
      char digits[24];
      digits[0] = '+';
      auto [end, ec] = std::to_chars(digits + 1, digits + sizeof digits, number.phone);
      const std::string_view text(digits, static_cast<size_t>(end - digits));
      const std::string& needle = *phoneNumber;
      if (needle.size() > text.size()) return false;
      bool found = false;
      for (size_t at = 0; !found && at + needle.size() <= text.size(); ++at) {
        found = true;
        for (size_t i = 0; i < needle.size() && found; ++i) {
          const char want = needle[i];
          const char have = text[at + i];
          found = want == have || (want == '*' && have >= '0' && have <= '9');
        }
      }
      if (!found) return false;
    }
    return true;
  }
};

NumberFilter parseFilter(const http::Request& req) {
  NumberFilter f;
  f.friendlyName = req.queryParam("FriendlyName");
  f.origin = req.queryParam("Origin");
  f.beta = req.queryParam("Beta");
  if (auto phone = req.queryParam("PhoneNumber")) {
    // An unencoded '+' arrives as a space (form decoding); Twilio asks for %2B, but
    // treating the space as '+' is what a forgiving reader would do.
    std::string p = *phone;
    if (!p.empty() && p[0] == ' ') p[0] = '+';
    std::erase_if(p, [](char c) { return c == ' ' || c == '-' || c == '(' || c == ')'; });
    f.phoneNumber = p;
  }
  return f;
}

}  // namespace

void Api2010::addRoutes(http::Router& router, TwilioGate& gate) {
  gate.add(router, "GET", "/2010-04-01/Accounts/{Sid}.json",
           [this](http::Request& req, Account& a) { return fetchAccount(req, a); });
  gate.add(router, "GET", "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json",
           [this](http::Request& req, Account& a) { return listNumbers(req, a); });
  gate.add(router, "GET", "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json",
           [this](http::Request& req, Account& a) { return fetchNumber(req, a); });
}

http::Response Api2010::fetchAccount(http::Request& req, Account& account) {
  // Twilio also serves the account's subaccounts here; the emulator has none.
  if (req.param("Sid") != account.sidText) return errorResponse(ApiError::notFound(req.path));
  JsonOut out;
  writeAccount(out, account);
  return http::Response::json(200, out.take());
}

http::Response Api2010::fetchNumber(http::Request& req, Account& account) {
  if (req.param("AccountSid") != account.sidText) {
    return errorResponse(ApiError::notFound(req.path));
  }
  const auto sid = parseSid(kNumberPrefix, req.param("Sid"));
  const NumberRecord* number = sid ? state_.findNumber(account, *sid) : nullptr;
  if (number == nullptr) return errorResponse(ApiError::notFound(req.path));
  JsonOut out;
  writeIncomingNumber(out, account, *number, state_.trunkById(number->trunk));
  return http::Response::json(200, out.take());
}

http::Response Api2010::listNumbers(http::Request& req, Account& account) {
  if (req.param("AccountSid") != account.sidText) {
    return errorResponse(ApiError::notFound(req.path));
  }
  auto paging = parsePageRequest(req, kNumberPrefix);
  if (!paging) return errorResponse(paging.error());
  const PageRequest& page = *paging;
  const NumberFilter filter = parseFilter(req);
  auto matches = [&filter](const NumberRecord& n) { return filter.matches(n); };

  const auto& numbers = account.numbers;
  const auto bySid = [](const NumberRecord& r, const Sid128& key) { return r.sid < key; };
  using It = std::vector<NumberRecord>::const_iterator;
  PageSlice<It> slice;
  switch (page.cursor) {
    case PageRequest::Cursor::kNone: {
      // Page without a token: Twilio treats it as an offset; so does the emulator.
      const size_t offset = page.page * page.pageSize;
      It start =
          filter.active()
              ? skipMatches(numbers.begin(), numbers.end(), offset, matches)
              : numbers.begin() + static_cast<std::ptrdiff_t>(std::min(offset, numbers.size()));
      slice = pageForward(numbers.begin(), numbers.end(), start, page.pageSize, matches);
      break;
    }
    case PageRequest::Cursor::kAfter: {
      It start =
          std::upper_bound(numbers.begin(), numbers.end(), page.cursorSid,
                           [](const Sid128& key, const NumberRecord& r) { return key < r.sid; });
      slice = pageForward(numbers.begin(), numbers.end(), start, page.pageSize, matches);
      break;
    }
    case PageRequest::Cursor::kBefore: {
      It stop = std::lower_bound(numbers.begin(), numbers.end(), page.cursorSid, bySid);
      slice = pageBackward(numbers.begin(), numbers.end(), stop, page.pageSize, matches);
      break;
    }
  }

  const std::string base =
      "/2010-04-01/Accounts/" + account.sidText + "/IncomingPhoneNumbers.json?" + filter.query();
  const size_t start = page.page * page.pageSize;
  const size_t count = slice.items.size();

  JsonOut out;
  out.startObject();
  out.field("end", static_cast<uint64_t>(count > 0 ? start + count - 1 : start));
  PageRequest first;
  first.pageSize = page.pageSize;
  out.field("first_page_uri", base + first.query(kNumberPrefix));
  out.key("incoming_phone_numbers");
  out.startArray();
  for (It it : slice.items) writeIncomingNumber(out, account, *it, state_.trunkById(it->trunk));
  out.endArray();
  if (slice.hasNext && count > 0) {
    PageRequest next = page;
    next.page = page.page + 1;
    next.cursor = PageRequest::Cursor::kAfter;
    next.cursorSid = slice.items.back()->sid;
    out.field("next_page_uri", base + next.query(kNumberPrefix));
  } else {
    out.nullField("next_page_uri");
  }
  out.field("page", static_cast<uint64_t>(page.page));
  out.field("page_size", static_cast<uint64_t>(page.pageSize));
  if (slice.hasPrevious && count > 0) {
    PageRequest previous = page;
    previous.page = page.page > 0 ? page.page - 1 : 0;
    previous.cursor = PageRequest::Cursor::kBefore;
    previous.cursorSid = slice.items.front()->sid;
    out.field("previous_page_uri", base + previous.query(kNumberPrefix));
  } else {
    out.nullField("previous_page_uri");
  }
  out.field("start", static_cast<uint64_t>(start));
  out.field("uri", base + page.query(kNumberPrefix));
  out.endObject();
  return http::Response::json(200, out.take());
}

}  // namespace gw::emulator
