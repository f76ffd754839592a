#include "gateway/http/message.hpp"

#include <utility>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include "common/text.hpp"
#include "common/utf8.hpp"

namespace gw::http {

namespace {

constexpr std::string_view kProblemType = "about:blank";
// RFC 9457 reserves "about:blank" for problems that mean no more than their status, titled
// with its phrase; validation problems add `errors` and a title of their own, so they name
// the type ASP.NET's ValidationProblemDetails uses, as the platform API does.
constexpr std::string_view kValidationType = "https://tools.ietf.org/html/rfc9110#section-15.5.1";
constexpr std::string_view kProblemContentType = "application/problem+json";
constexpr std::string_view kValidationTitle = "One or more validation errors occurred.";
constexpr std::string_view kValidationDetail =
    "Correct the fields listed in 'errors' and send the request again.";

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool isUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// Problem details echo what a peer sent (a path, a header, a value): bytes that are not
// UTF-8 are replaced so that the document stays valid JSON.
void writeString(rapidjson::Writer<rapidjson::StringBuffer>& w, std::string_view s) {
  if (isValidUtf8(s)) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  } else {
    std::string repaired = toValidUtf8(s);
    w.String(repaired.data(), static_cast<rapidjson::SizeType>(repaired.size()));
  }
}

// The members every problem document starts with; the caller closes the object.
void writeProblemHead(rapidjson::Writer<rapidjson::StringBuffer>& w, std::string_view type,
                      int status, std::string_view title, std::string_view detail,
                      std::string_view instance) {
  w.StartObject();
  w.Key("type");
  writeString(w, type);
  w.Key("title");
  writeString(w, title);
  w.Key("status");
  w.Int(status);
  if (!detail.empty()) {
    w.Key("detail");
    writeString(w, detail);
  }
  if (!instance.empty()) {
    w.Key("instance");
    writeString(w, instance);
  }
}

Response problemResponse(int status, const rapidjson::StringBuffer& buffer) {
  Response r;
  r.status = status;
  r.body.assign(buffer.GetString(), buffer.GetSize());
  r.set("Content-Type", std::string(kProblemContentType));
  return r;
}

}  // namespace

std::optional<std::string_view> Request::header(std::string_view name) const {
  for (const Header& h : headers) {
    if (equalsIgnoreCase(h.name, name)) return std::string_view(h.value);
  }
  return std::nullopt;
}

std::optional<std::string> Request::queryParam(std::string_view name) const {
  std::string_view rest = query;
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    size_t eq = pair.find('=');
    auto key = percentDecode(pair.substr(0, eq), true);
    if (!key || *key != name) continue;
    if (eq == std::string_view::npos) return std::string();
    auto value = percentDecode(pair.substr(eq + 1), true);
    if (value) return value;
  }
  return std::nullopt;
}

const std::string& Request::param(std::string_view name) const {
  static const std::string kEmpty;
  auto it = params.find(name);
  return it == params.end() ? kEmpty : it->second;
}

Response& Response::set(std::string name, std::string value) {
  for (Header& h : headers) {
    if (equalsIgnoreCase(h.name, name)) {
      h.value = std::move(value);
      return *this;
    }
  }
  headers.push_back({std::move(name), std::move(value)});
  return *this;
}

Response Response::json(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  r.set("Content-Type", "application/json");
  return r;
}

Response Response::noContent() {
  Response r;
  r.status = 204;
  return r;
}

Response Response::problem(int status, std::string_view detail, std::string_view instance) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  writeProblemHead(w, kProblemType, status, reasonPhrase(status), detail, instance);
  w.EndObject();
  return problemResponse(status, buffer);
}

Response Response::validationProblem(
    const std::vector<std::pair<std::string, std::string>>& fieldErrors,
    std::string_view instance) {
  // Group by field, keeping the order in which fields and their messages first appear.
  std::vector<std::pair<std::string_view, std::vector<std::string_view>>> grouped;
  for (const auto& [field, message] : fieldErrors) {
    auto it = grouped.begin();
    while (it != grouped.end() && it->first != field) ++it;
    if (it == grouped.end()) {
      grouped.push_back({field, {}});
      it = grouped.end() - 1;
    }
    it->second.push_back(message);
  }

  constexpr int kStatus = 400;
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  writeProblemHead(w, kValidationType, kStatus, kValidationTitle, kValidationDetail, instance);
  w.Key("errors");
  w.StartObject();
  for (const auto& [field, messages] : grouped) {
    w.Key(field.data(), static_cast<rapidjson::SizeType>(field.size()));
    w.StartArray();
    for (std::string_view m : messages) writeString(w, m);
    w.EndArray();
  }
  w.EndObject();
  w.EndObject();
  return problemResponse(kStatus, buffer);
}

std::string_view reasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 203:
      return "Non-Authoritative Information";
    case 204:
      return "No Content";
    case 205:
      return "Reset Content";
    case 206:
      return "Partial Content";
    case 300:
      return "Multiple Choices";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 402:
      return "Payment Required";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 407:
      return "Proxy Authentication Required";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Range Not Satisfiable";
    case 417:
      return "Expectation Failed";
    case 421:
      return "Misdirected Request";
    case 422:
      return "Unprocessable Content";
    case 423:
      return "Locked";
    case 424:
      return "Failed Dependency";
    case 425:
      return "Too Early";
    case 426:
      return "Upgrade Required";
    case 428:
      return "Precondition Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 451:
      return "Unavailable For Legal Reasons";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    case 507:
      return "Insufficient Storage";
    default:
      return "Unknown";
  }
}

std::optional<std::string> percentDecode(std::string_view in, bool formEncoded) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      int hi = hexValue(in[i + 1]);
      int lo = hexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>((hi << 4) | lo));
      i += 2;
    } else if (c == '+' && formEncoded) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string percentEncode(std::string_view in) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(in.size());
  for (char c : in) {
    auto u = static_cast<unsigned char>(c);
    if (isUnreserved(u)) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0x0F]);
    }
  }
  return out;
}

std::optional<std::vector<std::pair<std::string, std::string>>> parseForm(std::string_view in) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!in.empty()) {
    size_t amp = in.find('&');
    std::string_view pair = in.substr(0, amp);
    in = amp == std::string_view::npos ? std::string_view{} : in.substr(amp + 1);
    if (pair.empty()) continue;  // "a=1&&b=2"
    size_t eq = pair.find('=');
    auto key = percentDecode(pair.substr(0, eq), true);
    if (!key) return std::nullopt;
    std::optional<std::string> value = std::string();
    if (eq != std::string_view::npos) value = percentDecode(pair.substr(eq + 1), true);
    if (!value) return std::nullopt;
    out.emplace_back(std::move(*key), std::move(*value));
  }
  return out;
}

std::string_view targetPath(std::string_view target) {
  target = target.substr(0, target.find_first_of("?#"));
  if (target.empty() || target.front() == '/') return target;
  size_t scheme = target.find("://");
  if (scheme == std::string_view::npos) return target;  // "*" or authority form
  size_t slash = target.find('/', scheme + 3);
  return slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
}

}  // namespace gw::http
