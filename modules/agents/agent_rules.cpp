#include "modules/agents/agent_rules.hpp"

#include <charconv>

#include "common/text.hpp"
#include "common/uuid.hpp"
#include "sip/uri.hpp"
#include "sip/uri_target.hpp"

namespace gw::agents {

namespace {

constexpr std::string_view kUriForm = "sip:[user@]host[:port][;transport=udp|tcp]";

// The "host[:port]" part of a sip/sips URI: after the scheme and the user part, before any
// parameters or headers. Only used to say precisely what is wrong with a URI.
std::string_view hostPortOf(std::string_view afterScheme) {
  std::string_view s = afterScheme.substr(0, afterScheme.find('?'));
  if (auto at = s.rfind('@'); at != std::string_view::npos) s.remove_prefix(at + 1);
  return s.substr(0, s.find(';'));
}

struct HostPort {
  std::string_view host;
  std::optional<std::string_view> port;  // the text after ':', when there is one
};

HostPort splitHostPort(std::string_view hp) {
  HostPort out;
  if (!hp.empty() && hp.front() == '[') {
    auto close = hp.find(']');
    if (close == std::string_view::npos) return {hp, std::nullopt};
    out.host = hp.substr(1, close - 1);
    auto rest = hp.substr(close + 1);
    if (!rest.empty() && rest.front() == ':') out.port = rest.substr(1);
    return out;
  }
  auto colon = hp.find(':');
  out.host = hp.substr(0, colon);
  if (colon != std::string_view::npos) out.port = hp.substr(colon + 1);
  return out;
}

bool isValidPort(std::string_view text) {
  unsigned v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  return ec == std::errc() && p == text.data() + text.size() && !text.empty() && text.size() <= 5 &&
         v >= 1 && v <= 65535;
}

// A member of the body: absent, null, or a value.
enum class Presence : uint8_t { kAbsent, kNull, kValue };
Presence presenceOf(const rapidjson::Value& body, const char* name,
                    const rapidjson::Value** value) {
  auto it = body.FindMember(name);
  if (it == body.MemberEnd()) return Presence::kAbsent;
  if (it->value.IsNull()) return Presence::kNull;
  *value = &it->value;
  return Presence::kValue;
}

std::string stringOf(const rapidjson::Value& v) {
  return {v.GetString(), v.GetStringLength()};
}

}  // namespace

std::optional<std::string> sipUriProblem(std::string_view text) {
  const std::string example =
      " For example sip:agent@10.0.0.5:5060 (form " + std::string(kUriForm) + ").";
  if (text.empty() || isBlank(text)) return "sipUri is required." + example;
  if (text.size() > kMaxSipUriLength) {
    return "sipUri must be at most " + std::to_string(kMaxSipUriLength) + " characters.";
  }
  auto colon = text.find(':');
  std::string_view scheme = colon == std::string_view::npos ? "" : text.substr(0, colon);
  if (equalsIgnoreCase(scheme, "tel")) {
    return "sipUri must be a sip: or sips: URI: a tel: URI names a number, not where the "
           "agent's calls go." +
           example;
  }
  if (!equalsIgnoreCase(scheme, "sip") && !equalsIgnoreCase(scheme, "sips")) {
    return "sipUri must start with sip: or sips:." + example;
  }
  std::string_view afterScheme = text.substr(colon + 1);
  if (afterScheme.find_first_of(" \t\r\n<>\"") != std::string_view::npos) {
    return "sipUri must be a bare URI without spaces, quotes or angle brackets." + example;
  }
  auto hp = splitHostPort(hostPortOf(afterScheme));
  if (hp.host.empty()) return "sipUri has no host." + example;
  if (hp.port && !isValidPort(*hp.port)) {
    return "sipUri has an invalid port '" + std::string(hp.port->substr(0, 16)) +
           "': use a number from 1 to 65535, or leave the port out for 5060.";
  }
  auto uri = sip::parseUri(text);
  if (!uri || !uri->isSip()) return "sipUri is not a valid SIP URI." + example;
  if (uri->host.empty()) return "sipUri has no host." + example;
  if (!uri->headers.empty()) {
    return "sipUri must not carry headers: remove everything from the '?'.";
  }
  auto target = sip::uriTarget(*uri);
  if (target) return std::nullopt;
  if (target.error() == sip::UriTargetError::kUnsupportedTransport) {
    return "sipUri's transport '" + std::string(uri->param("transport")->substr(0, 16)) +
           "' is not supported: use ;transport=udp or ;transport=tcp, or leave it out for UDP.";
  }
  return "sipUri cannot be used: " + std::string(sip::describe(target.error())) + "." + example;
}

std::optional<std::string> sipUriModeProblem(std::string_view sipUri, std::string_view mode) {
  auto uri = sip::parseUri(sipUri);
  auto target = uri ? sip::uriTarget(*uri) : sip::UriTargetError::kNotSip;
  if (mode != "proxy" || !target || !target->tls) return std::nullopt;
  return "A sips: URI needs TLS to the agent, which the gateway does not speak when it "
         "proxies calls: use a sip: URI (;transport=tcp for TCP), or mode \"redirect\" so "
         "callers connect to the agent themselves.";
}

std::string sipUriHost(std::string_view text) {
  auto uri = sip::parseUri(text);
  return uri ? std::string(uri->host) : std::string();
}

std::optional<std::string> selfTargetProblem(std::string_view sipUri,
                                             const std::vector<boost::asio::ip::address>& addresses,
                                             const sip::ProxyOptions* self) {
  auto uri = sip::parseUri(sipUri);
  if (self == nullptr || !uri) return std::nullopt;
  auto target = sip::uriTarget(*uri);
  if (!target) return std::nullopt;
  uint16_t port = target->peer.port;
  bool looping = equalsIgnoreCase(uri->host, self->host) && port == self->port;
  for (const auto& a : addresses) looping = looping || sip::pointsAtGateway(*self, a, port);
  if (!looping) return std::nullopt;
  std::string listener = self->host + ":" + std::to_string(self->port);
  return "sipUri points at this gateway's own SIP listener (" + listener +
         "): calls sent there would come back to the gateway in a loop. Use the address "
         "where the agent itself listens.";
}

namespace {

void readName(const rapidjson::Value& body, bool create, AgentChanges& c,
              admin::FieldErrors& errors) {
  const rapidjson::Value* v = nullptr;
  switch (presenceOf(body, "name", &v)) {
    case Presence::kAbsent:
      if (create) errors.emplace_back("name", "name is required: 1 to 100 characters.");
      break;
    case Presence::kNull:
      errors.emplace_back("name", create ? "name is required: 1 to 100 characters."
                                         : "name cannot be null; leave it out to keep it.");
      break;
    case Presence::kValue:
      if (!v->IsString() || isBlank(stringOf(*v)) ||
          utf8Length(stringOf(*v)) > kMaxAgentNameChars) {
        errors.emplace_back("name", "name must be a string of 1 to 100 characters, not blank.");
      } else {
        c.name = stringOf(*v);
      }
      break;
  }
}

void readSipUri(const rapidjson::Value& body, bool create, AgentChanges& c,
                admin::FieldErrors& errors) {
  const rapidjson::Value* v = nullptr;
  switch (presenceOf(body, "sipUri", &v)) {
    case Presence::kAbsent:
    case Presence::kNull:
      if (create || body.HasMember("sipUri")) {
        errors.emplace_back("sipUri", create ? *sipUriProblem("")
                                             : "sipUri cannot be null; leave it out to keep it.");
      }
      break;
    case Presence::kValue:
      if (!v->IsString()) {
        errors.emplace_back("sipUri", "sipUri must be a string such as sip:agent@10.0.0.5:5060.");
      } else if (auto problem = sipUriProblem(stringOf(*v))) {
        errors.emplace_back("sipUri", *problem);
      } else {
        c.sipUri = stringOf(*v);
      }
      break;
  }
}

void readMode(const rapidjson::Value& body, bool create, AgentChanges& c,
              admin::FieldErrors& errors) {
  const rapidjson::Value* v = nullptr;
  switch (presenceOf(body, "mode", &v)) {
    case Presence::kAbsent:
      if (create) c.mode = "proxy";
      break;
    case Presence::kNull:
      if (create) {
        c.mode = "proxy";
      } else {
        errors.emplace_back("mode", "mode cannot be null; leave it out to keep it.");
      }
      break;
    case Presence::kValue:
      if (!v->IsString() || (stringOf(*v) != "proxy" && stringOf(*v) != "redirect")) {
        errors.emplace_back("mode", "mode must be \"proxy\" or \"redirect\".");
      } else {
        c.mode = stringOf(*v);
      }
      break;
  }
}

void readCallerId(const rapidjson::Value& body, AgentChanges& c, admin::FieldErrors& errors) {
  const rapidjson::Value* v = nullptr;
  switch (presenceOf(body, "outboundPhoneNumberId", &v)) {
    case Presence::kAbsent:
      break;
    case Presence::kNull:
      c.outboundPhoneNumberId = "";
      break;
    case Presence::kValue:
      if (!v->IsString() || !isUuid(stringOf(*v))) {
        errors.emplace_back("outboundPhoneNumberId",
                            "outboundPhoneNumberId must be the id (a UUID) of one of the "
                            "organization's phone numbers, or null for none.");
      } else {
        c.outboundPhoneNumberId = asciiLowerCopy(stringOf(*v));  // ids in any case
      }
      break;
  }
}

}  // namespace

AgentChanges parseAgentBody(const rapidjson::Value& body, BodyKind kind,
                            admin::FieldErrors& errors) {
  AgentChanges c;
  const bool create = kind == BodyKind::kCreate;
  // In this order: the errors are reported in the order of the fields.
  readName(body, create, c, errors);
  readSipUri(body, create, c, errors);
  readMode(body, create, c, errors);
  readCallerId(body, c, errors);
  return c;
}

}  // namespace gw::agents
