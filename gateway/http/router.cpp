#include "gateway/http/router.hpp"

#include <optional>
#include <stdexcept>

#include "common/utf8.hpp"

namespace gw::http {

namespace {

// Splits "/a/b/" into {"a", "b"}: the leading slash and one trailing slash do not make
// segments, so "/a/b/" and "/a/b" are the same path. Inner empty segments ("/a//b") stay.
std::vector<std::string_view> splitPath(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.empty()) return out;
  while (true) {
    size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

// Segments of the request path, each percent-decoded on its own so that "%2F" stays inside
// its segment. A request built without a target (tests, internal calls) uses its path.
std::optional<std::vector<std::string>> requestSegments(const Request& req) {
  std::vector<std::string> out;
  if (req.target.empty()) {
    for (std::string_view s : splitPath(req.path)) out.emplace_back(s);
    return out;
  }
  for (std::string_view s : splitPath(targetPath(req.target))) {
    auto decoded = percentDecode(s, false);
    if (!decoded) return std::nullopt;
    out.push_back(std::move(*decoded));
  }
  return out;
}

// Literal beats "{name}suffix" beats "{name}", compared from the first segment on, so
// "/numbers/search" wins over "/numbers/{sid}" whatever the registration order.
int rank(bool param, const std::string& suffix) {
  if (!param) return 2;
  return suffix.empty() ? 0 : 1;
}

// 400 when a path or query parameter, once decoded, is not UTF-8: handlers store and echo
// these, and JSON cannot carry them.
std::optional<Response> refuseInvalidText(const Request& req) {
  for (const auto& [name, value] : req.params) {
    if (!isValidUtf8(value)) {
      return Response::problem(
          400, "The path segment '" + name + "' is not valid UTF-8; percent-encode UTF-8 text.",
          req.path);
    }
  }
  auto pairs = parseForm(req.query);
  if (!pairs) return std::nullopt;  // malformed escapes: the handler says which parameter
  for (const auto& [name, value] : *pairs) {
    if (!isValidUtf8(name) || !isValidUtf8(value)) {
      return Response::problem(
          400, "The query parameter '" + name + "' is not valid UTF-8; percent-encode UTF-8 text.",
          req.path);
    }
  }
  return std::nullopt;
}

Handler guarded(Handler handler, std::shared_ptr<ErrorMapper> mapper,
                std::shared_ptr<Decorator> decorator) {
  return [handler = std::move(handler), mapper = std::move(mapper),
          decorator = std::move(decorator)](Request& req) -> boost::asio::awaitable<Response> {
    if (auto refused = refuseInvalidText(req)) co_return std::move(*refused);
    std::optional<Response> mapped;
    try {
      Response r = co_await handler(req);
      if (*decorator) (*decorator)(req, r);
      co_return r;
    } catch (const std::exception& e) {
      if (*mapper) mapped = (*mapper)(e, req);
      if (!mapped) throw;
    }
    co_return std::move(*mapped);
  };
}

}  // namespace

void Router::add(std::string_view method, std::string_view pattern, Handler handler) {
  if (method.empty()) throw std::invalid_argument("route method must not be empty");
  if (pattern.empty() || pattern.front() != '/') {
    throw std::invalid_argument("route pattern must start with '/': " + std::string(pattern));
  }
  Route route;
  route.method = std::string(method);
  route.pattern = std::string(pattern);
  route.handler = guarded(std::move(handler), mapper_, decorator_);
  for (std::string_view s : splitPath(pattern)) {
    Segment seg;
    if (!s.empty() && s.front() == '{') {
      size_t close = s.find('}');
      if (close == std::string_view::npos || close == 1) {
        throw std::invalid_argument("route pattern has a malformed parameter: " +
                                    std::string(pattern));
      }
      seg.param = true;
      seg.text = std::string(s.substr(1, close - 1));
      seg.suffix = std::string(s.substr(close + 1));
      if (seg.suffix.find_first_of("{}") != std::string::npos) {
        throw std::invalid_argument("route pattern allows one parameter per segment: " +
                                    std::string(pattern));
      }
    } else {
      if (s.empty() || s.find_first_of("{}") != std::string_view::npos) {
        throw std::invalid_argument("route pattern has an invalid segment: " +
                                    std::string(pattern));
      }
      seg.text = std::string(s);
    }
    route.segments.push_back(std::move(seg));
  }
  routes_.push_back(std::move(route));
}

Router::Match Router::match(Request& req) const {
  Match result;
  auto segments = requestSegments(req);
  if (!segments) return result;

  auto pathMatches = [&](const Route& route) {
    if (route.segments.size() != segments->size()) return false;
    for (size_t i = 0; i < route.segments.size(); ++i) {
      const Segment& pat = route.segments[i];
      const std::string& got = (*segments)[i];
      if (!pat.param) {
        if (got != pat.text) return false;
      } else if (got.size() <= pat.suffix.size() ||
                 got.compare(got.size() - pat.suffix.size(), pat.suffix.size(), pat.suffix) != 0) {
        return false;  // a parameter needs at least one character besides its suffix
      }
    }
    return true;
  };
  auto moreSpecific = [](const Route& a, const Route& b) {
    for (size_t i = 0; i < a.segments.size(); ++i) {
      int ra = rank(a.segments[i].param, a.segments[i].suffix);
      int rb = rank(b.segments[i].param, b.segments[i].suffix);
      if (ra != rb) return ra > rb;
    }
    return false;
  };

  const Route* best = nullptr;
  const Route* getForHead = nullptr;  // HEAD is GET without the body (RFC 9110, 9.3.2)
  std::vector<std::string_view> methods;
  for (const Route& route : routes_) {
    if (!pathMatches(route)) continue;
    if (!result.pathMatched) req.route = route.pattern;
    result.pathMatched = true;
    bool listed = false;
    for (std::string_view m : methods) listed = listed || m == route.method;
    if (!listed) methods.push_back(route.method);
    if (route.method == req.method && (!best || moreSpecific(route, *best))) best = &route;
    if (req.method == "HEAD" && route.method == "GET" &&
        (!getForHead || moreSpecific(route, *getForHead))) {
      getForHead = &route;
    }
  }

  if (!best) best = getForHead;
  if (best) {
    req.route = best->pattern;
    req.params.clear();
    for (size_t i = 0; i < best->segments.size(); ++i) {
      const Segment& pat = best->segments[i];
      if (!pat.param) continue;
      std::string& value = (*segments)[i];
      value.resize(value.size() - pat.suffix.size());
      req.params[pat.text] = std::move(value);
    }
    result.handler = &best->handler;
    return result;
  }
  bool hasHead = false;
  for (std::string_view m : methods) hasHead = hasHead || m == "HEAD";
  for (std::string_view m : methods) {
    if (!result.allow.empty()) result.allow += ", ";
    result.allow += m;
    if (m == "GET" && !hasHead) result.allow += ", HEAD";
  }
  return result;
}

}  // namespace gw::http
