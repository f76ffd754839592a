#pragma once
// Explicit route registration: modules add (method, pattern, handler) at start-up.
// Patterns are '/'-separated; a segment may be a literal, "{name}", or "{name}" followed by
// a literal suffix ("{sid}.json"). A parameter matches one non-empty segment.
#include <functional>
#include <memory>
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

class Router {
 public:
  void add(std::string_view method, std::string_view pattern, Handler handler);

  struct Match {
    const Handler* handler = nullptr;  // set when method and path matched
    bool pathMatched = false;          // path known, method not: 405
    std::string allow;                 // "GET, DELETE" for the 405's Allow header
  };
  // Fills req.params on a match.
  Match match(Request& req) const;

 private:
  struct Segment {
    bool param = false;
    std::string text;    // literal, or parameter name
    std::string suffix;  // literal after "{name}" in the same segment
  };
  struct Route {
    std::string method;
    std::vector<Segment> segments;
    Handler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace gw::http
