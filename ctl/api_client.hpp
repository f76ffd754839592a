#pragma once
// A blocking client of the admin API: one libcurl easy handle (its connection is kept
// alive between requests), the Bearer token on every request and never in a message. A
// failed request throws ApiError whose text is what the user should read: the gateway's
// problem+json title and detail (and per-field errors), or why the gateway was not reached.
// Single-threaded.
#include <curl/curl.h>

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "ctl/settings.hpp"

namespace gw::ctl {

class ApiError : public std::runtime_error {
 public:
  ApiError(long status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  // The HTTP status, or 0 when no answer came (connection refused, timeout...).
  long status() const { return status_; }

 private:
  long status_;
};

struct ApiResponse {
  long status = 0;
  std::string body;
  std::string contentType;
};

class ApiClient {
 public:
  explicit ApiClient(Settings settings);
  ~ApiClient();
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  // Called about every 100 ms while a request runs (a progress display keeps moving).
  void setTick(std::function<void()> tick) { tick_ = std::move(tick); }
  // 0: no limit (an import may run up to the gateway's import deadline).
  void setTimeoutSeconds(long seconds) { timeoutSeconds_ = seconds; }

  // Sends the request; throws ApiError when the gateway cannot be reached.
  ApiResponse send(const std::string& method, const std::string& path,
                   const std::string* jsonBody = nullptr);
  // send(), then throws ApiError unless the status is `expected`; the parsed body (an
  // empty object for a body-less answer).
  rapidjson::Document call(const std::string& method, const std::string& path, long expected = 200,
                           const std::string* jsonBody = nullptr);

  const std::string& url() const { return settings_.url; }

 private:
  static int onProgress(void* self, curl_off_t, curl_off_t, curl_off_t, curl_off_t);

  Settings settings_;
  CURL* curl_ = nullptr;
  long timeoutSeconds_ = 60;
  std::function<void()> tick_;
};

// The message of a failed answer: the problem+json title, status, detail and field errors,
// else the status and the start of the body.
std::string describeFailure(const std::string& method, const std::string& path,
                            const ApiResponse& response);

// A path segment or query value, percent-encoded.
std::string escape(const std::string& text);

}  // namespace gw::ctl
