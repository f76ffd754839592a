#pragma once
// Incremental HTTP/1.1 request parser on llhttp. It owns no socket: feed() takes whatever
// bytes arrived and stops after each complete request, so a connection can queue requests
// and stop parsing (and reading) while its pipeline is full. Never throws.
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include <llhttp.h>

#include "gateway/http/message.hpp"

namespace gw::http {

enum class ParseError {
  kNone,
  kMalformed,            // 400
  kHeadersTooLarge,      // 431: request line + headers over maxHeaderBytes
  kBodyTooLarge,         // 413: Content-Length or decoded chunked body over maxBodyBytes
  kExpectationFailed,    // 417: an Expect other than 100-continue
  kVersionNotSupported,  // 505: not HTTP/1.x
};

struct ParsedRequest {
  Request request;
  // False for HTTP/1.0 without keep-alive, "Connection: close" and upgrade requests: the
  // connection must close after answering, and parse nothing after this request.
  bool keepAlive = true;
};

class RequestParser {
 public:
  struct Limits {
    size_t maxHeaderBytes = 16 * 1024;
    size_t maxBodyBytes = 1024 * 1024;
    // The requests (by method and decoded path) that may carry up to largeBodyBytes instead.
    std::function<bool(std::string_view method, std::string_view path)> largeBody;
    size_t largeBodyBytes = 0;
  };
  enum class Status {
    kNeedMore,  // all bytes consumed, no request complete yet
    kRequest,   // a request is complete: takeRequest() before feeding again
    kError,     // see error(); the parser accepts nothing more
    kFinished,  // the last request was not keep-alive; the parser accepts nothing more
  };
  struct FeedResult {
    size_t consumed = 0;
    Status status = Status::kNeedMore;
  };

  explicit RequestParser(Limits limits);
  // The body limit of the request parsed last (what a 413 names).
  size_t bodyLimit() const { return bodyLimit_; }
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Parses from the start of data up to the end of the first complete request (or of data).
  // Bytes past the returned `consumed` belong to the next request: feed them again later.
  FeedResult feed(std::string_view data);

  // Valid once after feed() returned kRequest.
  ParsedRequest takeRequest();

  ParseError error() const { return error_; }
  // A short, static explanation of the error, safe to show to the client.
  std::string_view errorReason() const { return errorReason_; }

  // Bytes of a request have arrived, but not the whole request.
  bool inRequest() const { return phase_ == Phase::kHeaders || phase_ == Phase::kBody; }
  bool headersComplete() const { return phase_ == Phase::kBody; }
  // The request being received asked for "100 Continue" and its body has not started.
  bool expectsContinue() const;
  void markContinueSent() { continueSent_ = true; }

 private:
  enum class Phase { kIdle, kHeaders, kBody, kComplete };

  static int onMessageBegin(llhttp_t* p);
  static int onMethod(llhttp_t* p, const char* at, size_t len);
  static int onUrl(llhttp_t* p, const char* at, size_t len);
  static int onHeaderField(llhttp_t* p, const char* at, size_t len);
  static int onHeaderValue(llhttp_t* p, const char* at, size_t len);
  static int onHeaderValueComplete(llhttp_t* p);
  static int onHeadersComplete(llhttp_t* p);
  static int onBody(llhttp_t* p, const char* at, size_t len);
  static int onMessageComplete(llhttp_t* p);
  static const llhttp_settings_t& settings();

  // Counts header-block bytes up to `end`, including the separators between spans.
  bool countHeaderBytes(const char* at, const char* end);
  int fail(ParseError error, const char* reason);
  int finishHeaders();

  Limits limits_;
  size_t bodyLimit_ = 0;  // the current request's: maxBodyBytes or largeBodyBytes
  llhttp_t parser_;
  Phase phase_ = Phase::kIdle;
  bool paused_ = false;
  bool finished_ = false;
  ParseError error_ = ParseError::kNone;
  std::string_view errorReason_;

  size_t headerBytes_ = 0;
  const char* countedTo_ = nullptr;  // inside the current feed() chunk; null: not yet

  ParsedRequest current_;
  std::string fieldName_;
  std::string fieldValue_;
  bool expectContinue_ = false;
  bool continueSent_ = false;
};

}  // namespace gw::http
