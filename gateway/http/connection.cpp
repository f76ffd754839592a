#include "gateway/http/connection.hpp"

#include <algorithm>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/write.hpp>

#include "common/log.hpp"
#include "common/uuid.hpp"
#include "gateway/http/response_serializer.hpp"

namespace gw::http {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// After the last response, the read side stays open this long (or until the client closes)
// so that bytes the client already sent do not turn our close into a reset that could
// destroy the response before the client reads it.
constexpr std::chrono::milliseconds kLingerTimeout{1000};
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

// A coroutine frame of our own, so that a handler that throws before its first suspension
// fails inside co_spawn instead of in our call stack.
asio::awaitable<Response> invokeHandler(const Handler& handler, Request& request) {
  co_return co_await handler(request);
}

// A client's X-Request-Id is kept when it is an id and nothing else: 1 to 128 characters of
// letters, digits and "-._:". Anything else (a log line, a secret pasted by mistake, bytes
// that break JSON) is replaced by a UUID of ours.
bool saneRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == ':';
  });
}

std::string requestIdOf(const Request& req) {
  auto sent = req.header("X-Request-Id");
  if (sent && saneRequestId(*sent)) return std::string(*sent);
  return newUuid();
}

std::string formatEndpoint(const asio::ip::tcp::endpoint& ep) {
  const auto address = ep.address();
  std::string host = address.to_string();
  if (address.is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(ep.port());
}

}  // namespace

Connection::Connection(asio::ip::tcp::socket socket, std::shared_ptr<ConnectionHost> host)
    : socket_(std::move(socket)),
      timer_(socket_.get_executor()),
      host_(std::move(host)),
      parser_(
          RequestParser::Limits{host_->options().maxHeaderBytes, host_->options().maxBodyBytes}) {}

void Connection::start() {
  error_code ec;
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);  // responses are small writes
  const auto remote = socket_.remote_endpoint(ec);
  if (ec) {  // the peer has already gone
    close();
    return;
  }
  remoteAddress_ = formatEndpoint(remote);
  lastActivity_ = Clock::now();
  idleSince_ = lastActivity_;
  advance();
}

void Connection::stop() {
  if (closed_) return;
  stopping_ = true;
  if (lingering_) {
    if (nothingUnread()) close();  // otherwise it closes by itself within the linger time
    return;
  }
  inputClosed_ = true;
  queue_.clear();
  pending_.clear();
  if (!handling_) {
    close();
    return;
  }
  updateTimer();
}

void Connection::close() {
  if (closed_) return;
  closed_ = true;
  error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  timer_.cancel();
  queue_.clear();
  pending_.clear();
  if (!handlerRunning_) current_.reset();
  maybeFinish();
}

void Connection::maybeFinish() {
  if (!closed_ || handlerRunning_ || finished_) return;
  finished_ = true;
  host_->connectionFinished(*this);
}

void Connection::advance() {
  if (closed_) return;
  parsePending();
  processQueue();
  maybeSendContinue();
  maybeRead();
  updateTimer();
}

void Connection::parsePending() {
  const size_t maxQueued = std::max<size_t>(1, host_->options().maxPipelined);
  while (!inputClosed_ && !pending_.empty() && queue_.size() < maxQueued) {
    const RequestParser::FeedResult r = parser_.feed(pending_);
    pending_.erase(0, r.consumed);
    if (parser_.inRequest() && !requestInProgress_) {
      requestInProgress_ = true;
      requestStarted_ = Clock::now();  // the header timeout counts from the first byte
    }
    switch (r.status) {
      case RequestParser::Status::kNeedMore:
        if (r.consumed == 0) return;
        break;
      case RequestParser::Status::kRequest: {
        requestInProgress_ = false;
        ParsedRequest parsed = parser_.takeRequest();
        Entry entry;
        entry.request = std::move(parsed.request);
        entry.request.remoteAddress = remoteAddress_;
        entry.keepAlive = parsed.keepAlive;
        queue_.push_back(std::move(entry));
        if (!parsed.keepAlive) {
          inputClosed_ = true;
          pending_.clear();
        }
        break;
      }
      case RequestParser::Status::kError: {
        const ServerOptions& o = host_->options();
        switch (parser_.error()) {
          case ParseError::kHeadersTooLarge:
            queueError(431, "The request line and headers exceed " +
                                std::to_string(o.maxHeaderBytes) + " bytes.");
            break;
          case ParseError::kBodyTooLarge:
            queueError(413,
                       "The request body exceeds " + std::to_string(o.maxBodyBytes) + " bytes.");
            break;
          case ParseError::kExpectationFailed:
            queueError(417, std::string(parser_.errorReason()));
            break;
          case ParseError::kVersionNotSupported:
            queueError(505, std::string(parser_.errorReason()));
            break;
          case ParseError::kMalformed:
          case ParseError::kNone:
            queueError(400,
                       "The request is not valid HTTP/1.1: " + std::string(parser_.errorReason()));
            break;
        }
        break;
      }
      case RequestParser::Status::kFinished:
        inputClosed_ = true;
        pending_.clear();
        break;
    }
  }
}

// Parse errors and timeouts end the connection: the answer waits for the responses to the
// requests before it, then the connection closes.
void Connection::queueError(int status, const std::string& detail) {
  gw::log::debug("http", remoteAddress_, ": answering ", status, " and closing: ", detail);
  Entry entry;
  entry.keepAlive = false;
  entry.response = Response::problem(status, detail);
  queue_.push_back(std::move(entry));
  inputClosed_ = true;
  requestInProgress_ = false;
  pending_.clear();
}

void Connection::processQueue() {
  if (handling_ || closed_ || queue_.empty()) return;
  current_ = std::make_unique<Entry>(std::move(queue_.front()));
  queue_.pop_front();
  handling_ = true;
  current_->request.requestId = requestIdOf(current_->request);
  if (current_->response) {
    Response r = std::move(*current_->response);
    respond(std::move(r));
    return;
  }
  dispatch(*current_);
}

void Connection::dispatch(Entry& entry) {
  Request& req = entry.request;
  // Matched before the filter runs so that a refused request is logged with its route.
  const Router::Match match = host_->router().match(req);
  if (const Filter& filter = host_->filter()) {
    std::optional<Response> early;
    try {
      early = filter(req);
    } catch (const std::exception& e) {
      gw::log::error("http", "filter failed for ", req.method, " ", req.path, ": ", e.what());
      early = Response::problem(500, "The server failed to process the request.", req.path);
    } catch (...) {
      gw::log::error("http", "filter failed for ", req.method, " ", req.path);
      early = Response::problem(500, "The server failed to process the request.", req.path);
    }
    if (early) {
      respond(std::move(*early));
      return;
    }
  }

  if (match.handler == nullptr) {
    if (match.pathMatched) {
      Response r = Response::problem(
          405,
          "This resource does not support " + req.method + "; the Allow header lists what it does.",
          req.path);
      r.set("Allow", match.allow);
      respond(std::move(r));
    } else {
      respond(Response::problem(404, "There is no resource at this path.", req.path));
    }
    return;
  }

  handlerRunning_ = true;
  asio::co_spawn(socket_.get_executor(), invokeHandler(*match.handler, req),
                 [self = shared_from_this()](std::exception_ptr error, Response response) {
                   self->onHandlerDone(std::move(error), std::move(response));
                 });
}

void Connection::onHandlerDone(const std::exception_ptr& error, Response response) {
  handlerRunning_ = false;
  if (closed_) {
    current_.reset();
    maybeFinish();
    return;
  }
  if (error) {
    const Request& req = current_->request;
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      gw::log::error("http", "handler for ", req.method, " ", req.path, " failed: ", e.what());
    } catch (...) {
      gw::log::error("http", "handler for ", req.method, " ", req.path,
                     " failed with a non-standard exception");
    }
    response = Response::problem(500, "The server failed to process the request.", req.path);
  }
  respond(std::move(response));
  advance();
}

void Connection::respond(Response response) {
  const Entry& entry = *current_;
  if (response.status < 200 || response.status > 599) {
    // An interim or invalid status would leave the client waiting for a final answer.
    gw::log::error("http", "handler for ", entry.request.method, " ", entry.request.path,
                   " returned status ", response.status);
    response =
        Response::problem(500, "The server failed to process the request.", entry.request.path);
  }
  // Close when the request asked for it, when the server stops, or when nothing can follow
  // (input ended and no request is waiting).
  response.set("X-Request-Id", entry.request.requestId);
  if (host_->options().accessLog) logAccess(entry, response);
  const bool closeAfter = !entry.keepAlive || stopping_ || (inputClosed_ && queue_.empty());
  SerializeOptions options;
  options.keepAlive = !closeAfter;
  options.serverName = host_->options().serverName;
  options.omitBody = entry.request.method == "HEAD";
  output_.push_back(Output{serializeResponse(response, options), true, closeAfter});
  if (const Observer& observe = host_->observer()) {
    observe(entry.request, entry.request.route, response.status, Clock::now() - entry.received);
  }
  writeNext();
}

// Requests the parser refused have no method or route: "-" stands in. The org is empty
// before authentication.
void Connection::logAccess(const Entry& entry, const Response& response) const {
  if (!gw::log::enabled(gw::log::Level::kInfo)) return;
  const Request& req = entry.request;
  const std::string_view method = req.method.empty() ? "-" : std::string_view(req.method);
  const std::string_view route = req.route.empty() ? "-" : std::string_view(req.route);
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - entry.received);
  const uint64_t bytes = req.method == "HEAD" ? 0 : response.body.size();
  std::string message(method);
  message += ' ';
  message += route;
  message += ' ';
  message += std::to_string(response.status);
  gw::log::write(gw::log::Level::kInfo, "access", message,
                 {{"request_id", req.requestId},
                  {"org", req.orgId},
                  {"method", method},
                  {"route", route},
                  {"status", response.status},
                  {"duration_ms", static_cast<double>(micros.count()) / 1000.0},
                  {"bytes", bytes},
                  {"remote", remoteAddress_}});
}

void Connection::maybeSendContinue() {
  // Only when no earlier response is pending, so that the interim response cannot be taken
  // for part of an earlier request's answer.
  if (closed_ || lingering_ || inputClosed_ || handling_ || !queue_.empty()) return;
  if (!parser_.expectsContinue()) return;
  parser_.markContinueSent();
  output_.push_back(Output{std::string(kContinue), false, false});
  writeNext();
}

void Connection::maybeRead() {
  if (reading_ || closed_) return;
  if (!lingering_) {
    const size_t maxQueued = std::max<size_t>(1, host_->options().maxPipelined);
    if (inputClosed_ || !pending_.empty() || queue_.size() >= maxQueued) return;
  }
  reading_ = true;
  socket_.async_read_some(
      asio::buffer(readBuffer_),
      [self = shared_from_this()](const error_code& ec, size_t bytes) { self->onRead(ec, bytes); });
}

void Connection::onRead(const error_code& ec, size_t bytes) {
  reading_ = false;
  if (closed_) return;
  if (lingering_) {
    if (ec) {
      close();
    } else {
      maybeRead();  // discard
    }
    return;
  }
  if (ec) {
    if (ec == asio::error::eof) {
      onPeerClosed();
    } else {
      close();
    }
    return;
  }
  if (inputClosed_) return;  // answered by a timeout meanwhile; these bytes are not parsed
  lastActivity_ = Clock::now();
  pending_.append(readBuffer_.data(), bytes);
  advance();
}

// The client may half-close after sending its requests and still read the answers.
void Connection::onPeerClosed() {
  peerClosed_ = true;
  inputClosed_ = true;
  requestInProgress_ = false;
  pending_.clear();
  if (!handling_ && queue_.empty()) {
    close();
    return;
  }
  advance();
}

void Connection::writeNext() {
  if (writing_ || closed_ || output_.empty()) return;
  writing_ = true;
  writeStarted_ = Clock::now();
  asio::async_write(
      socket_, asio::buffer(output_.front().bytes),
      [self = shared_from_this()](const error_code& ec, size_t) { self->onWrite(ec); });
  updateTimer();
}

void Connection::onWrite(const error_code& ec) {
  writing_ = false;
  if (closed_) return;
  if (ec) {
    close();
    return;
  }
  const Output done = std::move(output_.front());
  output_.pop_front();
  if (done.isResponse) {
    current_.reset();
    handling_ = false;
    lastActivity_ = Clock::now();  // the idle timeout counts from the last response
    idleSince_ = lastActivity_;
    // Also when the peer half-closed while this response was on its way: no request
    // can follow, and nothing else would ever end the connection.
    if (done.closeAfter || stopping_ || (inputClosed_ && queue_.empty() && output_.empty())) {
      beginLingeringClose();
      return;
    }
  }
  writeNext();
  advance();
}

void Connection::beginLingeringClose() {
  inputClosed_ = true;
  queue_.clear();
  pending_.clear();
  error_code ec;
  if (!peerClosed_) socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  // A stopping server does not wait for the client unless it has sent bytes we have not read
  // (closing over those would reset the connection).
  if (peerClosed_ || ec || (stopping_ && nothingUnread())) {
    close();
    return;
  }
  lingering_ = true;
  lingerUntil_ =
      Clock::now() + std::min<Clock::duration>(kLingerTimeout, host_->options().idleTimeout);
  maybeRead();
  updateTimer();
}

bool Connection::nothingUnread() {
  error_code ec;
  const size_t unread = socket_.available(ec);
  return !ec && unread == 0;
}

std::optional<Connection::Deadline> Connection::deadline() const {
  const ServerOptions& o = host_->options();
  std::optional<Deadline> best;
  auto consider = [&best](Clock::time_point at, TimerAction action) {
    if (!best || at < best->at) best = Deadline{at, action};
  };
  if (lingering_) consider(lingerUntil_, TimerAction::kClose);
  if (writing_) consider(writeStarted_ + o.idleTimeout, TimerAction::kClose);  // stuck reader
  if (!lingering_ && !inputClosed_) {
    if (parser_.inRequest()) {
      if (!parser_.headersComplete()) {
        consider(requestStarted_ + o.headerTimeout, TimerAction::kRequestTimeout);
      } else if (!parser_.expectsContinue() || (!handling_ && queue_.empty())) {
        // A stalled body; not while the client waits for a "100 Continue" that waits on us.
        consider(lastActivity_ + o.idleTimeout, TimerAction::kRequestTimeout);
      }
    } else if (!handling_ && queue_.empty() && output_.empty()) {
      consider(idleSince_ + o.idleTimeout, TimerAction::kClose);
    }
  }
  return best;
}

void Connection::updateTimer() {
  if (closed_) return;
  const std::optional<Deadline> d = deadline();
  if (!d) {
    if (timerArmedFor_) {
      timer_.cancel();
      timerArmedFor_.reset();
    }
    return;
  }
  if (timerArmedFor_ == d->at) return;
  timerArmedFor_ = d->at;
  timer_.expires_at(d->at);  // cancels the previous wait
  timer_.async_wait([self = shared_from_this()](const error_code& ec) { self->onTimer(ec); });
}

void Connection::onTimer(const error_code& ec) {
  if (ec == asio::error::operation_aborted || closed_) return;
  timerArmedFor_.reset();
  const std::optional<Deadline> d = deadline();
  if (!d) return;
  if (d->at > Clock::now()) {  // the state moved on since this wait was armed
    updateTimer();
    return;
  }
  switch (d->action) {
    case TimerAction::kClose:
      close();
      return;
    case TimerAction::kRequestTimeout:
      queueError(408, "The request was not received in time.");
      advance();
      return;
  }
}

}  // namespace gw::http
