#include "tools/twilio_emulator/trunks_api.hpp"

#include <cctype>
#include <charconv>
#include <optional>
#include <string>

#include "tools/twilio_emulator/api_error.hpp"
#include "tools/twilio_emulator/form_fields.hpp"
#include "tools/twilio_emulator/json_out.hpp"
#include "tools/twilio_emulator/resource_json.hpp"
#include "tools/twilio_emulator/trunking_list.hpp"

namespace gw::emulator {
namespace {

constexpr size_t kMaxFriendlyName = 64;
constexpr std::string_view kDomainSuffix = ".pstn.twilio.com";

// "Domain names can contain letters, digits, and - and must end with pstn.twilio.com."
bool isValidDomainName(std::string_view name) {
  if (name.size() <= kDomainSuffix.size() ||
      name.substr(name.size() - kDomainSuffix.size()) != kDomainSuffix) {
    return false;
  }
  for (char c : name.substr(0, name.size() - kDomainSuffix.size())) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
  }
  return true;
}

std::optional<int> parseBoundedInt(std::string_view text, int min, int max) {
  int value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  if (value < min || value > max) return std::nullopt;
  return value;
}

std::optional<bool> parseBool(std::string_view text) {
  std::string lower;
  for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "true") return true;
  if (lower == "false") return false;
  return std::nullopt;
}

bool hasSipScheme(std::string_view url) {
  if (url.size() <= 4) return false;
  std::string scheme;
  for (char c : url.substr(0, 4)) {
    scheme += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return scheme == "sip:";
}

http::Response created(JsonOut& out) {
  return http::Response::json(201, out.take());
}

}  // namespace

void TrunksApi::addRoutes(http::Router& router, TwilioGate& gate) {
  gate.add(router, "POST", "/v1/Trunks",
           [this](http::Request& r, Account& a) { return createTrunk(r, a); });
  gate.add(router, "GET", "/v1/Trunks",
           [this](http::Request& r, Account& a) { return listTrunks(r, a); });
  gate.add(router, "GET", "/v1/Trunks/{Sid}",
           [this](http::Request& r, Account& a) { return fetchTrunk(r, a); });
  gate.add(router, "DELETE", "/v1/Trunks/{Sid}",
           [this](http::Request& r, Account& a) { return deleteTrunk(r, a); });
  gate.add(router, "POST", "/v1/Trunks/{TrunkSid}/OriginationUrls",
           [this](http::Request& r, Account& a) { return createOriginationUrl(r, a); });
  gate.add(router, "GET", "/v1/Trunks/{TrunkSid}/OriginationUrls",
           [this](http::Request& r, Account& a) { return listOriginationUrls(r, a); });
  gate.add(router, "GET", "/v1/Trunks/{TrunkSid}/OriginationUrls/{Sid}",
           [this](http::Request& r, Account& a) { return fetchOriginationUrl(r, a); });
  gate.add(router, "DELETE", "/v1/Trunks/{TrunkSid}/OriginationUrls/{Sid}",
           [this](http::Request& r, Account& a) { return deleteOriginationUrl(r, a); });
}

http::Response TrunksApi::createTrunk(http::Request& req, Account& account) {
  auto form = FormFields::parse(req);
  if (!form) return errorResponse(form.error());
  const std::string friendlyName(form->get("FriendlyName").value_or(""));
  if (friendlyName.size() > kMaxFriendlyName) {
    return errorResponse(
        ApiError::invalidParameter("FriendlyName must be at most 64 characters long"));
  }
  const auto domainName = form->get("DomainName");
  if (domainName && !isValidDomainName(*domainName)) {
    return errorResponse(
        ApiError::invalidParameter("Invalid DomainName " + std::string(*domainName) +
                                   ": use letters, digits and '-', ending with pstn.twilio.com"));
  }
  Trunk& trunk = state_.createTrunk(account, friendlyName, std::string(domainName.value_or("")));
  if (!domainName) {
    // Twilio's OpenAPI marks domain_name nullable and a trunk created without DomainName
    // may well have none; the emulator gives every trunk a termination domain so that
    // clients always have one to show.
    const std::string sid = formatSid(kTrunkPrefix, trunk.sid);
    trunk.domainName = "tk" + sid.substr(2, 16) + std::string(kDomainSuffix);
  }
  JsonOut out;
  writeTrunk(out, trunk, requestBaseUrl(req));
  return created(out);
}

http::Response TrunksApi::listTrunks(http::Request& req, Account& account) {
  const std::string base = requestBaseUrl(req);
  return trunkingListPage(
      req, "trunks", kTrunkPrefix, account.trunks, [](const Sid128& sid) { return sid; },
      [&](JsonOut& out, const Sid128& sid) {
        if (const Trunk* trunk = state_.findTrunk(account, sid)) writeTrunk(out, *trunk, base);
      });
}

http::Response TrunksApi::fetchTrunk(http::Request& req, Account& account) {
  const Trunk* trunk = state_.findTrunk(account, req.param("Sid"));
  if (trunk == nullptr) return errorResponse(ApiError::notFound(req.path));
  JsonOut out;
  writeTrunk(out, *trunk, requestBaseUrl(req));
  return http::Response::json(200, out.take());
}

http::Response TrunksApi::deleteTrunk(http::Request& req, Account& account) {
  Trunk* trunk = state_.findTrunk(account, req.param("Sid"));
  if (trunk == nullptr) return errorResponse(ApiError::notFound(req.path));
  state_.deleteTrunk(*trunk);
  return http::Response::noContent();
}

http::Response TrunksApi::createOriginationUrl(http::Request& req, Account& account) {
  Trunk* trunk = state_.findTrunk(account, req.param("TrunkSid"));
  if (trunk == nullptr) return errorResponse(ApiError::notFound(req.path));
  auto form = FormFields::parse(req);
  if (!form) return errorResponse(form.error());
  // All five are required (twilio_trunking_v1.json, CreateOriginationUrlRequest).
  for (std::string_view name : {"Weight", "Priority", "Enabled", "FriendlyName", "SipUrl"}) {
    if (!form->get(name)) return errorResponse(ApiError::missingParameter(name));
  }
  OriginationUrl url;
  const auto weight = parseBoundedInt(*form->get("Weight"), 1, 65535);
  if (!weight) {
    return errorResponse(ApiError::invalidParameter("Weight must be an integer from 1 to 65535"));
  }
  const auto priority = parseBoundedInt(*form->get("Priority"), 0, 65535);
  if (!priority) {
    return errorResponse(ApiError::invalidParameter("Priority must be an integer from 0 to 65535"));
  }
  const auto enabled = parseBool(*form->get("Enabled"));
  if (!enabled) return errorResponse(ApiError::invalidParameter("Enabled must be true or false"));
  const std::string_view friendlyName = *form->get("FriendlyName");
  if (friendlyName.size() > kMaxFriendlyName) {
    return errorResponse(
        ApiError::invalidParameter("FriendlyName must be at most 64 characters long"));
  }
  const std::string_view sipUrl = *form->get("SipUrl");
  if (!hasSipScheme(sipUrl)) {
    return errorResponse(ApiError::invalidParameter("SipUrl must use the sip: scheme"));
  }
  url.weight = *weight;
  url.priority = *priority;
  url.enabled = *enabled;
  url.friendlyName = std::string(friendlyName);
  url.sipUrl = std::string(sipUrl);
  const OriginationUrl& stored = state_.addOriginationUrl(*trunk, std::move(url));
  JsonOut out;
  writeOriginationUrl(out, *trunk, stored, requestBaseUrl(req));
  return created(out);
}

http::Response TrunksApi::listOriginationUrls(http::Request& req, Account& account) {
  const Trunk* trunk = state_.findTrunk(account, req.param("TrunkSid"));
  if (trunk == nullptr) return errorResponse(ApiError::notFound(req.path));
  const std::string base = requestBaseUrl(req);
  return trunkingListPage(
      req, "origination_urls", kOriginationUrlPrefix, trunk->originationUrls,
      [](const auto& entry) { return entry.first; },
      [&](JsonOut& out, const auto& entry) {
        writeOriginationUrl(out, *trunk, entry.second, base);
      });
}

http::Response TrunksApi::fetchOriginationUrl(http::Request& req, Account& account) {
  const Trunk* trunk = state_.findTrunk(account, req.param("TrunkSid"));
  const auto sid = parseSid(kOriginationUrlPrefix, req.param("Sid"));
  if (trunk == nullptr || !sid) return errorResponse(ApiError::notFound(req.path));
  auto it = trunk->originationUrls.find(*sid);
  if (it == trunk->originationUrls.end()) return errorResponse(ApiError::notFound(req.path));
  JsonOut out;
  writeOriginationUrl(out, *trunk, it->second, requestBaseUrl(req));
  return http::Response::json(200, out.take());
}

// DeleteOriginationUrl: 204 without a body; an unknown trunk or URL is a 404.
http::Response TrunksApi::deleteOriginationUrl(http::Request& req, Account& account) {
  Trunk* trunk = state_.findTrunk(account, req.param("TrunkSid"));
  const auto sid = parseSid(kOriginationUrlPrefix, req.param("Sid"));
  if (trunk == nullptr || !sid) return errorResponse(ApiError::notFound(req.path));
  if (trunk->originationUrls.erase(*sid) == 0) return errorResponse(ApiError::notFound(req.path));
  return http::Response::noContent();
}

}  // namespace gw::emulator
