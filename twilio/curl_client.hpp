#pragma once
// Asynchronous HTTP client: libcurl's multi interface driven by an Asio io_context
// (CURLMOPT_SOCKETFUNCTION / CURLMOPT_TIMERFUNCTION). Connections are reused across
// requests. Every public function must be called on the io_context's thread.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

namespace gw::twilio {

struct HttpRequest {
  std::string method = "GET";  // GET, POST, DELETE
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string basicUser;      // HTTP Basic auth when non-empty
  std::string basicPassword;  // secret: never logged
  std::chrono::milliseconds timeout{15'000};
};

struct HttpResponse {
  int status = 0;            // 0 when no HTTP response arrived (see networkError)
  std::string networkError;  // curl's message for connect/timeout/transfer failures
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercased
  std::string body;
  int curlCode = 0;  // the CURLcode behind networkError (28: timeout, 7: connect failed)

  const std::string* header(std::string_view lowercaseName) const;
};

struct CurlOptions {
  long maxHostConnections = 64;  // parallel connections kept per host
  long maxTotalConnections = 256;
  std::chrono::milliseconds connectTimeout{5'000};
  size_t maxResponseBytes = 64 << 20;  // a longer body fails the transfer
};

struct CurlStats {
  uint64_t transfers = 0;          // completed, failed ones included
  uint64_t networkErrors = 0;      // completed without an HTTP response
  uint64_t connectionsOpened = 0;  // new connections (the rest reused a cached one)
  size_t inFlight = 0;
};

class CurlClient {
 public:
  CurlClient(boost::asio::io_context& io, CurlOptions options = {});
  ~CurlClient();
  CurlClient(const CurlClient&) = delete;
  CurlClient& operator=(const CurlClient&) = delete;

  // Completes with the response, or with status 0 and networkError set. Never throws for
  // network failures.
  boost::asio::awaitable<HttpResponse> send(HttpRequest request);

  // Aborts every transfer in flight (each completes with a network error); later sends
  // fail at once. The destructor does the same.
  void shutdown();

  CurlStats stats() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace gw::twilio
