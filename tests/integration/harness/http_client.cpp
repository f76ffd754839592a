#include "harness/http_client.hpp"

#include <curl/curl.h>

#include <cctype>
#include <mutex>
#include <stdexcept>

#include "common/text.hpp"
#include "harness/test_values.hpp"

namespace gw::integration {
namespace {

// A safety net against a hung server, far above anything a passing test needs; it is not
// a timing assertion.
constexpr long kTransferTimeoutMs = 180'000;
constexpr long kConnectTimeoutMs = 10'000;
constexpr size_t kDescribeLimit = 2000;

void globalInit() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw std::runtime_error("curl_global_init failed");
    }
  });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

size_t onBody(char* data, size_t size, size_t count, void* user) {
  static_cast<HttpResponse*>(user)->body.append(data, size * count);
  return size * count;
}

size_t onHeader(char* data, size_t size, size_t count, void* user) {
  auto* resp = static_cast<HttpResponse*>(user);
  std::string_view line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) {
    resp->headers.clear();  // a new status line: "100 Continue" or a redirect came first
    return size * count;
  }
  auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    resp->headers.emplace_back(std::string(trim(line.substr(0, colon))),
                               std::string(trim(line.substr(colon + 1))));
  }
  return size * count;
}

struct HeaderList {
  curl_slist* list = nullptr;
  ~HeaderList() { curl_slist_free_all(list); }
  void add(const std::string& h) {
    curl_slist* next = curl_slist_append(list, h.c_str());
    if (!next) throw std::runtime_error("curl_slist_append failed");
    list = next;
  }
};

template <typename T>
void setOpt(CURL* c, CURLoption option, T value) {
  CURLcode rc = curl_easy_setopt(c, option, value);
  if (rc != CURLE_OK) {
    throw std::runtime_error(std::string("curl_easy_setopt: ") + curl_easy_strerror(rc));
  }
}

}  // namespace

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (equalsIgnoreCase(k, name)) return v;
  }
  return std::nullopt;
}

std::string HttpResponse::describe() const {
  std::string out;
  if (!error.empty()) {
    out = "no HTTP answer: " + error;
  } else {
    out = "status " + std::to_string(status) + ", body: ";
    out += body.size() > kDescribeLimit ? body.substr(0, kDescribeLimit) + "..." : body;
  }
  return redact(std::move(out));
}

HttpClient::HttpClient() {
  globalInit();
  curl_ = curl_easy_init();
  if (!curl_) throw std::runtime_error("curl_easy_init failed");
}

HttpClient::~HttpClient() {
  curl_easy_cleanup(static_cast<CURL*>(curl_));
}

HttpResponse HttpClient::send(const HttpRequest& request) {
  CURL* c = static_cast<CURL*>(curl_);
  curl_easy_reset(c);
  HttpResponse resp;
  char errorBuffer[CURL_ERROR_SIZE] = {};

  setOpt(c, CURLOPT_URL, request.url.c_str());
  setOpt(c, CURLOPT_NOPROXY, "*");  // a proxy from the environment must not see loopback
  setOpt(c, CURLOPT_NOSIGNAL, 1L);
  setOpt(c, CURLOPT_TIMEOUT_MS, kTransferTimeoutMs);
  setOpt(c, CURLOPT_CONNECTTIMEOUT_MS, kConnectTimeoutMs);
  setOpt(c, CURLOPT_ERRORBUFFER, errorBuffer);
  setOpt(c, CURLOPT_WRITEFUNCTION, &onBody);
  setOpt(c, CURLOPT_WRITEDATA, &resp);
  setOpt(c, CURLOPT_HEADERFUNCTION, &onHeader);
  setOpt(c, CURLOPT_HEADERDATA, &resp);

  if (request.method == "GET" && !request.body) {
    setOpt(c, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    setOpt(c, CURLOPT_NOBODY, 1L);
  } else {
    setOpt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }

  HeaderList headers;
  bool hasContentType = false;
  for (const auto& h : request.headers) {
    headers.add(h);
    if (equalsIgnoreCase(std::string_view(h).substr(0, h.find(':')), "Content-Type")) {
      hasContentType = true;
    }
  }
  headers.add("Expect:");  // the whole body goes at once, no 100-continue round trip
  if (request.body) {
    setOpt(c, CURLOPT_POSTFIELDS, request.body->data());
    setOpt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body->size()));
    // Otherwise curl would claim application/x-www-form-urlencoded.
    if (!hasContentType) headers.add("Content-Type:");
  }
  setOpt(c, CURLOPT_HTTPHEADER, headers.list);

  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    resp.error = std::string(curl_easy_strerror(rc)) + (errorBuffer[0] ? ": " : "") + errorBuffer;
    resp.status = 0;
    return resp;
  }
  long status = 0;
  rc = curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (rc != CURLE_OK) {
    resp.error = std::string("curl_easy_getinfo: ") + curl_easy_strerror(rc);
    return resp;
  }
  resp.status = status;
  return resp;
}

HttpResponse HttpClient::get(const std::string& url, std::vector<std::string> headers) {
  return send({"GET", url, std::move(headers), std::nullopt});
}

HttpResponse HttpClient::post(const std::string& url, std::string body,
                              std::string_view contentType, std::vector<std::string> headers) {
  headers.push_back("Content-Type: " + std::string(contentType));
  return send({"POST", url, std::move(headers), std::move(body)});
}

HttpResponse HttpClient::del(const std::string& url, std::vector<std::string> headers) {
  return send({"DELETE", url, std::move(headers), std::nullopt});
}

std::string urlEncode(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : value) {
    if (std::isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
      out += static_cast<char>(ch);
    } else {
      out += '%';
      out += kHex[ch >> 4];
      out += kHex[ch & 0xf];
    }
  }
  return out;
}

}  // namespace gw::integration
