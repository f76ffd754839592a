#pragma once
// GET /api/v1/routes/explain?to=...&from=...&source=IP: what the gateway would answer an
// INVITE for `to` arriving from `source`, decided by sip::decideInbound on the live routing
// table and directory, so it always agrees with the SIP workers.
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "gateway/http/message.hpp"
#include "gateway/http/router.hpp"
#include "modules/admin/context.hpp"
#include "sip/decision.hpp"

namespace gw::agents {

class ExplainApi {
 public:
  explicit ExplainApi(admin::Context& ctx) : ctx_(ctx) {}
  void registerRoutes(http::Router& router);

  boost::asio::awaitable<http::Response> explain(http::Request& req);

 private:
  admin::Context& ctx_;
  // Always empty: another org's number is decided as if it were not imported.
  sip::RoutingTable notImported_{0};
};

// The user part the SIP workers would route on: `to` itself for a number, the user part of
// a sip:/sips:/tel: URI. nullopt when `to` looks like a URI but is not a valid one.
std::optional<std::string> calledUserOf(std::string_view to);

// The JSON answer. The handler has already decided another org's number as a number that
// is not imported, and dropped an acl.match that is not the caller's.
struct ExplainInput {
  std::string_view to;
  std::optional<std::string_view> from;
  std::string source;  // the address as the gateway prints it
};
std::string explainJson(const ExplainInput& in, const sip::Decision& d);

}  // namespace gw::agents
