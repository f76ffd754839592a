#pragma once
// Agents: where the calls of their linked numbers go. Create, list, get, PATCH and delete
// (409 while numbers are linked, unless ?force=true, which unlinks them). Every change is
// one commit of the write path, which updates the routes and the SIP directory before the
// response is written.
#include <optional>
#include <string>
#include <variant>

#include <boost/asio/awaitable.hpp>

#include "gateway/http/message.hpp"
#include "gateway/http/router.hpp"
#include "modules/admin/context.hpp"
#include "store/records.hpp"

namespace gw::store {
class ReadView;
}  // namespace gw::store

namespace gw::agents {

class AgentApi {
 public:
  explicit AgentApi(admin::Context& ctx) : ctx_(ctx) {}
  void registerRoutes(http::Router& router);

  boost::asio::awaitable<http::Response> create(http::Request& req);
  boost::asio::awaitable<http::Response> list(http::Request& req);
  boost::asio::awaitable<http::Response> get(http::Request& req);
  boost::asio::awaitable<http::Response> patch(http::Request& req);
  boost::asio::awaitable<http::Response> remove(http::Request& req);

 private:
  // selfTargetProblem() of `sipUri`, its host resolved first (before any transaction opens:
  // nothing awaits inside one).
  boost::asio::awaitable<std::optional<std::string>> selfProblem(std::string sipUri);

  admin::Context& ctx_;
};

// The agent `id` of this org, or the 400/404 response to send; read in `txn` (a read or a
// write transaction).
std::variant<store::Agent, http::Response> findOwnAgent(const admin::Context& ctx,
                                                        const http::Request& req,
                                                        const std::string& id,
                                                        const store::ReadView& txn);

}  // namespace gw::agents
