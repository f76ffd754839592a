#pragma once
// A blocking HTTP/1.1 client on libcurl's easy interface, for driving the processes under
// test. One client holds one connection cache; use one client per thread.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gw::integration {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::optional<std::string> body;   // sent as-is; no Content-Type is added for it
};

struct HttpResponse {
  long status = 0;  // 0 when no HTTP answer came; see error
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string error;  // transport failure (connect, timeout...), empty otherwise

  // Case-insensitive; the first header with this name.
  std::optional<std::string> header(std::string_view name) const;
  // "status 404, body: {...}" with secrets redacted, for assertion messages.
  std::string describe() const;
};

class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpResponse send(const HttpRequest& request);

  HttpResponse get(const std::string& url, std::vector<std::string> headers = {});
  HttpResponse post(const std::string& url, std::string body, std::string_view contentType,
                    std::vector<std::string> headers = {});
  HttpResponse del(const std::string& url, std::vector<std::string> headers = {});

 private:
  void* curl_;  // CURL*
};

// RFC 3986 percent-encoding of a query parameter value.
std::string urlEncode(std::string_view value);

}  // namespace gw::integration
