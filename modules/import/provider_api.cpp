#include "modules/import/provider_api.hpp"

#include <unordered_set>

#include "common/clock.hpp"
#include "common/e164.hpp"
#include "common/log.hpp"
#include "common/text.hpp"
#include "common/uuid.hpp"
#include "modules/admin/agent_uses.hpp"
#include "modules/admin/caller.hpp"
#include "modules/admin/json_io.hpp"
#include "modules/admin/problem.hpp"
#include "async/task_group.hpp"
#include "modules/import/twilio_errors.hpp"
#include "modules/admin/validation.hpp"
#include "modules/admin/views.hpp"
#include "sip/cidr.hpp"
#include "store/store.hpp"

namespace gw::import {

using boost::asio::awaitable;
using http::Request;
using http::Response;

namespace {

constexpr size_t kMaxNameLength = 100;
constexpr size_t kTwilioFriendlyNameMax = 64;
constexpr size_t kMaxAllowedAddresses = 100;
constexpr size_t kMaxListedCidrErrors = 10;

twilio::Credentials credentialsOf(const store::Provider& p, const Request& req) {
  twilio::Credentials c{p.accountSid, p.authToken};
  c.requestId = req.requestId;
  return c;
}

// supportsCallTransfer when sent (null counts as not sent); a non-boolean is an error.
std::optional<bool> supportsCallTransferField(const rapidjson::Value& body, admin::FieldErrors& errors) {
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
  if (name.wrongType || isBlank(name.value) || utf8Length(name.value) > kMaxNameLength) {
    errors.emplace_back("name",
                        "name must be a string of 1 to 100 characters, not blank; leave "
                        "it out to keep it (or, on create, to use the Twilio account's "
                        "friendly name).");
  }
}

// A provider delete stopped by a Twilio failure after Twilio had already detached some of
// the numbers from the adopted trunk: the answer must not claim that nothing changed.
Response partlyDetached(const twilio::TwilioError& e, size_t detached, size_t total,
                        const std::string& trunkSid, std::string_view instance) {
  return Response::problem(
      502,
      "Twilio request failed while detaching the provider's numbers from trunk " + trunkSid + ": " +
          e.describe() + ". " + std::to_string(detached) + " of " + std::to_string(total) +
          " numbers were detached already, so Twilio no longer sends their calls here; the "
          "provider and its numbers are still stored. Repeat the delete to detach the rest.",
      instance);
}

}  // namespace

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

std::variant<store::Provider, Response> findOwnProvider(const admin::Context& ctx,
                                                        const Request& req, const std::string& id) {
  if (!isUuid(id)) {
    return Response::validationProblem({{"id", "The provider id must be a UUID."}}, req.path);
  }
  auto txn = ctx.store.read();
  auto p = ctx.store.getProvider(txn, id);
  // Another org's provider is indistinguishable from a missing one.
  if (!p || p->orgId != admin::orgOf(req)) {
    return Response::problem(404, "No provider with id " + id + ".", req.path);
  }
  return std::move(*p);
}

void ProviderApi::registerRoutes(http::Router& router) {
  router.add("POST", "/api/v1/providers/twilio", [this](Request& r) { return create(r); });
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
  if (auto* resp = std::get_if<Response>(&parsed)) co_return std::move(*resp);
  const auto& body = std::get<rapidjson::Document>(parsed);

  admin::FieldErrors errors;
  auto accountSid = admin::stringField(body, "accountSid");
  auto authToken = admin::stringField(body, "authToken");
  auto name = admin::stringField(body, "name");
  auto region = admin::stringField(body, "region");
  auto trunkSid = admin::stringField(body, "trunkSid");
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
  checkName(name, errors);
  if (region.wrongType || (region.present && !admin::isKnownRegion(region.value))) {
    errors.emplace_back("region", "region must be one of us1, us2, ie1, de1, au1, jp1, br1, sg1.");
  }
  if (trunkSid.wrongType || (trunkSid.present && !admin::isSid(trunkSid.value, "TK"))) {
    errors.emplace_back("trunkSid",
                        "trunkSid must be 'TK' followed by 32 lowercase hex characters.");
  }
  bool supportsCallTransfer = supportsCallTransferField(body, errors).value_or(false);
  auto allowedAddresses = allowedAddressesField(body, errors);
  if (!errors.empty()) co_return Response::validationProblem(errors, req.path);

  auto duplicateIn = [&](const store::ReadView& txn) -> std::optional<store::Provider> {
    for (auto& p : ctx_.store.listProviders(txn, admin::orgOf(req))) {
      if (p.accountSid == accountSid.value) return p;
    }
    return std::nullopt;
  };
  if (auto dup = duplicateIn(ctx_.store.read())) {
    co_return Response::problem(409,
                                "A provider for account " + accountSid.value +
                                    " already exists: " + dup->id + ". Use it, or delete it first.",
                                req.path);
  }

  twilio::Credentials creds{accountSid.value, authToken.value};
  creds.requestId = req.requestId;
  auto account = co_await ctx_.twilio.fetchAccount(creds);
  if (!account) {
    const auto& e = account.error();
    if (e.isAuthFailure() || e.isNotFound()) {
      co_return Response::problem(
          422,
          "Twilio rejected the credentials of account " + accountSid.value + " (" + e.describe() +
              "). Check the account SID and auth token in the Twilio console.",
          req.path);
    }
    co_return admin::problemOf(twilioFault(e, "checking the credentials"), req.path);
  }

  store::Provider p;
  p.id = newUuid();
  p.orgId = admin::orgOf(req);
  p.name = name.present ? name.value : account->friendlyName;
  p.name = std::string(utf8Prefix(p.name, kMaxNameLength));
  p.accountSid = accountSid.value;
  p.authToken = authToken.value;
  p.region = region.value;
  p.supportsCallTransfer = supportsCallTransfer;
  p.allowedAddresses =
      allowedAddresses ? std::move(*allowedAddresses) : store::defaultAllowedAddresses();
  p.createdMs = p.updatedMs = p.lastVerifiedMs = nowUnixMillis();

  if (trunkSid.present) {
    auto trunk = co_await ctx_.twilio.fetchTrunk(creds, trunkSid.value);
    if (!trunk) {
      if (trunk.error().isNotFound()) {
        co_return Response::validationProblem(
            {{"trunkSid",
              "Trunk " + trunkSid.value + " does not exist in account " + accountSid.value + "."}},
            req.path);
      }
      co_return admin::problemOf(twilioFault(trunk.error(), "fetching the trunk"), req.path);
    }
    p.trunkSid = trunk->sid;
    p.terminationUri = trunk->domainName;
    p.trunkCreatedByGateway = false;
  } else {
    std::string friendly = "gateway " + p.name;
    friendly = std::string(utf8Prefix(friendly, kTwilioFriendlyNameMax));
    auto trunk = co_await ctx_.twilio.createTrunk(creds, friendly);
    if (!trunk) co_return admin::problemOf(twilioFault(trunk.error(), "creating the SIP trunk"), req.path);
    auto ou =
        co_await ctx_.twilio.createOriginationUrl(creds, trunk->sid, ctx_.publicSipUri, "gateway");
    if (!ou) {
      // Leave nothing behind in the customer's account.
      auto undo = co_await ctx_.twilio.deleteTrunk(creds, trunk->sid);
      if (!undo) {
        log::warn("providers", "could not delete trunk ", trunk->sid,
                  " after a failed origination URL: ", undo.error().describe());
      }
      co_return admin::problemOf(twilioFault(ou.error(), "creating the trunk's origination URL"), req.path);
    }
    p.trunkSid = trunk->sid;
    p.terminationUri = trunk->domainName;
    p.originationUrlSid = *ou;
    p.trunkCreatedByGateway = true;
  }

  // Another request may have registered the same account while Twilio answered.
  std::optional<store::Provider> dup;
  co_await ctx_.writes.commit([&](const store::ReadView& txn, admin::ChangeSet& change) {
    dup = duplicateIn(txn);
    if (!dup) change.providersPut.push_back(p);
  });
  if (dup) {
    if (p.trunkCreatedByGateway) (void)co_await ctx_.twilio.deleteTrunk(creds, p.trunkSid);
    co_return Response::problem(
        409, "A provider for account " + accountSid.value + " already exists: " + dup->id + ".",
        req.path);
  }
  log::info("providers", "created provider ", p.id, " for account ", p.accountSid, " trunk ",
            p.trunkSid, p.trunkCreatedByGateway ? " (created)" : " (adopted)");
  Response resp = Response::json(201, admin::providerJson(p, 0));
  resp.set("Location", "/api/v1/providers/twilio/" + p.id);
  co_return resp;
}

awaitable<Response> ProviderApi::list(Request& req) {
  rapidjson::StringBuffer buf;
  admin::JsonWriter w(buf);
  auto txn = ctx_.store.read();
  auto providers = ctx_.store.listProviders(txn, admin::orgOf(req));
  w.StartObject();
  admin::writeKey(w, "items");
  w.StartArray();
  for (const auto& p : providers) admin::writeProvider(w, p, ctx_.store.countNumbersOfProvider(txn, p.id));
  w.EndArray();
  admin::writeKey(w, "totalCount");
  w.Uint64(providers.size());
  w.EndObject();
  co_return Response::json(200, std::string(buf.GetString(), buf.GetSize()));
}

awaitable<Response> ProviderApi::get(Request& req) {
  auto found = findOwnProvider(ctx_, req, req.param("id"));
  if (auto* resp = std::get_if<Response>(&found)) co_return std::move(*resp);
  const auto& p = std::get<store::Provider>(found);
  uint64_t count = 0;
  {
    auto txn = ctx_.store.read();
    count = ctx_.store.countNumbersOfProvider(txn, p.id);
  }
  co_return Response::json(200, admin::providerJson(p, count));
}

awaitable<Response> ProviderApi::update(Request& req) {
  auto found = findOwnProvider(ctx_, req, req.param("id"));
  if (auto* resp = std::get_if<Response>(&found)) co_return std::move(*resp);
  const auto& current = std::get<store::Provider>(found);

  auto parsed = admin::parseJsonObjectBody(req);
  if (auto* resp = std::get_if<Response>(&parsed)) co_return std::move(*resp);
  const auto& body = std::get<rapidjson::Document>(parsed);

  admin::FieldErrors errors;
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
  if (region.wrongType || (region.present && !admin::isKnownRegion(region.value))) {
    errors.emplace_back("region", "region must be one of us1, us2, ie1, de1, au1, jp1, br1, sg1.");
  }
  std::optional<bool> supportsCallTransfer = supportsCallTransferField(body, errors);
  auto allowedAddresses = allowedAddressesField(body, errors);
  if (!errors.empty()) co_return Response::validationProblem(errors, req.path);

  std::optional<store::Provider> p;
  uint64_t count = 0;
  co_await ctx_.writes.commit([&](const store::ReadView& txn, admin::ChangeSet& change) {
    // Re-read inside the commit: the fields not sent keep their stored values.
    p = ctx_.store.getProvider(txn, current.id);
    if (!p) return;
    if (name.present) p->name = name.value;
    if (region.present) p->region = region.value;
    if (supportsCallTransfer) p->supportsCallTransfer = *supportsCallTransfer;
    if (allowedAddresses) p->allowedAddresses = *allowedAddresses;
    p->updatedMs = nowUnixMillis();
    count = ctx_.store.countNumbersOfProvider(txn, p->id);
    change.providersPut.push_back(*p);
  });
  if (!p) co_return Response::problem(404, "No provider with id " + current.id + ".", req.path);
  log::info("providers", "updated provider ", p->id);
  co_return Response::json(200, admin::providerJson(*p, count));
}

awaitable<Response> ProviderApi::remove(Request& req) {
  admin::FieldErrors forceErrors;
  const bool force = admin::forceParam(req, forceErrors);
  if (!forceErrors.empty()) co_return Response::validationProblem(forceErrors, req.path);
  auto found = findOwnProvider(ctx_, req, req.param("id"));
  if (auto* resp = std::get_if<Response>(&found)) co_return std::move(*resp);
  const auto p = std::get<store::Provider>(found);
  auto creds = credentialsOf(p, req);

  std::vector<store::PhoneNumber> numbers;
  std::vector<admin::AgentUse> uses;
  std::vector<std::string> toDetach;  // stored numbers, then journaled attachments
  auto readNumbers = [&] {
    numbers.clear();
    uses.clear();
    toDetach.clear();
    auto txn = ctx_.store.read();
    numbers = ctx_.store.listNumbersOfProvider(txn, p.id);
    const auto agents = ctx_.store.listAgents(txn, p.orgId);
    for (const auto& n : numbers) {
      auto more = admin::agentUsesOf(agents, n);
      uses.insert(uses.end(), more.begin(), more.end());
      toDetach.push_back(n.phoneNumberSid);
    }
    // Attached by an import a crash or an unreachable Twilio interrupted, not stored.
    for (auto& sid : ctx_.store.journaledAttachments(txn, p.id)) {
      if (!ctx_.store.findNumberBySid(txn, sid)) toDetach.push_back(std::move(sid));
    }
  };
  auto refusal = [&]() -> std::optional<Response> {
    if (uses.empty() || force) return std::nullopt;
    return admin::problemOf(admin::DomainError::inUse(
        "Agents use " + std::to_string(uses.size()) +
            " phone number link(s) or caller ID(s) of provider " + p.id +
            ". Unlink the numbers from those agents first, or delete with ?force=true to "
            "unlink them.",
        uses), req.path);
  };
  // Before Twilio is touched or an import stopped: a refused delete changes nothing anywhere.
  readNumbers();
  if (auto refused = refusal()) co_return std::move(*refused);

  // No import of the provider attaches anything from here on: running ones detach what
  // they attached and finish before this goes on, so nothing of ours is left on the trunk
  // once the delete answers. Then the numbers are read again (links made meanwhile count).
  auto stopped = co_await imports_.stopImports(p.id);
  readNumbers();
  if (auto refused = refusal()) co_return std::move(*refused);

  // Clean up the customer's Twilio account first; local state changes only once Twilio
  // agreed, so a failed delete can simply be repeated. Revoked credentials cannot clean
  // anything up: the local records are removed anyway, and the log says what was left.
  bool credentialsRevoked = false;
  if (p.trunkCreatedByGateway) {
    auto r = co_await ctx_.twilio.deleteTrunk(creds, p.trunkSid);  // releases its numbers
    if (!r) {
      if (!r.error().isAuthFailure())
        co_return admin::problemOf(twilioFault(r.error(), "deleting the trunk"), req.path);
      credentialsRevoked = true;
    }
  } else {
    std::optional<twilio::TwilioError> failure;
    size_t detached = 0;
    co_await async::forEachConcurrently(
        toDetach.size(), ctx_.twilio.concurrency(),
        [&](size_t i) -> awaitable<void> {
          auto r = co_await ctx_.twilio.detachNumber(creds, p.trunkSid, toDetach[i]);
          if (r) {
            ++detached;
          } else if (!failure) {
            failure = r.error();
          }
        },
        [&] { return failure.has_value(); });
    if (failure) {
      if (!failure->isAuthFailure()) {
        if (detached > 0)
          co_return partlyDetached(*failure, detached, toDetach.size(), p.trunkSid, req.path);
        co_return admin::problemOf(
            twilioFault(*failure, "detaching the provider's numbers from its trunk"), req.path);
      }
      credentialsRevoked = true;
    }
  }
  if (credentialsRevoked) {
    log::warn("providers", "provider ", p.id, ": Twilio rejected the credentials; trunk ",
              p.trunkSid, " and its numbers were left in account ", p.accountSid);
  }

  size_t removed = 0;
  size_t callerIdsCleared = 0;
  co_await ctx_.writes.commit([&](const store::ReadView& txn, admin::ChangeSet& change) {
    // Numbers imported, and links made, while Twilio was being cleaned up are removed too:
    // the numbers are gone from the trunk either way. The journal goes with the provider
    // (detached above, or gone with the trunk).
    auto stored = ctx_.store.listNumbersOfProvider(txn, p.id);
    std::unordered_set<std::string> ids;
    for (const auto& n : stored) ids.insert(n.id);
    callerIdsCleared = admin::clearCallerIds(ctx_.store, txn, p.orgId, ids, nowUnixMillis(), change);
    removed = stored.size();
    change.numbersRemoved = std::move(stored);
    change.providersRemoved.push_back(p.id);
  });
  log::info("providers", "deleted provider ", p.id, " and its ", removed, " numbers",
            uses.empty() ? "" : " (forced: agent links and caller IDs cleared)");
  if (callerIdsCleared) log::info("providers", "cleared ", callerIdsCleared, " agent caller IDs");
  co_return Response::noContent();
}

awaitable<Response> ProviderApi::availableNumbers(Request& req) {
  auto found = findOwnProvider(ctx_, req, req.param("id"));
  if (auto* resp = std::get_if<Response>(&found)) co_return std::move(*resp);
  const auto p = std::get<store::Provider>(found);

  auto listing = co_await ctx_.twilio.listNumbers(credentialsOf(p, req), SIZE_MAX);
  if (!listing) co_return admin::problemOf(twilioFault(listing.error(), "listing the account's numbers"), req.path);

  rapidjson::StringBuffer buf;
  admin::JsonWriter w(buf);
  auto txn = ctx_.store.read();
  w.StartObject();
  admin::writeKey(w, "items");
  w.StartArray();
  for (const auto& n : listing->numbers) {
    auto stored = ctx_.store.findNumberBySid(txn, n.sid);
    w.StartObject();
    admin::writeString(w, "phoneNumberSid", n.sid);
    admin::writeString(w, "phoneNumber", n.phoneNumber);
    admin::writeString(w, "friendlyName", n.friendlyName);
    admin::writeStringOrNull(w, "trunkSid", n.trunkSid);
    admin::writeKey(w, "imported");
    w.Bool(stored.has_value() && stored->orgId == admin::orgOf(req));
    if (stored && stored->orgId == admin::orgOf(req)) {
      admin::writeString(w, "phoneNumberId", stored->id);
      admin::writeString(w, "importedByProviderId", stored->providerId);
    }
    w.EndObject();
  }
  w.EndArray();
  admin::writeKey(w, "totalCount");
  w.Uint64(listing->numbers.size());
  w.EndObject();
  co_return Response::json(200, std::string(buf.GetString(), buf.GetSize()));
}

}  // namespace gw::import
