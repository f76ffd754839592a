#include "gateway/http/response_serializer.hpp"

#include <cstdio>
#include <ctime>

#include "common/log.hpp"
#include "common/text.hpp"

namespace gw::http {

namespace {

bool isSafeField(std::string_view s) {
  return s.find_first_of({"\r\n\0", 3}) == s.npos;
}

bool isServerOwned(std::string_view name) {
  return equalsIgnoreCase(name, "Content-Length") || equalsIgnoreCase(name, "Connection") ||
         equalsIgnoreCase(name, "Transfer-Encoding");
}

void appendHeader(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

}  // namespace

std::string serializeResponse(const Response& response, const SerializeOptions& options) {
  const int status = response.status;
  const bool bodyless = (status >= 100 && status < 200) || status == 204 || status == 304;

  std::string out;
  out.reserve(256 + response.body.size());
  out.append("HTTP/1.1 ");
  out.append(std::to_string(status));
  out.push_back(' ');
  out.append(reasonPhrase(status));
  out.append("\r\n");

  bool hasDate = false;
  bool hasServer = false;
  for (const Header& h : response.headers) {
    if (h.name.empty() || !isSafeField(h.name) || !isSafeField(h.value)) {
      gw::log::warn("http", "dropped a response header with CR, LF or NUL (status ", status, ")");
      continue;
    }
    if (isServerOwned(h.name)) continue;
    hasDate = hasDate || equalsIgnoreCase(h.name, "Date");
    hasServer = hasServer || equalsIgnoreCase(h.name, "Server");
    appendHeader(out, h.name, h.value);
  }
  if (!hasDate) appendHeader(out, "Date", httpDate(std::chrono::system_clock::now()));
  if (!hasServer && !options.serverName.empty() && isSafeField(options.serverName)) {
    appendHeader(out, "Server", options.serverName);
  }
  if (!bodyless) appendHeader(out, "Content-Length", std::to_string(response.body.size()));
  appendHeader(out, "Connection", options.keepAlive ? "keep-alive" : "close");
  out.append("\r\n");
  if (!bodyless && !options.omitBody) out.append(response.body);
  return out;
}

std::string httpDate(std::chrono::system_clock::time_point time) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t t = std::chrono::system_clock::to_time_t(time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday % 7],
                tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

}  // namespace gw::http
