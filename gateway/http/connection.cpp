#include "gateway/http/connection.hpp"

#include <algorithm>
#include <deque>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "common/log.hpp"
#include "common/uuid.hpp"
#include "gateway/http/request_parser.hpp"
#include "gateway/http/response_serializer.hpp"

namespace gw::http {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using boost::system::error_code;

namespace {

// After the last response, the read side stays open this long (or until the client closes)
// so that bytes the client already sent do not turn our close into a reset that could
// destroy the response before the client reads it.
constexpr std::chrono::milliseconds kLingerTimeout{1000};
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

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

// A request in the order it arrived: routed when its turn comes, or already answered
// (a parse error or a timeout ends the connection with this answer).
struct Connection::Entry {
  Request request;
  bool keepAlive = true;
  std::optional<Response> response;
  Clock::time_point received = Clock::now();  // parsed; latency and the access log count from here
};

// What the client sent and the loop has not answered yet. Lives in run()'s frame.
struct Connection::Input {
  explicit Input(const ServerOptions& o)
      : parser(
            RequestParser::Limits{o.maxHeaderBytes, o.maxBodyBytes, o.largeBody, o.largeBodyBytes}),
        maxQueued(std::max<size_t>(1, o.maxPipelined)) {}

  RequestParser parser;
  size_t maxQueued;
  std::string pending;      // received, not parsed yet (the queue was full)
  std::deque<Entry> queue;  // parsed, waiting for their turn
  bool ended = false;       // nothing more will be parsed: the last request, an error, EOF
  bool peerClosed = false;  // the client half-closed: it can still read our answers
  std::optional<Clock::time_point> requestStarted;  // first byte of a partial request
  Clock::time_point lastActivity = Clock::now();    // last byte received or response written

  bool full() const { return queue.size() >= maxQueued; }
};

Connection::Connection(asio::ip::tcp::socket socket, std::shared_ptr<ConnectionHost> host)
    : socket_(std::move(socket)), watchdog_(socket_.get_executor()), host_(std::move(host)) {}

void Connection::start() {
  // The frame holds `self`: the connection lives exactly as long as its loop.
  asio::co_spawn(socket_.get_executor(), run(shared_from_this()),
                 [](const std::exception_ptr& error) {
                   if (error) std::rethrow_exception(error);  // a bug: end the event loop
                 });
}

void Connection::stop() {
  stopping_ = true;
  if (readStoppable_) {
    error_code ignored;
    socket_.cancel(ignored);
  }
}

void Connection::close() {
  error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  watchdog_.cancel();
}

// The whole life of the connection: the next request, its answer, the write, and whether
// another request may follow. Every way out ends with the socket closed and the server told.
awaitable<void> Connection::run(std::shared_ptr<Connection> self) {
  error_code ec;
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);  // responses are small writes
  const auto remote = socket_.remote_endpoint(ec);
  if (!ec) {  // otherwise the peer has already gone
    remoteAddress_ = formatEndpoint(remote);
    Input in(host_->options());
    Clock::time_point idleSince = Clock::now();  // CRLFs between requests do not move it
    for (;;) {
      std::optional<Entry> entry = co_await nextRequest(in, idleSince);
      if (!entry) break;  // idle timeout, the client left, or the server stops
      Response response = co_await answer(*entry, in);
      if (stopping_) in.queue.clear();  // requests that have not started are dropped
      // Close when the request asked for it, when the server stops, or when nothing can
      // follow (input ended and no request is waiting).
      const bool last = !entry->keepAlive || stopping_ || (in.ended && in.queue.empty());
      if (!co_await writeAll(finish(*entry, std::move(response), last))) break;
      idleSince = in.lastActivity = Clock::now();  // the idle timeout counts from here
      if (last || stopping_) {
        co_await lingeringClose(in.peerClosed);
        break;
      }
    }
  }
  close();
  host_->connectionFinished(*self);
}

// The next request in arrival order, reading as much as it takes; nullopt when the
// connection should close without another answer.
awaitable<std::optional<Connection::Entry>> Connection::nextRequest(Input& in,
                                                                    Clock::time_point idleSince) {
  const ServerOptions& o = host_->options();
  for (;;) {
    if (stopping_) co_return std::nullopt;
    parse(in);  // what the full queue left unparsed
    if (!in.queue.empty()) {
      std::optional<Entry> next(std::move(in.queue.front()));
      in.queue.pop_front();
      co_return next;
    }
    if (in.ended) co_return std::nullopt;
    // Only now, with every earlier request answered, so that the interim response cannot
    // be taken for part of an earlier answer.
    if (in.parser.expectsContinue()) {
      in.parser.markContinueSent();
      if (!co_await writeAll(kContinue)) co_return std::nullopt;
    }
    // Waiting for a request: silent close. Inside its header block: 408 from the first
    // byte on, however slowly bytes trickle. Inside its body: 408 when it stalls.
    const bool inRequest = in.requestStarted.has_value();
    Clock::time_point deadline = idleSince + o.idleTimeout;
    if (inRequest) {
      deadline = in.parser.headersComplete() ? in.lastActivity + o.idleTimeout
                                             : *in.requestStarted + o.headerTimeout;
    }
    const ReadResult read = co_await readSome(deadline, true);
    if (read.status == ReadStatus::kTimeout && inRequest) {
      queueError(in, 408, "The request was not received in time.");
    } else if (read.status == ReadStatus::kData || read.status == ReadStatus::kEnd) {
      take(in, read);
    } else {
      co_return std::nullopt;
    }
  }
}

// Takes what a read brought: bytes to parse, or the client's half-close.
void Connection::take(Input& in, ReadResult read) {
  if (read.status == ReadStatus::kEnd) {
    in.peerClosed = true;
    in.ended = true;
    in.requestStarted.reset();
    in.pending.clear();
    return;
  }
  in.lastActivity = Clock::now();
  in.pending.append(readBuffer_.data(), read.bytes);
  parse(in);
}

void Connection::parse(Input& in) {
  while (!in.ended && !in.pending.empty() && !in.full()) {
    const RequestParser::FeedResult r = in.parser.feed(in.pending);
    in.pending.erase(0, r.consumed);
    if (in.parser.inRequest() && !in.requestStarted) in.requestStarted = Clock::now();
    switch (r.status) {
      case RequestParser::Status::kNeedMore:
        if (r.consumed == 0) return;
        break;
      case RequestParser::Status::kRequest: {
        in.requestStarted.reset();
        ParsedRequest parsed = in.parser.takeRequest();
        Entry& entry = in.queue.emplace_back();
        entry.request = std::move(parsed.request);
        entry.request.remoteAddress = remoteAddress_;
        entry.keepAlive = parsed.keepAlive;
        if (!parsed.keepAlive) {
          in.ended = true;
          in.pending.clear();
        }
        break;
      }
      case RequestParser::Status::kError: {
        const ServerOptions& o = host_->options();
        switch (in.parser.error()) {
          case ParseError::kHeadersTooLarge:
            queueError(in, 431,
                       "The request line and headers exceed " + std::to_string(o.maxHeaderBytes) +
                           " bytes.");
            break;
          case ParseError::kBodyTooLarge:
            queueError(
                in, 413,
                "The request body exceeds " + std::to_string(in.parser.bodyLimit()) + " bytes.");
            break;
          case ParseError::kExpectationFailed:
            queueError(in, 417, std::string(in.parser.errorReason()));
            break;
          case ParseError::kVersionNotSupported:
            queueError(in, 505, std::string(in.parser.errorReason()));
            break;
          case ParseError::kMalformed:
          case ParseError::kNone:
            queueError(
                in, 400,
                "The request is not valid HTTP/1.1: " + std::string(in.parser.errorReason()));
            break;
        }
        break;
      }
      case RequestParser::Status::kFinished:
        in.ended = true;
        in.pending.clear();
        break;
    }
  }
}

// Parse errors and timeouts end the connection: the answer waits for the responses to the
// requests before it, then the connection closes.
void Connection::queueError(Input& in, int status, const std::string& detail) const {
  gw::log::debug("http", remoteAddress_, ": answering ", status, " and closing: ", detail);
  Entry& entry = in.queue.emplace_back();
  entry.keepAlive = false;
  entry.response = Response::problem(status, detail);
  in.ended = true;
  in.requestStarted.reset();
  in.pending.clear();
}

// The response to one request: its parse error, the filter's answer, 404/405, or what its
// handler returns. The socket keeps being read while the handler runs.
awaitable<Response> Connection::answer(Entry& entry, Input& in) {
  Request& req = entry.request;
  req.requestId = requestIdOf(req);
  if (entry.response) co_return std::move(*entry.response);
  const Handler* handler = nullptr;
  if (std::optional<Response> early = route(req, handler)) co_return std::move(*early);

  bool handlerDone = false;
  bool readingAhead = true;
  asio::steady_timer readAheadEnded(socket_.get_executor(), Clock::time_point::max());
  asio::co_spawn(socket_.get_executor(), readAhead(in, handlerDone),
                 [&](const std::exception_ptr& error) {
                   readingAhead = false;
                   readAheadEnded.cancel();
                   if (error) std::rethrow_exception(error);
                 });
  Response response = co_await callHandler(*handler, req);
  handlerDone = true;
  error_code ignored;
  if (readStoppable_) socket_.cancel(ignored);
  if (readingAhead) {
    co_await readAheadEnded.async_wait(asio::redirect_error(use_awaitable, ignored));
  }
  co_return response;
}

// The filter's answer or 404/405 when there is one; otherwise sets `handler`. The route is
// matched before the filter runs so that a refused request is logged with its route.
std::optional<Response> Connection::route(Request& req, const Handler*& handler) const {
  const Router::Match match = host_->router().match(req);
  if (const Filter& filter = host_->filter()) {
    try {
      if (std::optional<Response> early = filter(req)) return early;
    } catch (const std::exception& e) {
      gw::log::error("http", "filter failed for ", req.method, " ", req.path, ": ", e.what());
      return Response::problem(500, "The server failed to process the request.", req.path);
    } catch (...) {
      gw::log::error("http", "filter failed for ", req.method, " ", req.path);
      return Response::problem(500, "The server failed to process the request.", req.path);
    }
  }
  if (match.handler != nullptr) {
    handler = match.handler;
    return std::nullopt;
  }
  if (!match.pathMatched) {
    return Response::problem(404, "There is no resource at this path.", req.path);
  }
  Response r = Response::problem(
      405,
      "This resource does not support " + req.method + "; the Allow header lists what it does.",
      req.path);
  r.set("Allow", match.allow);
  return r;
}

// Runs the handler; what it throws (also before its first suspension) becomes a 500.
awaitable<Response> Connection::callHandler(const Handler& handler, Request& req) {
  try {
    co_return co_await handler(req);
  } catch (const std::exception& e) {
    gw::log::error("http", "handler for ", req.method, " ", req.path, " failed: ", e.what());
  } catch (...) {
    gw::log::error("http", "handler for ", req.method, " ", req.path,
                   " failed with a non-standard exception");
  }
  co_return Response::problem(500, "The server failed to process the request.", req.path);
}

// While a handler runs: reads and parses what follows (up to maxPipelined requests), and
// sees the client's half-close, so the answer can say whether the connection stays open.
awaitable<void> Connection::readAhead(Input& in, const bool& handlerDone) {
  parse(in);
  while (!handlerDone && !stopping_ && !in.ended && !in.full()) {
    const ReadResult read = co_await readSome(std::nullopt, true);
    if (read.status == ReadStatus::kFailed) {
      close();  // the answer has nobody to go to
      co_return;
    }
    if (read.status != ReadStatus::kData && read.status != ReadStatus::kEnd) co_return;
    take(in, read);
  }
}

// The answer's bytes: status checked, X-Request-Id set, logged and observed.
std::string Connection::finish(const Entry& entry, Response response, bool last) const {
  const Request& req = entry.request;
  if (response.status < 200 || response.status > 599) {
    // An interim or invalid status would leave the client waiting for a final answer.
    gw::log::error("http", "handler for ", req.method, " ", req.path, " returned status ",
                   response.status);
    response = Response::problem(500, "The server failed to process the request.", req.path);
  }
  response.set("X-Request-Id", req.requestId);
  const ServerOptions& o = host_->options();
  if (o.accessLog) logAccess(entry, response);
  SerializeOptions options;
  options.keepAlive = !last;
  options.serverName = o.serverName;
  options.omitBody = req.method == "HEAD";
  std::string bytes = serializeResponse(response, options);
  if (const Observer& observe = host_->observer()) {
    observe(req, req.route, response.status, Clock::now() - entry.received);
  }
  return bytes;
}

// Requests the parser refused have no method or route: "-" stands in. The caller is empty
// before authentication.
void Connection::logAccess(const Entry& entry, const Response& response) const {
  if (!gw::log::enabled(gw::log::Level::kInfo)) return;
  const Request& req = entry.request;
  const ServerOptions& o = host_->options();
  const std::string_view method = req.method.empty() ? "-" : std::string_view(req.method);
  const std::string_view route = req.route.empty() ? "-" : std::string_view(req.route);
  const std::string_view caller = o.callerOf ? o.callerOf(req) : std::string_view();
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
                  {o.callerField, caller},
                  {"method", method},
                  {"route", route},
                  {"status", response.status},
                  {"duration_ms", static_cast<double>(micros.count()) / 1000.0},
                  {"bytes", bytes},
                  {"remote", remoteAddress_}});
}

// A client that stops reading cannot hold the connection: the write gets idleTimeout.
awaitable<bool> Connection::writeAll(std::string_view bytes) {
  armWatchdog(Clock::now() + host_->options().idleTimeout);
  error_code ec;
  co_await asio::async_write(socket_, asio::buffer(bytes.data(), bytes.size()),
                             asio::redirect_error(use_awaitable, ec));
  armWatchdog(std::nullopt);
  co_return !ec;
}

// After the last answer: send FIN, then read and discard until the client closes too (see
// kLingerTimeout). A stopping server does not wait unless unread bytes would turn the
// close into a reset.
awaitable<void> Connection::lingeringClose(bool peerClosed) {
  if (peerClosed) co_return;
  error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  if (ec) co_return;
  const auto deadline =
      Clock::now() + std::min<Clock::duration>(kLingerTimeout, host_->options().idleTimeout);
  for (;;) {
    if (stopping_ && nothingUnread()) co_return;
    const ReadResult read = co_await readSome(deadline, !stopping_);
    if (read.status != ReadStatus::kData && read.status != ReadStatus::kStopped) co_return;
  }
}

// One read into readBuffer_. kTimeout once `deadline` passes; kStopped when stop() (a
// stoppable read) or the loop cancelled it; kEnd when the client half-closed.
awaitable<Connection::ReadResult> Connection::readSome(std::optional<Clock::time_point> deadline,
                                                       bool stoppable) {
  if (stoppable && stopping_) co_return ReadResult{ReadStatus::kStopped};
  armWatchdog(deadline);
  readStoppable_ = stoppable;
  error_code ec;
  const size_t n = co_await socket_.async_read_some(asio::buffer(readBuffer_),
                                                    asio::redirect_error(use_awaitable, ec));
  readStoppable_ = false;
  armWatchdog(std::nullopt);
  if (!ec) co_return ReadResult{ReadStatus::kData, n};
  if (ec == asio::error::eof) co_return ReadResult{ReadStatus::kEnd};
  if (ec != asio::error::operation_aborted || !socket_.is_open()) {
    co_return ReadResult{ReadStatus::kFailed};
  }
  if (deadline && Clock::now() >= *deadline) co_return ReadResult{ReadStatus::kTimeout};
  co_return ReadResult{ReadStatus::kStopped};
}

void Connection::armWatchdog(std::optional<Clock::time_point> deadline) {
  watchdog_.expires_at(deadline.value_or(Clock::time_point::max()));  // cancels the last wait
  if (!deadline) return;
  watchdog_.async_wait([self = shared_from_this()](const error_code& ec) {
    // A wait that completed just before it was cancelled finds a later expiry: not ours.
    if (ec || self->watchdog_.expiry() > Clock::now()) return;
    error_code ignored;
    self->socket_.cancel(ignored);
  });
}

bool Connection::nothingUnread() {
  error_code ec;
  const size_t unread = socket_.available(ec);
  return !ec && unread == 0;
}

}  // namespace gw::http
