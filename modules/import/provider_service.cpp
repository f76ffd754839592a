#include "modules/import/provider_service.hpp"

#include <algorithm>
#include <cstdint>
#include <unordered_set>
#include <utility>

#include "async/task_group.hpp"
#include "common/clock.hpp"
#include "common/log.hpp"
#include "common/text.hpp"
#include "common/uuid.hpp"
#include "modules/admin/agent_uses.hpp"
#include "modules/import/import_job_service.hpp"
#include "modules/import/own_provider.hpp"
#include "modules/import/twilio_errors.hpp"
#include "store/store.hpp"

namespace gw::import {

using admin::DomainError;
using admin::Fault;
using admin::Result;
using boost::asio::awaitable;

namespace {

constexpr size_t kTwilioFriendlyNameMax = 64;

// The provider's credentials for a Twilio call made for request `requestId` ("" if none).
// The org's provider for `accountSid`, if it has one.
std::optional<store::Provider> duplicateOf(const store::Store& store, const store::ReadView& txn,
                                           const std::string& orgId,
                                           const std::string& accountSid) {
  for (auto& p : store.listProviders(txn, orgId)) {
    if (p.accountSid == accountSid) return p;
  }
  return std::nullopt;
}

// The account behind `creds`; kRejected when Twilio does not know the SID or refuses the
// token (what was sent is wrong, not the stored state).
awaitable<Result<twilio::Account>> checkAccount(admin::Context& ctx,
                                                const twilio::Credentials& creds) {
  auto account = co_await ctx.twilio.fetchAccount(creds);
  if (account) co_return std::move(*account);
  const auto& e = account.error();
  if (e.isAuthFailure() || e.isNotFound()) {
    co_return DomainError::of(
        Fault::kRejected, "Twilio rejected the credentials of account " + creds.accountSid + " (" +
                              e.describe() +
                              "). Check the account SID and auth token in the Twilio console.");
  }
  co_return twilioFault(e, "checking the credentials");
}

// The record of a new provider, without its trunk.
store::Provider newProvider(const std::string& orgId, ProviderDraft& draft,
                            const twilio::Account& account) {
  store::Provider p;
  p.id = newUuid();
  p.orgId = orgId;
  p.name = draft.name ? *draft.name : account.friendlyName;
  p.name = std::string(utf8Prefix(p.name, kMaxProviderNameLength));
  p.accountSid = draft.accountSid;
  p.authToken = draft.authToken;
  p.region = draft.region;
  p.supportsCallTransfer = draft.supportsCallTransfer;
  p.allowedAddresses = draft.allowedAddresses ? std::move(*draft.allowedAddresses)
                                              : store::defaultAllowedAddresses();
  p.createdMs = p.updatedMs = p.lastVerifiedMs = nowUnixMillis();
  return p;
}

// Takes the customer's trunk `trunkSid` for `p`; the gateway will never delete it.
awaitable<Result<void>> adoptTrunk(admin::Context& ctx, const twilio::Credentials& creds,
                                   const std::string& trunkSid, store::Provider& p) {
  auto trunk = co_await ctx.twilio.fetchTrunk(creds, trunkSid);
  if (!trunk) {
    if (trunk.error().isNotFound()) {
      co_return DomainError::invalid(
          "trunkSid", "Trunk " + trunkSid + " does not exist in account " + creds.accountSid + ".");
    }
    co_return twilioFault(trunk.error(), "fetching the trunk");
  }
  p.trunkSid = trunk->sid;
  p.terminationUri = trunk->domainName;
  p.trunkCreatedByGateway = false;
  co_return Result<void>();
}

// Creates a trunk for `p` whose origination URL points at this gateway. When the URL
// cannot be added the trunk is deleted again: nothing is left in the customer's account.
awaitable<Result<void>> createTrunk(admin::Context& ctx, const twilio::Credentials& creds,
                                    store::Provider& p) {
  std::string friendly = "gateway " + p.name;
  friendly = std::string(utf8Prefix(friendly, kTwilioFriendlyNameMax));
  auto trunk = co_await ctx.twilio.createTrunk(creds, friendly);
  if (!trunk) co_return twilioFault(trunk.error(), "creating the SIP trunk");
  auto ou =
      co_await ctx.twilio.createOriginationUrl(creds, trunk->sid, ctx.publicSipUri, "gateway");
  if (!ou) {
    auto undo = co_await ctx.twilio.deleteTrunk(creds, trunk->sid);
    if (!undo) {
      log::warn("providers", "could not delete trunk ", trunk->sid,
                " after a failed origination URL: ", undo.error().describe());
    }
    co_return twilioFault(ou.error(), "creating the trunk's origination URL");
  }
  p.trunkSid = trunk->sid;
  p.terminationUri = trunk->domainName;
  p.originationUrlSid = *ou;
  p.trunkCreatedByGateway = true;
  co_return Result<void>();
}

// Stores `p` unless another request registered the same account while Twilio answered;
// then a trunk created for `p` is deleted again.
awaitable<Result<void>> storeNew(admin::Context& ctx, const twilio::Credentials& creds,
                                 const store::Provider& p) {
  std::optional<store::Provider> dup;
  std::exception_ptr refused;
  try {
    co_await ctx.writes.commit([&](const store::ReadView& txn, admin::ChangeSet& change) {
      dup = duplicateOf(ctx.store, txn, p.orgId, p.accountSid);
      if (!dup) change.providersPut.push_back(p);
    });
  } catch (const store::StoreError&) {
    refused = std::current_exception();
  }
  // Not stored (a full store, an unreachable cluster store): the trunk made for it goes too.
  if (refused) {
    if (p.trunkCreatedByGateway) (void)co_await ctx.twilio.deleteTrunk(creds, p.trunkSid);
    std::rethrow_exception(refused);
  }
  if (dup) {
    if (p.trunkCreatedByGateway) (void)co_await ctx.twilio.deleteTrunk(creds, p.trunkSid);
    co_return DomainError::of(Fault::kConflict, "A provider for account " + p.accountSid +
                                                    " already exists: " + dup->id + ".");
  }
  log::info("providers", "created provider ", p.id, " for account ", p.accountSid, " trunk ",
            p.trunkSid, p.trunkCreatedByGateway ? " (created)" : " (adopted)");
  co_return Result<void>();
}

// What a delete finds of a provider: the agents that use its numbers, and the SIDs to detach
// from its trunk (stored numbers, then journaled attachments).
struct DeletePlan {
  std::vector<admin::AgentUse> uses;
  std::vector<std::string> toDetach;
};

DeletePlan planDelete(const store::Store& store, const store::Provider& p) {
  DeletePlan plan;
  auto txn = store.read();
  const auto numbers = store.listNumbersOfProvider(txn, p.id);
  const auto agents = store.listAgents(txn, p.orgId);
  for (const auto& n : numbers) {
    auto more = admin::agentUsesOf(agents, n);
    plan.uses.insert(plan.uses.end(), more.begin(), more.end());
    plan.toDetach.push_back(n.phoneNumberSid);
  }
  // Attached by an import a crash or an unreachable Twilio interrupted, not stored.
  for (auto& sid : store.journaledAttachments(txn, p.id)) {
    if (!store.findNumberBySid(txn, sid)) plan.toDetach.push_back(std::move(sid));
  }
  return plan;
}

// The 409 of a delete that agents' uses stop, unless forced.
std::optional<DomainError> refusal(const DeletePlan& plan, const store::Provider& p, bool force) {
  if (plan.uses.empty() || force) return std::nullopt;
  return DomainError::inUse("Agents use " + std::to_string(plan.uses.size()) +
                                " phone number link(s) or caller ID(s) of provider " + p.id +
                                ". Unlink the numbers from those agents first, or delete with "
                                "?force=true to unlink them.",
                            plan.uses);
}

// A provider delete stopped by a Twilio failure after Twilio had already detached some of
// the numbers from the adopted trunk: the answer must not claim that nothing changed.
DomainError partlyDetached(const twilio::TwilioError& e, size_t detached, size_t total,
                           const std::string& trunkSid) {
  return DomainError::of(
      Fault::kUpstream,
      "Twilio request failed while detaching the provider's numbers from trunk " + trunkSid + ": " +
          e.describe() + ". " + std::to_string(detached) + " of " + std::to_string(total) +
          " numbers were detached already, so Twilio no longer sends their calls here; the "
          "provider and its numbers are still stored. Repeat the delete to detach the rest.");
}

// Detaches `sids` from the provider's adopted trunk, a few at a time, stopping at the first
// failure. True when done, false when Twilio refused the credentials.
awaitable<Result<bool>> detachAll(admin::Context& ctx, const twilio::Credentials& creds,
                                  const store::Provider& p, const std::vector<std::string>& sids) {
  std::optional<twilio::TwilioError> failure;
  size_t detached = 0;
  co_await async::forEachConcurrently(
      sids.size(), ctx.twilio.concurrency(),
      [&](size_t i) -> awaitable<void> {
        auto r = co_await ctx.twilio.detachNumber(creds, p.trunkSid, sids[i]);
        if (r) {
          ++detached;
        } else if (!failure) {
          failure = r.error();
        }
      },
      [&] { return failure.has_value(); });
  if (!failure) co_return true;
  if (failure->isAuthFailure()) co_return false;
  if (detached > 0) co_return partlyDetached(*failure, detached, sids.size(), p.trunkSid);
  co_return twilioFault(*failure, "detaching the provider's numbers from its trunk");
}

// Cleans the provider up in the customer's Twilio account: deletes the trunk the gateway
// created (its numbers go with it), or detaches `sids` from an adopted one. Revoked
// credentials cannot clean anything up; that is logged, and the delete goes on.
awaitable<Result<void>> releaseTrunk(admin::Context& ctx, const twilio::Credentials& creds,
                                     const store::Provider& p,
                                     const std::vector<std::string>& sids) {
  bool credentialsRevoked = false;
  if (p.trunkCreatedByGateway) {
    auto r = co_await ctx.twilio.deleteTrunk(creds, p.trunkSid);
    if (!r) {
      if (!r.error().isAuthFailure()) co_return twilioFault(r.error(), "deleting the trunk");
      credentialsRevoked = true;
    }
  } else {
    auto r = co_await detachAll(ctx, creds, p, sids);
    if (!r) co_return r.error();
    credentialsRevoked = !*r;
  }
  if (credentialsRevoked) {
    log::warn("providers", "provider ", p.id, ": Twilio rejected the credentials; trunk ",
              p.trunkSid, " and its numbers were left in account ", p.accountSid);
  }
  co_return Result<void>();
}

// Removes the provider, its numbers and its journal, and clears the caller IDs that use
// those numbers. `forced`: agents used them (the log says so).
awaitable<void> removeStored(admin::Context& ctx, const store::Provider& p, bool forced) {
  size_t removed = 0;
  size_t callerIdsCleared = 0;
  co_await ctx.writes.commit([&](const store::ReadView& txn, admin::ChangeSet& change) {
    // Numbers imported, and links made, while Twilio was being cleaned up are removed too:
    // the numbers are gone from the trunk either way. The journal goes with the provider
    // (detached above, or gone with the trunk).
    auto stored = ctx.store.listNumbersOfProvider(txn, p.id);
    std::unordered_set<std::string> ids;
    for (const auto& n : stored) ids.insert(n.id);
    callerIdsCleared = admin::clearCallerIds(ctx.store, txn, p.orgId, ids, nowUnixMillis(), change);
    removed = stored.size();
    change.numbersRemoved = std::move(stored);
    change.providersRemoved.push_back(p.id);
  });
  log::info("providers", "deleted provider ", p.id, " and its ", removed, " numbers",
            forced ? " (forced: agent links and caller IDs cleared)" : "");
  if (callerIdsCleared) log::info("providers", "cleared ", callerIdsCleared, " agent caller IDs");
}

// The listed numbers, each with the stored number of the same SID when org `orgId` has it.
std::vector<AvailableNumber> withImported(const store::Store& store, const std::string& orgId,
                                          std::vector<twilio::IncomingNumber> numbers) {
  std::vector<AvailableNumber> out;
  out.reserve(numbers.size());
  auto txn = store.read();
  for (auto& n : numbers) {
    auto stored = store.findNumberBySid(txn, n.sid);
    if (stored && stored->orgId != orgId) stored.reset();
    out.push_back(AvailableNumber{std::move(n), std::move(stored)});
  }
  return out;
}

}  // namespace

ProviderView providerViewOf(const store::Store& store, const store::ReadView& view,
                            store::Provider p) {
  ProviderView v;
  v.phoneNumberCount = store.countNumbersOfProvider(view, p.id);
  v.verification = store.getVerification(view, p.id);
  v.provider = std::move(p);
  return v;
}

awaitable<Result<store::Provider>> ProviderService::create(const std::string& orgId,
                                                           ProviderDraft draft,
                                                           const std::string& requestId) {
  if (auto dup = duplicateOf(ctx_.store, ctx_.store.read(), orgId, draft.accountSid)) {
    co_return DomainError::of(Fault::kConflict, "A provider for account " + draft.accountSid +
                                                    " already exists: " + dup->id +
                                                    ". Use it, or delete it first.");
  }
  // Before any Twilio work: a cluster node that cannot reach etcd could not store the result.
  if (!ctx_.writes.available()) throw admin::WriteUnavailableError(admin::kWritesUnavailable);
  twilio::Credentials creds{draft.accountSid, draft.authToken};
  creds.requestId = requestId;
  auto account = co_await checkAccount(ctx_, creds);
  if (!account) co_return account.error();

  store::Provider p = newProvider(orgId, draft, *account);
  Result<void> trunk;
  if (draft.trunkSid) {
    trunk = co_await adoptTrunk(ctx_, creds, *draft.trunkSid, p);
  } else {
    trunk = co_await createTrunk(ctx_, creds, p);
  }
  if (!trunk) co_return trunk.error();
  auto stored = co_await storeNew(ctx_, creds, p);
  if (!stored) co_return stored.error();
  co_return p;
}

Result<store::Provider> ProviderService::find(const std::string& orgId,
                                              const std::string& id) const {
  return ownProvider(ctx_.store, orgId, id);
}

ProviderService::Page ProviderService::list(const std::string& orgId, uint64_t skip,
                                            uint64_t take) const {
  Page page;
  auto txn = ctx_.store.read();
  auto providers = ctx_.store.listProviders(txn, orgId);
  page.totalCount = providers.size();
  const uint64_t first = std::min<uint64_t>(skip, providers.size());
  const uint64_t last = first + std::min<uint64_t>(providers.size() - first, take);
  for (uint64_t i = first; i < last; ++i) {
    page.items.push_back(providerViewOf(ctx_.store, txn, std::move(providers[i])));
  }
  return page;
}

Result<ProviderView> ProviderService::get(const std::string& orgId, const std::string& id) const {
  auto found = find(orgId, id);
  if (!found) return found.error();
  return providerViewOf(ctx_.store, ctx_.store.read(), std::move(*found));
}

awaitable<Result<ProviderView>> ProviderService::update(const std::string& orgId,
                                                        const std::string& id,
                                                        ProviderChanges changes) {
  auto found = find(orgId, id);
  if (!found) co_return found.error();
  std::optional<store::Provider> p;
  co_await ctx_.writes.commit([&](const store::ReadView& txn, admin::ChangeSet& change) {
    // Re-read inside the commit: the fields not sent keep their stored values.
    p = ctx_.store.getProvider(txn, found->id);
    if (!p) return;
    if (changes.name) p->name = *changes.name;
    if (changes.region) p->region = *changes.region;
    if (changes.supportsCallTransfer) p->supportsCallTransfer = *changes.supportsCallTransfer;
    if (changes.allowedAddresses) p->allowedAddresses = *changes.allowedAddresses;
    p->updatedMs = nowUnixMillis();
    change.providersPut.push_back(*p);
  });
  if (!p) co_return DomainError::of(Fault::kNotFound, "No provider with id " + found->id + ".");
  log::info("providers", "updated provider ", p->id);
  co_return providerViewOf(ctx_.store, ctx_.store.read(), std::move(*p));
}

awaitable<Result<void>> ProviderService::remove(const std::string& orgId, const std::string& id,
                                                bool force, const std::string& requestId) {
  auto found = find(orgId, id);
  if (!found) co_return found.error();
  const store::Provider p = std::move(*found);
  // Before Twilio is touched or an import stopped: a refused delete changes nothing anywhere.
  DeletePlan plan = planDelete(ctx_.store, p);
  if (auto refused = refusal(plan, p, force)) co_return std::move(*refused);

  // No import of the provider attaches anything from here on: running ones detach what
  // they attached and finish before this goes on, so nothing of ours is left on the trunk
  // once the delete answers. Then the numbers are read again (links made meanwhile count).
  // Its import jobs fail first, so that none starts another chunk.
  if (jobs_ != nullptr) co_await jobs_->failJobsOf(p.id, "Provider was deleted during the import");
  (void)co_await imports_.stopImports(p.id);
  plan = planDelete(ctx_.store, p);
  if (auto refused = refusal(plan, p, force)) co_return std::move(*refused);

  // Clean up the customer's Twilio account first; local state changes only once Twilio
  // agreed, so a failed delete can simply be repeated.
  auto released = co_await releaseTrunk(ctx_, credentialsOf(p, requestId), p, plan.toDetach);
  if (!released) co_return released.error();
  co_await removeStored(ctx_, p, !plan.uses.empty());
  co_return Result<void>();
}

awaitable<Result<std::vector<AvailableNumber>>> ProviderService::availableNumbers(
    const std::string& orgId, const std::string& id, const std::string& requestId) {
  auto found = find(orgId, id);
  if (!found) co_return found.error();
  auto listing = co_await ctx_.twilio.listNumbers(credentialsOf(*found, requestId), SIZE_MAX);
  if (!listing) co_return twilioFault(listing.error(), "listing the account's numbers");
  co_return withImported(ctx_.store, orgId, std::move(listing->numbers));
}

}  // namespace gw::import
