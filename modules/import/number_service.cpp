#include "modules/import/number_service.hpp"

#include <optional>
#include <utility>
#include <vector>

#include "common/clock.hpp"
#include "common/log.hpp"
#include "common/uuid.hpp"
#include "modules/admin/agent_uses.hpp"
#include "modules/import/own_provider.hpp"
#include "modules/import/twilio_errors.hpp"
#include "store/store.hpp"
#include "twilio/api.hpp"

namespace gw::import {

using boost::asio::awaitable;

namespace {

// What a remove works on once every check before Twilio passed.
struct Removal {
  store::Provider provider;
  store::PhoneNumber number;
};

// The checks of a remove that need no Twilio, in the order the API has always answered them.
admin::Result<Removal> removalOf(const store::Store& db, const std::string& org,
                                 const std::string& providerId, const std::string& numberId,
                                 bool force) {
  auto provider = ownProvider(db, org, providerId);
  if (!provider) return provider.error();
  if (!isUuid(numberId)) {
    return admin::DomainError::invalid("phoneNumberId", "The phone number id must be a UUID.");
  }
  std::optional<store::PhoneNumber> n;
  std::vector<admin::AgentUse> uses;
  {
    auto txn = db.read();
    n = db.getNumber(txn, numberId);
    if (n) uses = admin::agentUsesOf(db, txn, *n);
  }
  if (!n || n->providerId != provider->id) {
    return admin::DomainError::of(
        admin::Fault::kNotFound,
        "Provider " + provider->id + " has no phone number with id " + numberId + ".");
  }
  // Before Twilio is touched: a refused delete changes nothing anywhere.
  if (!uses.empty() && !force) {
    return admin::DomainError::inUse(
        "Phone number " + n->phoneNumber + " is used by " + std::to_string(uses.size()) +
            " agent link(s) or caller ID(s). Unlink it first (DELETE /api/v1/sip-phone-numbers/" +
            n->id +
            "/agent-link, PATCH the agents' outboundPhoneNumberId), or delete with "
            "?force=true to unlink it.",
        uses);
  }
  return Removal{std::move(*provider), std::move(*n)};
}

}  // namespace

store::NumberPage NumberService::list(const std::string& org, store::NumberFilter filter,
                                      uint64_t skip, uint64_t take) const {
  filter.orgId = org;
  auto txn = ctx_.store.read();
  return ctx_.store.listNumbers(txn, filter, skip, take);
}

admin::Result<store::PhoneNumber> NumberService::get(const std::string& org,
                                                     const std::string& id) const {
  if (!isUuid(id)) return admin::DomainError::invalid("id", "The phone number id must be a UUID.");
  std::optional<store::PhoneNumber> n;
  {
    auto txn = ctx_.store.read();
    n = ctx_.store.getNumber(txn, id);
  }
  if (!n || n->orgId != org) {
    return admin::DomainError::of(admin::Fault::kNotFound, "No phone number with id " + id + ".");
  }
  return std::move(*n);
}

awaitable<admin::Result<void>> NumberService::remove(const std::string& org,
                                                     const std::string& providerId,
                                                     const std::string& numberId, bool force,
                                                     const std::string& requestId) {
  auto checked = removalOf(ctx_.store, org, providerId, numberId, force);
  if (!checked) co_return checked.error();
  const store::Provider& provider = checked->provider;
  const store::PhoneNumber& n = checked->number;

  // A named local: GCC 12 destroys a braced temporary inside a co_await expression twice.
  twilio::Credentials creds{provider.accountSid, provider.authToken};
  creds.requestId = requestId;
  auto detached = co_await ctx_.twilio.detachNumber(creds, provider.trunkSid, n.phoneNumberSid);
  if (!detached) co_return twilioFault(detached.error(), "detaching the number from the trunk");
  bool deleted = false;
  co_await ctx_.writes.commit([&](const store::ReadView& txn, admin::ChangeSet& change) {
    // A link made while Twilio answered goes too: the number is off the trunk already.
    auto current = ctx_.store.getNumber(txn, n.id);
    deleted = current.has_value();
    if (!current) return;
    admin::clearCallerIds(ctx_.store, txn, *current, nowUnixMillis(), change);
    change.numbersRemoved.push_back(std::move(*current));
  });
  if (!deleted) {
    // Removed by a concurrent request while Twilio answered: the result is the same.
    log::info("numbers", "number ", n.id, " was already deleted");
  } else {
    log::info("numbers", "deleted number ", n.id, " (", n.phoneNumberSid, ") of provider ",
              provider.id);
  }
  co_return admin::Result<void>{};
}

}  // namespace gw::import
