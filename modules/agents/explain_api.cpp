#include "modules/agents/explain_api.hpp"

#include <memory>

#include <boost/asio/ip/address.hpp>

#include "common/text.hpp"
#include "common/uuid.hpp"
#include "modules/admin/caller.hpp"
#include "modules/admin/directory_sync.hpp"
#include "modules/admin/json_io.hpp"
#include "modules/admin/validation.hpp"
#include "sip/message_writer.hpp"
#include "sip/uri.hpp"
#include "store/store.hpp"

namespace gw::agents {

using boost::asio::awaitable;
using http::Request;
using http::Response;
using admin::JsonWriter;
using admin::writeKey;
using admin::writeString;
using admin::writeStringOrNull;

namespace {

constexpr size_t kMaxToLength = 512;

bool isZero(const UuidBytes& u) {
  for (auto b : u) {
    if (b) return false;
  }
  return true;
}

std::string_view modeName(sip::AgentMode m) {
  return m == sip::AgentMode::kRedirect ? "redirect" : "proxy";
}

// Whether `range` is in the allowedAddresses of one of `orgId`'s providers.
bool ownRange(const sip::Directory& dir, const std::string& orgId, const sip::Cidr& range) {
  std::string text = range.text();
  for (const auto& p : dir.providers()) {
    if (p.orgId != orgId) continue;
    for (const auto& c : p.allowedAddresses) {
      if (&c == &range || c.text() == text) return true;
    }
  }
  return false;
}

}  // namespace

std::optional<std::string> calledUserOf(std::string_view to) {
  if (startsWithIgnoreCase(to, "sip:") || startsWithIgnoreCase(to, "sips:") ||
      startsWithIgnoreCase(to, "tel:")) {
    auto uri = sip::parseUri(to);
    if (!uri) return std::nullopt;
    return std::string(uri->user);
  }
  return std::string(to);
}

namespace {

// "phoneNumber": the route the number matched, or null.
void writeRoute(JsonWriter& w, const sip::Decision& d) {
  writeKey(w, "phoneNumber");
  if (!d.route) {
    w.Null();
    return;
  }
  w.StartObject();
  writeString(w, "id", formatUuid(d.route->phoneNumberId));
  writeString(w, "phoneNumber", d.normalizedNumber);
  writeString(w, "providerId", formatUuid(d.route->providerId));
  writeStringOrNull(w, "incomingCallsAgentId",
                    isZero(d.route->agentId) ? "" : formatUuid(d.route->agentId));
  w.EndObject();
}

// "agent": the agent the call would go to, or null.
void writeAgentTarget(JsonWriter& w, const sip::Decision& d) {
  writeKey(w, "agent");
  if (!d.agent) {
    w.Null();
    return;
  }
  w.StartObject();
  writeString(w, "id", d.agent->idText);
  writeString(w, "name", d.agent->name);
  writeString(w, "mode", modeName(d.agent->mode));
  writeString(w, "sipUri", d.agent->sipUri);
  w.EndObject();
}

// "sip": the answer the workers would send.
void writeSipAnswer(JsonWriter& w, const sip::Decision& d) {
  writeKey(w, "sip");
  w.StartObject();
  writeKey(w, "status");
  w.Int(d.status);
  std::string_view reason = d.reason.empty() ? sip::reasonPhrase(d.status) : d.reason;
  writeString(w, "reason", reason);
  if (d.action == sip::Action::kRedirect && d.agent) {
    // The 302's Contact is the agent's URI in angle brackets, as the workers write it.
    writeString(w, "contact", "<" + d.agent->sipUri + ">");
  }
  w.EndObject();
}

}  // namespace

std::string explainJson(const ExplainInput& in, const sip::Decision& d) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  writeString(w, "to", in.to);
  writeStringOrNull(w, "normalizedNumber", d.normalizedNumber);
  writeKey(w, "from");
  if (in.from) {
    w.String(in.from->data(), static_cast<rapidjson::SizeType>(in.from->size()));
  } else {
    w.Null();
  }
  writeString(w, "source", in.source);

  writeKey(w, "acl");
  w.StartObject();
  writeString(w, "decision", sip::aclName(d.acl));
  writeStringOrNull(w, "match", d.aclMatch ? d.aclMatch->text() : std::string());
  w.EndObject();

  writeRoute(w, d);
  writeAgentTarget(w, d);
  writeString(w, "action", sip::actionName(d.action));
  writeSipAnswer(w, d);
  writeString(w, "detail", d.detail);
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

void ExplainApi::registerRoutes(http::Router& router) {
  router.add("GET", "/api/v1/routes/explain", [this](Request& r) { return explain(r); });
}

awaitable<Response> ExplainApi::explain(Request& req) {
  admin::FieldErrors errors;
  auto to = req.queryParam("to");
  auto from = req.queryParam("from");
  auto source = req.queryParam("source");
  std::optional<std::string> calledUser;
  if (!to || to->empty()) {
    errors.emplace_back("to",
                        "to is required: the called number (+14155550100) or SIP URI "
                        "(sip:+14155550100@gateway).");
  } else if (to->size() > kMaxToLength) {
    errors.emplace_back("to", "to must be at most 512 characters.");
  } else if (!(calledUser = calledUserOf(*to))) {
    errors.emplace_back("to",
                        "to is not a valid sip:, sips: or tel: URI; send the number "
                        "(+14155550100) or a URI such as sip:+14155550100@gateway.");
  }
  boost::asio::ip::address address;
  if (!source || source->empty()) {
    errors.emplace_back("source",
                        "source is required: the IP address the INVITE would come "
                        "from, such as 54.172.60.1.");
  } else {
    boost::system::error_code ec;
    address = boost::asio::ip::make_address(*source, ec);
    if (ec) {
      errors.emplace_back("source",
                          "source must be an IPv4 or IPv6 address such as "
                          "54.172.60.1 or 2001:db8::1.");
    }
  }
  if (!errors.empty()) co_return Response::validationProblem(errors, req.path);

  // Keep the snapshot alive while the decision points into it.
  std::shared_ptr<const sip::Directory> dir = ctx_.directory.holder().load();
  sip::Decision d = sip::decideInbound(ctx_.routes, *dir, *calledUser, address, sip::Detail::kText);

  bool ownNumber = true;
  if (d.route) {
    auto txn = ctx_.store.read();
    auto n = ctx_.store.getNumber(txn, formatUuid(d.route->phoneNumberId));
    ownNumber = n && n->orgId == admin::orgOf(req);
  }
  if (!ownNumber) {
    // Another org's number is explained as a number that is not imported: its provider's
    // ranges, its agent and its answer would each tell something about it.
    d = sip::decideInbound(notImported_, *dir, *calledUser, address, sip::Detail::kText);
  }
  // A range of another org's provider that let the source in stays unnamed.
  if (d.acl == sip::AclResult::kProviderSource && d.aclMatch &&
      !ownRange(*dir, admin::orgOf(req), *d.aclMatch)) {
    d.aclMatch = nullptr;
  }
  ExplainInput in{*to, from ? std::optional<std::string_view>(*from) : std::nullopt,
                  address.to_string()};
  co_return Response::json(200, explainJson(in, d));
}

}  // namespace gw::agents
