#pragma once
// HTTP request and response values shared by the admin listener, the modules that register
// routes into it, and the Twilio emulator.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gw::http {

// What a filter learned about a request (the gateway's auth: who is calling), for the
// handlers after it; the HTTP layer never looks inside. It holds an address, not a copy:
// nothing is allocated per request, and the filter's owner keeps the object alive while
// the server runs. get<T>() is null unless a T was set.
class Attachment {
 public:
  template <class T>
  void set(const T& value) {
    value_ = &value;
    type_ = &kTypeTag<T>;
  }
  template <class T>
  void set(const T&&) = delete;  // a temporary would dangle
  template <class T>
  const T* get() const {
    return type_ == &kTypeTag<T> ? static_cast<const T*>(value_) : nullptr;
  }

 private:
  // One object per type, so its address names the type without RTTI.
  template <class T>
  static constexpr char kTypeTag = 0;

  const void* value_ = nullptr;
  const char* type_ = nullptr;
};

struct Header {
  std::string name;
  std::string value;
};

struct Request {
  std::string method;  // "GET", "POST", ... as sent
  std::string target;  // raw request-target
  std::string path;    // percent-decoded path, no query
  std::string query;   // raw query string without '?'
  std::vector<Header> headers;
  std::string body;
  std::string remoteAddress;  // "127.0.0.1:40000"

  // Filled by the router: "{id}" in the pattern gives params["id"].
  std::map<std::string, std::string, std::less<>> params;
  // Set by the server's filter, read by handlers (the gateway's auth attaches the caller).
  Attachment attachment;
  // Filled by the router: the pattern that matched ("/api/v1/providers/{id}"), so logs
  // name the route without the ids in the path.
  std::string route;
  // Filled by the connection before routing: the client's X-Request-Id when it is sane, a
  // new UUID otherwise. Echoed in the response; travels into Twilio failure logs.
  std::string requestId;

  // Case-insensitive lookup of the first header with this name.
  std::optional<std::string_view> header(std::string_view name) const;
  // Percent- and '+'-decoded value of the first query parameter with this name.
  std::optional<std::string> queryParam(std::string_view name) const;
  const std::string& param(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::vector<Header> headers;  // Content-Length and Connection are added by the server
  std::string body;

  Response& set(std::string name, std::string value);

  static Response json(int status, std::string body);
  static Response noContent();
  // RFC 9457 problem details: {type, title, status, detail, instance}.
  static Response problem(int status, std::string_view detail, std::string_view instance = {});
  // 400 with an "errors" map: field path -> messages, as ASP.NET validation problems do.
  static Response validationProblem(
      const std::vector<std::pair<std::string, std::string>>& fieldErrors,
      std::string_view instance = {});
};

// Standard reason phrase ("Not Found"); "Unknown" for codes it does not know.
std::string_view reasonPhrase(int status);

// Percent-decoding; '+' becomes ' ' when formEncoded. nullopt on a malformed escape.
std::optional<std::string> percentDecode(std::string_view in, bool formEncoded);
// Percent-encoding of everything but unreserved characters (so '+' is "%2B").
std::string percentEncode(std::string_view in);
// Parses "a=1&b=2" (form or query) into decoded pairs, in order. nullopt when malformed.
std::optional<std::vector<std::pair<std::string, std::string>>> parseForm(std::string_view in);

// The raw (still percent-encoded) path of a request-target: no query or fragment, and no
// scheme or authority when the target is in absolute form ("http://host/a" gives "/a").
std::string_view targetPath(std::string_view target);

}  // namespace gw::http
