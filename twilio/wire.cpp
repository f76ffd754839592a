#include "twilio/wire.hpp"

#include <curl/curl.h>

#include "common/json.hpp"

namespace gw::twilio::wire {

bool networkFailure(const HttpResponse& r) {
  if (r.status != 0) return false;
  switch (r.curlCode) {
    case CURLE_ABORTED_BY_CALLBACK:
    case CURLE_FAILED_INIT:
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_OUT_OF_MEMORY:
    case kCircuitOpen:
    case kDeadlinePassed:
    case kDeadlinePassedUnsent:
      return false;
    default:
      return true;
  }
}

HttpResponse notSent(int why, std::string message) {
  HttpResponse r;
  r.curlCode = why;
  r.networkError = std::move(message);
  return r;
}

std::string spanText(std::chrono::milliseconds d) {
  if (d.count() >= 1000) return std::to_string((d.count() + 500) / 1000) + " s";
  return std::to_string(d.count()) + " ms";
}

namespace {

bool unreserved(unsigned char c) {  // ASCII only, whatever the locale
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

}  // namespace

std::string percentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (unreserved(c)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

std::string form(const Fields& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    out += percentEncode(k);
    out += '=';
    out += percentEncode(v);
  }
  return out;
}

std::string str(const rapidjson::Value& obj, const char* name) {
  if (!obj.IsObject()) return {};
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

bool neverReachedTwilio(const HttpResponse& r) {
  if (r.status != 0) return false;
  switch (r.curlCode) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
      return true;
    default:
      return false;
  }
}

bool retryable(const HttpResponse& r, Repeat repeat) {
  if (r.status == 429 || neverReachedTwilio(r)) return true;
  if (repeat == Repeat::kOnlyWhenNotProcessed) return false;
  if (r.status == 0) return networkFailure(r);
  return r.status >= 500;
}

TwilioError errorOf(const HttpResponse& r) {
  TwilioError e;
  e.httpStatus = r.status;
  if (r.status == 0) {
    e.message = r.networkError;
    e.circuitOpen = r.curlCode == kCircuitOpen;
    e.deadlinePassed = r.curlCode == kDeadlinePassed || r.curlCode == kDeadlinePassedUnsent;
    e.notSent = r.curlCode == kDeadlinePassedUnsent;
    return e;
  }
  rapidjson::Document d;
  if (!json::parse(d, r.body) && d.IsObject()) {
    if (auto it = d.FindMember("code"); it != d.MemberEnd() && it->value.IsInt()) {
      e.code = it->value.GetInt();
    }
    e.message = str(d, "message");
    e.moreInfo = str(d, "more_info");
  }
  if (e.message.empty()) e.message = "HTTP " + std::to_string(r.status);
  return e;
}

TwilioError malformed(const HttpResponse& r, std::string_view what) {
  return TwilioError{r.status, 0, "unexpected response from Twilio: " + std::string(what), {}};
}

std::optional<std::chrono::seconds> retryAfter(const HttpResponse& r) {
  const std::string* v = r.header("retry-after");
  if (!v) return std::nullopt;
  std::string_view s(*v);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  if (s.empty() || s.size() > 9) return std::nullopt;
  int64_t secs = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    secs = secs * 10 + (c - '0');
  }
  return std::chrono::seconds(secs);
}

bool throttledAnswer(const HttpResponse& r) {
  if (r.status == 429) return true;
  if (r.status < 400 || r.body.find("20429") == std::string::npos) return false;
  return errorOf(r).code == 20429;
}

}  // namespace gw::twilio::wire
