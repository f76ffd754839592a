#include "modules/import/provider_api.hpp"

#include <utility>

#include "common/text.hpp"
#include "modules/admin/caller.hpp"
#include "modules/admin/idempotency.hpp"
#include "modules/admin/json_io.hpp"
#include "modules/admin/list_json.hpp"
#include "modules/admin/problem.hpp"
#include "modules/admin/validation.hpp"
#include "modules/admin/views.hpp"
#include "sip/cidr.hpp"

namespace gw::import {

using boost::asio::awaitable;
using http::Request;
using http::Response;

namespace {

constexpr size_t kMaxAllowedAddresses = 100;
constexpr size_t kMaxListedCidrErrors = 10;

// supportsCallTransfer when sent (null counts as not sent); a non-boolean is an error.
std::optional<bool> supportsCallTransferField(const rapidjson::Value& body,
                                              admin::FieldErrors& errors) {
  auto it = body.FindMember("supportsCallTransfer");
  if (it == body.MemberEnd() || it->value.IsNull()) return std::nullopt;
  if (!it->value.IsBool()) {
    errors.emplace_back("supportsCallTransfer", "supportsCallTransfer must be true or false.");
    return std::nullopt;
  }
  return it->value.GetBool();
}

// A name as sent on create and PUT (null counts as not sent): 1 to 100 characters, not
// blank.
void checkName(const admin::StringField& name, admin::FieldErrors& errors) {
  if (!name.present) return;
  if (name.wrongType || isBlank(name.value) || utf8Length(name.value) > kMaxProviderNameLength) {
    errors.emplace_back("name",
                        "name must be a string of 1 to 100 characters, not blank; leave "
                        "it out to keep it (or, on create, to use the Twilio account's "
                        "friendly name).");
  }
}

// A region as sent on create and PUT: absent, or one of Twilio's.
void checkRegion(const admin::StringField& region, admin::FieldErrors& errors) {
  if (region.wrongType || (region.present && !admin::isKnownRegion(region.value))) {
    errors.emplace_back("region", "region must be one of us1, us2, ie1, de1, au1, jp1, br1, sg1.");
  }
}

// The required account SID and auth token of a create.
void checkCredentials(const admin::StringField& accountSid, const admin::StringField& authToken,
                      admin::FieldErrors& errors) {
  if (!accountSid.present) {
    errors.emplace_back("accountSid", "accountSid is required.");
  } else if (accountSid.wrongType || !admin::isSid(accountSid.value, "AC")) {
    errors.emplace_back("accountSid",
                        "accountSid must be 'AC' followed by 32 lowercase hex characters.");
  }
  if (!authToken.present) {
    errors.emplace_back("authToken", "authToken is required.");
  } else if (authToken.wrongType || !admin::isLowerHex(authToken.value, 32)) {
    errors.emplace_back("authToken", "authToken must be 32 lowercase hex characters.");
  }
}

// The body of a create; what is wrong with it goes to `errors`, field by field.
ProviderDraft parseDraft(const rapidjson::Value& body, admin::FieldErrors& errors) {
  auto accountSid = admin::stringField(body, "accountSid");
  auto authToken = admin::stringField(body, "authToken");
  auto name = admin::stringField(body, "name");
  auto region = admin::stringField(body, "region");
  auto trunkSid = admin::stringField(body, "trunkSid");
  checkCredentials(accountSid, authToken, errors);
  checkName(name, errors);
  checkRegion(region, errors);
  if (trunkSid.wrongType || (trunkSid.present && !admin::isSid(trunkSid.value, "TK"))) {
    errors.emplace_back("trunkSid",
                        "trunkSid must be 'TK' followed by 32 lowercase hex characters.");
  }
  ProviderDraft draft;
  draft.supportsCallTransfer = supportsCallTransferField(body, errors).value_or(false);
  draft.allowedAddresses = allowedAddressesField(body, errors);
  draft.accountSid = std::move(accountSid.value);
  draft.authToken = std::move(authToken.value);
  if (name.present) draft.name = std::move(name.value);
  draft.region = std::move(region.value);
  if (trunkSid.present) draft.trunkSid = std::move(trunkSid.value);
  return draft;
}

// The body of a PUT; what is wrong with it goes to `errors`, field by field.
ProviderChanges parseChanges(const rapidjson::Value& body, admin::FieldErrors& errors) {
  for (const char* fixed : {"accountSid", "authToken", "trunkSid"}) {
    if (body.HasMember(fixed)) {
      errors.emplace_back(fixed, std::string(fixed) +
                                     " cannot be changed; create a provider for another account "
                                     "or trunk instead.");
    }
  }
  if (body.HasMember("terminationUri")) {
    errors.emplace_back("terminationUri",
                        "terminationUri is the trunk's domain name, which Twilio assigns; it "
                        "cannot be changed here (change it on the trunk in the Twilio console).");
  }
  auto name = admin::stringField(body, "name");
  auto region = admin::stringField(body, "region");
  checkName(name, errors);
  checkRegion(region, errors);
  ProviderChanges changes;
  changes.supportsCallTransfer = supportsCallTransferField(body, errors);
  changes.allowedAddresses = allowedAddressesField(body, errors);
  if (name.present) changes.name = std::move(name.value);
  if (region.present) changes.region = std::move(region.value);
  return changes;
}

std::string providerPageJson(const ProviderService::Page& page, const admin::Paging& paging) {
  return admin::listJson(page.totalCount, paging, [&](admin::JsonWriter& w) {
    for (const auto& v : page.items) {
      admin::writeProvider(w, v.provider, v.phoneNumberCount,
                           v.verification ? &*v.verification : nullptr);
    }
  });
}

std::string availableNumbersJson(const std::vector<AvailableNumber>& numbers) {
  return admin::listJson(numbers.size(), std::nullopt, [&](admin::JsonWriter& w) {
    for (const auto& [n, imported] : numbers) {
      w.StartObject();
      admin::writeString(w, "phoneNumberSid", n.sid);
      admin::writeString(w, "phoneNumber", n.phoneNumber);
      admin::writeString(w, "friendlyName", n.friendlyName);
      admin::writeStringOrNull(w, "trunkSid", n.trunkSid);
      admin::writeKey(w, "imported");
      w.Bool(imported.has_value());
      if (imported) {
        admin::writeString(w, "phoneNumberId", imported->id);
        admin::writeString(w, "importedByProviderId", imported->providerId);
      }
      w.EndObject();
    }
  });
}

Response invalid(admin::FieldErrors errors, std::string_view instance) {
  return admin::problemOf(admin::DomainError::invalid(std::move(errors)), instance);
}

}  // namespace

std::string providerViewJson(const ProviderView& v) {
  return admin::providerJson(v.provider, v.phoneNumberCount,
                             v.verification ? &*v.verification : nullptr);
}

std::optional<std::vector<std::string>> allowedAddressesField(const rapidjson::Value& body,
                                                              admin::FieldErrors& errors) {
  auto it = body.FindMember("allowedAddresses");
  if (it == body.MemberEnd() || it->value.IsNull()) return std::nullopt;
  const auto& v = it->value;
  if (!v.IsArray() || v.Empty() || v.Size() > kMaxAllowedAddresses) {
    errors.emplace_back("allowedAddresses",
                        "allowedAddresses must be an array of 1 to 100 CIDR blocks such as "
                        "\"54.172.60.0/30\"; leave it out for Twilio's signaling ranges.");
    return std::nullopt;
  }
  std::vector<std::string> out;
  size_t invalid = 0;
  for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
    std::optional<sip::Cidr> cidr;
    if (v[i].IsString()) cidr = sip::Cidr::parse({v[i].GetString(), v[i].GetStringLength()});
    if (!cidr) {
      if (++invalid <= kMaxListedCidrErrors) {
        errors.emplace_back("allowedAddresses[" + std::to_string(i) + "]",
                            "Must be an IPv4 or IPv6 address or CIDR block such as "
                            "\"54.172.60.0/30\", with the bits after the prefix zero.");
      }
      continue;
    }
    out.push_back(cidr->text());
  }
  if (invalid > kMaxListedCidrErrors) {
    errors.emplace_back("allowedAddresses", std::to_string(invalid - kMaxListedCidrErrors) +
                                                " more invalid entries are not listed.");
  }
  if (invalid) return std::nullopt;
  return out;
}

void ProviderApi::registerRoutes(http::Router& router) {
  router.add("POST", "/api/v1/providers/twilio",
             admin::idempotent(idempotency_, [this](Request& r) { return create(r); }));
  router.add("GET", "/api/v1/providers", [this](Request& r) { return list(r); });
  router.add("GET", "/api/v1/providers/{id}", [this](Request& r) { return get(r); });
  router.add("GET", "/api/v1/providers/twilio/{id}", [this](Request& r) { return get(r); });
  router.add("PUT", "/api/v1/providers/twilio/{id}", [this](Request& r) { return update(r); });
  router.add("DELETE", "/api/v1/providers/{id}", [this](Request& r) { return remove(r); });
  router.add("GET", "/api/v1/providers/twilio/{id}/available-numbers",
             [this](Request& r) { return availableNumbers(r); });
}

awaitable<Response> ProviderApi::create(Request& req) {
  auto parsed = admin::parseJsonObjectBody(req);
  if (!parsed) co_return admin::problemOf(parsed.error(), req.path);
  admin::FieldErrors errors;
  auto draft = parseDraft(*parsed, errors);
  if (!errors.empty()) co_return invalid(std::move(errors), req.path);

  auto created = co_await service_.create(admin::orgOf(req), std::move(draft), req.requestId);
  if (!created) co_return admin::problemOf(created.error(), req.path);
  Response resp = Response::json(201, admin::providerJson(*created, 0));
  resp.set("Location", "/api/v1/providers/twilio/" + created->id);
  co_return resp;
}

awaitable<Response> ProviderApi::list(Request& req) {
  admin::FieldErrors errors;
  const admin::Paging paging = admin::parsePaging(req, errors);
  if (!errors.empty()) co_return invalid(std::move(errors), req.path);
  auto page = service_.list(admin::orgOf(req), paging.skip, paging.take);
  co_return Response::json(200, providerPageJson(page, paging));
}

awaitable<Response> ProviderApi::get(Request& req) {
  auto found = service_.get(admin::orgOf(req), admin::idParam(req, "id"));
  if (!found) co_return admin::problemOf(found.error(), req.path);
  co_return Response::json(200, providerViewJson(*found));
}

awaitable<Response> ProviderApi::update(Request& req) {
  // The provider is looked up before the body is read: a wrong id answers 400 or 404 first.
  auto found = service_.find(admin::orgOf(req), admin::idParam(req, "id"));
  if (!found) co_return admin::problemOf(found.error(), req.path);
  auto parsed = admin::parseJsonObjectBody(req);
  if (!parsed) co_return admin::problemOf(parsed.error(), req.path);
  admin::FieldErrors errors;
  auto changes = parseChanges(*parsed, errors);
  if (!errors.empty()) co_return invalid(std::move(errors), req.path);

  auto updated = co_await service_.update(admin::orgOf(req), found->id, std::move(changes));
  if (!updated) co_return admin::problemOf(updated.error(), req.path);
  co_return Response::json(200, providerViewJson(*updated));
}

awaitable<Response> ProviderApi::remove(Request& req) {
  admin::FieldErrors errors;
  const bool force = admin::forceParam(req, errors);
  if (!errors.empty()) co_return invalid(std::move(errors), req.path);
  auto removed =
      co_await service_.remove(admin::orgOf(req), admin::idParam(req, "id"), force, req.requestId);
  if (!removed) co_return admin::problemOf(removed.error(), req.path);
  co_return Response::noContent();
}

awaitable<Response> ProviderApi::availableNumbers(Request& req) {
  auto listed = co_await service_.availableNumbers(admin::orgOf(req), admin::idParam(req, "id"),
                                                   req.requestId);
  if (!listed) co_return admin::problemOf(listed.error(), req.path);
  co_return Response::json(200, availableNumbersJson(*listed));
}

}  // namespace gw::import
