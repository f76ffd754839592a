// libFuzzer target for admin API request bodies: arbitrary bytes as an application/json body
// through parseJsonObjectBody (the parse every POST, PUT and PATCH handler starts with), then
// through the field readers of the handlers: stringField (providers), parseAgentBody for a
// create and a PATCH (agents) with the sipUri rules, and the per-entry validators of the
// import's phoneNumberSids (isSid) and a provider's allowedAddresses (sip::Cidr).
// Checks that a rejected body gets a 400 that says why, that an accepted agent body holds
// exactly what the rules accept, and that a CIDR's canonical text parses back to itself.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "modules/agents/agent_rules.hpp"
#include "modules/admin/json_io.hpp"
#include "modules/admin/problem.hpp"
#include "modules/admin/validation.hpp"
#include "sip/cidr.hpp"

namespace {

using gw::http::Response;

void check(bool ok) {
  if (!ok) std::abort();
}

void checkStringFields(const rapidjson::Value& body) {
  for (const char* name : {"accountSid", "authToken", "name", "region", "trunkSid"}) {
    const auto f = gw::admin::stringField(body, name);
    check(f.present || (!f.wrongType && f.value.empty()));
    if (f.wrongType) check(f.value.empty());
  }
}

void checkAgentBody(const rapidjson::Value& body, gw::agents::BodyKind kind) {
  gw::admin::FieldErrors errors;
  const auto c = gw::agents::parseAgentBody(body, kind, errors);
  for (const auto& [field, message] : errors) check(!field.empty() && !message.empty());
  if (kind == gw::agents::BodyKind::kCreate && errors.empty()) {
    check(c.name && c.sipUri && c.mode);
  }
  if (c.mode) check(*c.mode == "proxy" || *c.mode == "redirect");
  if (c.sipUri) {
    check(!gw::agents::sipUriProblem(*c.sipUri));
    check(!gw::agents::sipUriHost(*c.sipUri).empty());
    (void)gw::agents::sipUriModeProblem(*c.sipUri, c.mode.value_or("proxy"));
  }
}

void checkArrays(const rapidjson::Value& body) {
  if (auto it = body.FindMember("phoneNumberSids"); it != body.MemberEnd() && it->value.IsArray()) {
    for (const auto& v : it->value.GetArray()) {
      if (v.IsString()) (void)gw::admin::isSid({v.GetString(), v.GetStringLength()}, "PN");
    }
  }
  if (auto it = body.FindMember("allowedAddresses");
      it != body.MemberEnd() && it->value.IsArray()) {
    for (const auto& v : it->value.GetArray()) {
      if (!v.IsString()) continue;
      if (auto cidr = gw::sip::Cidr::parse({v.GetString(), v.GetStringLength()})) {
        const std::string text = cidr->text();
        const auto again = gw::sip::Cidr::parse(text);
        check(again && again->text() == text);
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  gw::http::Request req;
  req.method = "POST";
  req.path = "/api/v1/agents";
  req.headers.push_back({"Content-Type", "application/json; charset=utf-8"});
  req.body.assign(reinterpret_cast<const char*>(data), size);

  auto parsed = gw::admin::parseJsonObjectBody(req);
  if (!parsed) {
    const Response rejected = gw::admin::problemOf(parsed.error(), req.path);
    check(rejected.status == 400 && !rejected.body.empty());
    return 0;
  }
  const auto& body = *parsed;
  check(body.IsObject());
  checkStringFields(body);
  checkAgentBody(body, gw::agents::BodyKind::kCreate);
  checkAgentBody(body, gw::agents::BodyKind::kPatch);
  checkArrays(body);
  return 0;
}
