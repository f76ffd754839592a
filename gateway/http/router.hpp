#pragma once
// Explicit route registration: modules add (method, pattern, handler) at start-up.
// Patterns are '/'-separated; a segment may be a literal, "{name}", or "{name}" followed by
// a literal suffix ("{sid}.json"). A parameter matches one non-empty segment.
// HEAD is answered by the GET handler of the same path (the server drops the body).
// Before a handler runs, its path parameters and query parameters must be valid UTF-8
// (400 otherwise), so no handler stores or echoes text that breaks a JSON response.
// Registration happens before the server starts; match() runs on the listener's thread.
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "gateway/http/message.hpp"

namespace gw::http {

// Handlers run on the listener's io_context and may co_await (timers, Twilio calls).
// Control-plane handlers may throw; the server turns an exception into a 500 problem.
using Handler = std::function<boost::asio::awaitable<Response>(Request&)>;

// Turns an exception a handler threw into the response to send (e.g. 507 for a full
// store), or nullopt to let the server answer 500.
using ErrorMapper = std::function<std::optional<Response>(const std::exception&, const Request&)>;

// Sees every response a handler returned (not the mapper's or the server's own answers), to
// add what every answer carries (a cluster node's revision header).
using Decorator = std::function<void(const Request&, Response&)>;

class Router {
 public:
  void add(std::string_view method, std::string_view pattern, Handler handler);
  // Applies to every route, whenever it was added.
  void setErrorMapper(ErrorMapper mapper) { *mapper_ = std::move(mapper); }
  // Applies to every route, whenever it was added.
  void setDecorator(Decorator decorator) { *decorator_ = std::move(decorator); }

  struct Match {
    const Handler* handler = nullptr;  // set when method and path matched
    bool pathMatched = false;          // path known, method not: 405
    std::string allow;                 // "GET, HEAD, DELETE" for the 405's Allow header
  };
  // Fills req.params and req.route on a match (req.route also when only the path matched).
  // req.route is the pattern ("/api/v1/numbers/{id}"): a label of bounded variety for
  // metrics and the access log, unlike the path.
  Match match(Request& req) const;

 private:
  struct Segment {
    bool param = false;
    std::string text;    // literal, or parameter name
    std::string suffix;  // literal after "{name}" in the same segment
  };
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<Segment> segments;
    Handler handler;
  };
  std::vector<Route> routes_;
  // Shared with the wrapped handlers, which may outlive a moved-from Router.
  std::shared_ptr<ErrorMapper> mapper_ = std::make_shared<ErrorMapper>();
  std::shared_ptr<Decorator> decorator_ = std::make_shared<Decorator>();
};

}  // namespace gw::http
