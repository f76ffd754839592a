#include "tools/twilio_emulator/trunk_numbers_api.hpp"

#include <string>

#include "tools/twilio_emulator/api_error.hpp"
#include "tools/twilio_emulator/form_fields.hpp"
#include "tools/twilio_emulator/json_out.hpp"
#include "tools/twilio_emulator/resource_json.hpp"
#include "tools/twilio_emulator/trunking_list.hpp"

namespace gw::emulator {

void TrunkNumbersApi::addRoutes(http::Router& router, TwilioGate& gate) {
  gate.add(router, "POST", "/v1/Trunks/{TrunkSid}/PhoneNumbers",
           [this](http::Request& r, Account& a) { return attach(r, a); });
  gate.add(router, "GET", "/v1/Trunks/{TrunkSid}/PhoneNumbers",
           [this](http::Request& r, Account& a) { return list(r, a); });
  gate.add(router, "GET", "/v1/Trunks/{TrunkSid}/PhoneNumbers/{Sid}",
           [this](http::Request& r, Account& a) { return fetch(r, a); });
  gate.add(router, "DELETE", "/v1/Trunks/{TrunkSid}/PhoneNumbers/{Sid}",
           [this](http::Request& r, Account& a) { return detach(r, a); });
}

http::Response TrunkNumbersApi::attach(http::Request& req, Account& account) {
  Trunk* trunk = state_.findTrunk(account, req.param("TrunkSid"));
  if (trunk == nullptr) return errorResponse(ApiError::notFound(req.path));
  auto form = FormFields::parse(req);
  if (!form) return errorResponse(form.error());
  const auto sidText = form->get("PhoneNumberSid");
  if (!sidText) return errorResponse(ApiError::missingParameter("PhoneNumberSid"));
  const auto sid = parseSid(kNumberPrefix, *sidText);
  if (!sid) {
    return errorResponse(ApiError::invalidParameter(
        "Invalid PhoneNumberSid " + std::string(*sidText) + ": expected PN and 32 hex"));
  }

  const std::string numberPath = req.path + "/" + std::string(*sidText);
  switch (state_.attach(*trunk, *sid)) {
    case State::AttachResult::kAttached:
      break;
    case State::AttachResult::kUnknownNumber:
      // Only the account's own numbers can be attached; another account's is unknown.
      return errorResponse(ApiError::notFound(numberPath));
    case State::AttachResult::kAlreadyOnThisTrunk:
      if (reattachSameTrunkOk_) break;
      // Undocumented at Twilio; users report a 409 when re-attaching.
      return errorResponse(ApiError::conflict("Phone number " + std::string(*sidText) +
                                              " is already associated with this trunk"));
    case State::AttachResult::kOnAnotherTrunk:
      // Undocumented at Twilio as well; a number is on at most one trunk.
      return errorResponse(ApiError::conflict("Phone number " + std::string(*sidText) +
                                              " is already associated with another trunk"));
  }
  const NumberRecord* number = state_.findNumber(account, *sid);
  JsonOut out;
  writeTrunkPhoneNumber(out, *trunk, *number, requestBaseUrl(req));
  return http::Response::json(201, out.take());
}

http::Response TrunkNumbersApi::list(http::Request& req, Account& account) {
  const Trunk* trunk = state_.findTrunk(account, req.param("TrunkSid"));
  if (trunk == nullptr) return errorResponse(ApiError::notFound(req.path));
  const std::string base = requestBaseUrl(req);
  return trunkingListPage(
      req, "phone_numbers", kNumberPrefix, trunk->numbers, [](const Sid128& sid) { return sid; },
      [&](JsonOut& out, const Sid128& sid) {
        if (const NumberRecord* number = state_.findNumber(account, sid)) {
          writeTrunkPhoneNumber(out, *trunk, *number, base);
        }
      });
}

http::Response TrunkNumbersApi::fetch(http::Request& req, Account& account) {
  const Trunk* trunk = state_.findTrunk(account, req.param("TrunkSid"));
  const auto sid = parseSid(kNumberPrefix, req.param("Sid"));
  if (trunk == nullptr || !sid || trunk->numbers.count(*sid) == 0) {
    return errorResponse(ApiError::notFound(req.path));
  }
  const NumberRecord* number = state_.findNumber(account, *sid);
  if (number == nullptr) return errorResponse(ApiError::notFound(req.path));
  JsonOut out;
  writeTrunkPhoneNumber(out, *trunk, *number, requestBaseUrl(req));
  return http::Response::json(200, out.take());
}

http::Response TrunkNumbersApi::detach(http::Request& req, Account& account) {
  Trunk* trunk = state_.findTrunk(account, req.param("TrunkSid"));
  const auto sid = parseSid(kNumberPrefix, req.param("Sid"));
  if (trunk == nullptr || !sid || !state_.detach(*trunk, *sid)) {
    return errorResponse(ApiError::notFound(req.path));
  }
  return http::Response::noContent();
}

}  // namespace gw::emulator
