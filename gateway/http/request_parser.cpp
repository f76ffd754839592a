#include "gateway/http/request_parser.hpp"

#include <algorithm>
#include <utility>

#include <utility>
#include "common/text.hpp"

namespace gw::http {

namespace {

RequestParser* self(llhttp_t* p) {
  return static_cast<RequestParser*>(p->data);
}

std::string_view trimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

RequestParser::RequestParser(Limits limits)
    : limits_(std::move(limits)), bodyLimit_(limits_.maxBodyBytes) {
  llhttp_init(&parser_, HTTP_REQUEST, &settings());
  parser_.data = this;
}

const llhttp_settings_t& RequestParser::settings() {
  static const llhttp_settings_t kSettings = [] {
    llhttp_settings_t s;
    llhttp_settings_init(&s);
    s.on_message_begin = &RequestParser::onMessageBegin;
    s.on_method = &RequestParser::onMethod;
    s.on_url = &RequestParser::onUrl;
    s.on_header_field = &RequestParser::onHeaderField;
    s.on_header_value = &RequestParser::onHeaderValue;
    s.on_header_value_complete = &RequestParser::onHeaderValueComplete;
    s.on_headers_complete = &RequestParser::onHeadersComplete;
    s.on_body = &RequestParser::onBody;
    s.on_message_complete = &RequestParser::onMessageComplete;
    return s;
  }();
  return kSettings;
}

RequestParser::FeedResult RequestParser::feed(std::string_view data) {
  if (error_ != ParseError::kNone) return {0, Status::kError};
  if (finished_) return {0, Status::kFinished};
  if (phase_ == Phase::kComplete) return {0, Status::kRequest};
  if (data.empty()) return {0, Status::kNeedMore};

  if (paused_) {
    llhttp_resume(&parser_);
    paused_ = false;
  }
  countedTo_ = phase_ == Phase::kHeaders ? data.data() : nullptr;
  const llhttp_errno_t err = llhttp_execute(&parser_, data.data(), data.size());
  size_t consumed = data.size();
  if (err != HPE_OK) {
    // Where llhttp stopped; for a pause, the first byte of the next request.
    const char* pos = llhttp_get_error_pos(&parser_);
    if (pos != nullptr && pos >= data.data() && pos <= data.data() + data.size()) {
      consumed = static_cast<size_t>(pos - data.data());
    }
  }

  switch (err) {
    case HPE_OK:
      break;
    case HPE_PAUSED:  // returned by onMessageComplete: one request at a time
      paused_ = true;
      break;
    case HPE_PAUSED_UPGRADE:
      // Only reached when fed past an upgrade request, which is never keep-alive.
      finished_ = true;
      return {consumed, Status::kFinished};
    default:
      if (error_ == ParseError::kNone) {
        const char* reason = llhttp_get_error_reason(&parser_);
        fail(ParseError::kMalformed, reason != nullptr ? reason : llhttp_errno_name(err));
      }
      return {consumed, Status::kError};
  }

  if (phase_ == Phase::kHeaders && countedTo_ != nullptr &&
      !countHeaderBytes(countedTo_, data.data() + consumed)) {
    return {consumed, Status::kError};
  }
  return {consumed, phase_ == Phase::kComplete ? Status::kRequest : Status::kNeedMore};
}

ParsedRequest RequestParser::takeRequest() {
  ParsedRequest out = std::move(current_);
  current_ = ParsedRequest{};
  phase_ = Phase::kIdle;
  if (!out.keepAlive) finished_ = true;
  return out;
}

bool RequestParser::expectsContinue() const {
  return phase_ == Phase::kBody && expectContinue_ && !continueSent_;
}

bool RequestParser::countHeaderBytes(const char* at, const char* end) {
  const char* from = countedTo_ != nullptr ? countedTo_ : at;
  if (end > from) headerBytes_ += static_cast<size_t>(end - from);
  countedTo_ = end;
  if (headerBytes_ > limits_.maxHeaderBytes) {
    fail(ParseError::kHeadersTooLarge, "The request line and headers are too large.");
    return false;
  }
  return true;
}

int RequestParser::fail(ParseError error, const char* reason) {
  if (error_ == ParseError::kNone) {
    error_ = error;
    errorReason_ = reason;
  }
  return HPE_USER;
}

int RequestParser::onMessageBegin(llhttp_t* p) {
  RequestParser& s = *self(p);
  s.phase_ = Phase::kHeaders;
  s.current_ = ParsedRequest{};
  s.fieldName_.clear();
  s.fieldValue_.clear();
  s.headerBytes_ = 0;
  s.countedTo_ = nullptr;  // the first span (the method) marks where the request starts
  s.expectContinue_ = false;
  s.continueSent_ = false;
  return 0;
}

int RequestParser::onMethod(llhttp_t* p, const char* at, size_t len) {
  RequestParser& s = *self(p);
  if (!s.countHeaderBytes(at, at + len)) return HPE_USER;
  s.current_.request.method.append(at, len);
  return 0;
}

int RequestParser::onUrl(llhttp_t* p, const char* at, size_t len) {
  RequestParser& s = *self(p);
  if (!s.countHeaderBytes(at, at + len)) return HPE_USER;
  s.current_.request.target.append(at, len);
  return 0;
}

int RequestParser::onHeaderField(llhttp_t* p, const char* at, size_t len) {
  RequestParser& s = *self(p);
  if (s.phase_ != Phase::kHeaders) return 0;  // trailers are dropped
  if (!s.countHeaderBytes(at, at + len)) return HPE_USER;
  s.fieldName_.append(at, len);
  return 0;
}

int RequestParser::onHeaderValue(llhttp_t* p, const char* at, size_t len) {
  RequestParser& s = *self(p);
  if (s.phase_ != Phase::kHeaders) return 0;
  if (!s.countHeaderBytes(at, at + len)) return HPE_USER;
  s.fieldValue_.append(at, len);
  return 0;
}

int RequestParser::onHeaderValueComplete(llhttp_t* p) {
  RequestParser& s = *self(p);
  if (s.phase_ == Phase::kHeaders) {
    s.current_.request.headers.push_back(
        {std::move(s.fieldName_), std::string(trimOws(s.fieldValue_))});
  }
  s.fieldName_.clear();
  s.fieldValue_.clear();
  return 0;
}

int RequestParser::onHeadersComplete(llhttp_t* p) {
  RequestParser& s = *self(p);
  s.phase_ = Phase::kBody;
  return s.finishHeaders() == 0 ? 0 : -1;
}

int RequestParser::finishHeaders() {
  if (llhttp_get_http_major(&parser_) != 1) {
    return fail(ParseError::kVersionNotSupported, "Only HTTP/1.0 and HTTP/1.1 are supported.");
  }
  Request& req = current_.request;
  current_.keepAlive = llhttp_should_keep_alive(&parser_) != 0 && parser_.upgrade == 0;

  std::string_view target = req.target;
  auto decoded = percentDecode(targetPath(target), false);
  if (!decoded) {
    return fail(ParseError::kMalformed, "The request target has a malformed percent-escape.");
  }
  req.path = std::move(*decoded);
  size_t q = target.find('?');
  if (q != std::string_view::npos) {
    std::string_view query = target.substr(q + 1);
    req.query = std::string(query.substr(0, query.find('#')));
  }

  bodyLimit_ = limits_.largeBody && limits_.largeBody(req.method, req.path)
                   ? std::max(limits_.maxBodyBytes, limits_.largeBodyBytes)
                   : limits_.maxBodyBytes;
  const bool hasLength = (parser_.flags & F_CONTENT_LENGTH) != 0;
  if (hasLength && parser_.content_length > bodyLimit_) {
    return fail(ParseError::kBodyTooLarge, "The request body is too large.");
  }
  if (auto expect = req.header("Expect")) {
    if (!equalsIgnoreCase(trimOws(*expect), "100-continue")) {
      return fail(ParseError::kExpectationFailed, "Only 'Expect: 100-continue' is supported.");
    }
    // HTTP/1.0 clients do not wait for 100 Continue (RFC 9110, 10.1.1).
    const bool bodyFollows = (parser_.flags & F_CHUNKED) != 0 || parser_.content_length > 0;
    expectContinue_ = bodyFollows && llhttp_get_http_minor(&parser_) >= 1;
  }
  return 0;
}

int RequestParser::onBody(llhttp_t* p, const char* at, size_t len) {
  RequestParser& s = *self(p);
  std::string& body = s.current_.request.body;
  if (len > s.bodyLimit_ - body.size()) {
    return s.fail(ParseError::kBodyTooLarge, "The request body is too large.");
  }
  body.append(at, len);
  s.expectContinue_ = false;  // the client sent the body without waiting
  return 0;
}

int RequestParser::onMessageComplete(llhttp_t* p) {
  self(p)->phase_ = Phase::kComplete;
  return HPE_PAUSED;
}

}  // namespace gw::http
