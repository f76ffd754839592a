// VerifyService: credential rotation and drift repair (verify_service.hpp).
#include <algorithm>
#include <unordered_set>
#include <utility>

#include "async/task_group.hpp"
#include "common/clock.hpp"
#include "common/log.hpp"
#include "modules/import/own_provider.hpp"
#include "modules/import/verify_service.hpp"
#include "store/store.hpp"

namespace gw::import {

using admin::DomainError;
using admin::Fault;
using admin::Result;
using boost::asio::awaitable;

namespace {

DomainError tokenRefused(const store::Provider& p, const twilio::TwilioError& e) {
  if (e.isAuthFailure() || e.isNotFound()) {
    return DomainError::of(Fault::kRejected,
                           "Twilio refused the new auth token for account " + p.accountSid + " (" +
                               e.describe() +
                               "). Nothing was changed. Copy the account's current auth token "
                               "from the Twilio console and send it again.");
  }
  return DomainError::of(Fault::kUpstream,
                         "Twilio could not be asked to check the new auth token: " + e.describe() +
                             ". Nothing was changed; retry later.");
}

// The verification without the issues of `sids`, its status recomputed.
store::Verification without(store::Verification v, const std::unordered_set<std::string>& sids) {
  std::erase_if(v.issues, [&](const auto& i) { return sids.count(i.phoneNumberSid) != 0; });
  bool failed = false;
  for (const auto& i : v.issues)
    failed |= i.code == kCredentialsRejected || i.code == kTrunkMissing;
  v.status = failed ? kFailed : v.issues.empty() ? kVerified : kWarning;
  return v;
}

}  // namespace

awaitable<Result<ProviderView>> VerifyService::rotateToken(const std::string& orgId,
                                                           const std::string& id,
                                                           std::string authToken,
                                                           const std::string& requestId) {
  auto found = ownProvider(ctx_.store, orgId, id);
  if (!found) co_return found.error();
  store::Provider candidate = std::move(*found);
  candidate.authToken = std::move(authToken);
  auto account = co_await ctx_.twilio.fetchAccount(credentialsOf(candidate, requestId));
  if (!account) co_return tokenRefused(candidate, account.error());

  // Stored with a pending verification: the credentials work, the rest is checked next.
  std::optional<store::Provider> stored;
  const int64_t now = nowUnixMillis();
  co_await ctx_.writes.commit([&](const store::ReadView& txn, admin::ChangeSet& change) {
    stored = ctx_.store.getProvider(txn, candidate.id);
    if (!stored) return;
    stored->authToken = candidate.authToken;
    stored->updatedMs = now;
    stored->lastVerifiedMs = now;
    change.providersPut.push_back(*stored);
    change.verificationsPut.push_back({stored->id, kPending, now, {}});
  });
  if (!stored) co_return DomainError::of(Fault::kNotFound, "No provider with id " + id + ".");
  log::info("providers", "provider ", stored->id, ": auth token rotated");
  auto verified = co_await verifyProvider(*stored, requestId);
  if (verified) co_return std::move(*verified);
  co_return providerViewOf(ctx_.store, ctx_.store.read(), std::move(*stored));
}

awaitable<ReconcileItem> VerifyService::repair(const store::Provider& p,
                                               const store::VerificationIssue& issue,
                                               const std::string& requestId) {
  ReconcileItem item{issue.phoneNumberSid, issue.phoneNumberId, issue.code, "none", issue.message};
  if (issue.code != kNumberDetached) co_return item;
  auto attached = co_await ctx_.twilio.attachNumber(credentialsOf(p, requestId), p.trunkSid,
                                                    issue.phoneNumberSid);
  if (attached) {
    item.action = "reattached";
    item.message = "Re-attached to trunk " + p.trunkSid + ": its calls reach the gateway again.";
  } else {
    item.message = "Twilio did not re-attach it to trunk " + p.trunkSid + " (" +
                   attached.error().describe() + "). Reconcile again later.";
  }
  co_return item;
}

awaitable<Result<ReconcileReport>> VerifyService::reconcile(const std::string& orgId,
                                                            const std::string& id,
                                                            const std::string& requestId) {
  auto found = ownProvider(ctx_.store, orgId, id);
  if (!found) co_return found.error();
  auto before = co_await inspect(*found, requestId);
  if (!before) co_return before.error();
  if (before->status == kFailed) {
    (void)co_await record(*found, *before);
    co_return DomainError::of(Fault::kRejected,
                              "Nothing can be repaired while the provider "
                              "fails verification: " +
                                  before->issues.front().message);
  }
  std::vector<const store::VerificationIssue*> numberIssues;
  for (const auto& i : before->issues) {
    if (!i.phoneNumberSid.empty()) numberIssues.push_back(&i);
  }
  ReconcileReport report;
  report.items.resize(numberIssues.size());
  co_await async::forEachConcurrently(
      numberIssues.size(), ctx_.twilio.concurrency(), [&](size_t i) -> awaitable<void> {
        report.items[i] = co_await repair(*found, *numberIssues[i], requestId);
      });
  auto after = co_await verifyProvider(*found, requestId);
  if (!after) co_return after.error();
  report.provider = std::move(*after);
  co_return report;
}

awaitable<std::vector<std::string>> VerifyService::reattachDetached(
    const store::Provider& p, const std::vector<std::string>& sids, const std::string& requestId) {
  std::vector<char> done(sids.size(), 0);
  co_await async::forEachConcurrently(
      sids.size(), ctx_.twilio.concurrency(), [&](size_t i) -> awaitable<void> {
        auto number = co_await ctx_.twilio.fetchNumber(credentialsOf(p, requestId), sids[i]);
        if (!number || !number->trunkSid.empty()) co_return;
        auto attached =
            co_await ctx_.twilio.attachNumber(credentialsOf(p, requestId), p.trunkSid, sids[i]);
        done[i] = attached ? 1 : 0;
      });
  std::vector<std::string> reattached;
  for (size_t i = 0; i < sids.size(); ++i) {
    if (done[i]) reattached.push_back(sids[i]);
  }
  if (reattached.empty()) co_return reattached;
  log::info("import", "provider ", p.id, ": re-attached ", reattached.size(),
            " detached number(s) found already imported");
  const std::unordered_set<std::string> gone(reattached.begin(), reattached.end());
  co_await ctx_.writes.commit([&](const store::ReadView& txn, admin::ChangeSet& change) {
    if (!ctx_.store.getProvider(txn, p.id)) return;
    if (auto v = ctx_.store.getVerification(txn, p.id)) {
      change.verificationsPut.push_back(without(std::move(*v), gone));
    }
  });
  co_return reattached;
}

awaitable<void> reattachReimported(VerifyService& verify, const store::Provider& provider,
                                   ImportOutcome& outcome, const std::string& requestId) {
  // Only SIDs stored as they are: "Already imported" also answers a SID whose E.164 number
  // is stored under another SID (released and bought again), which must stay off the trunk.
  std::vector<std::string> stored;
  {
    auto txn = verify.context().store.read();
    for (const auto& e : outcome.errors) {
      if (e.errorMessage != "Already imported") continue;
      auto n = verify.context().store.findNumberBySid(txn, e.phoneNumberSid);
      if (n && n->providerId == provider.id) stored.push_back(e.phoneNumberSid);
    }
  }
  if (stored.empty()) co_return;
  auto reattached = co_await verify.reattachDetached(provider, stored, requestId);
  if (reattached.empty()) co_return;
  const std::unordered_set<std::string> done(reattached.begin(), reattached.end());
  std::erase_if(outcome.errors, [&](const ImportFailure& e) {
    return e.errorMessage == "Already imported" && done.count(e.phoneNumberSid) != 0;
  });
  outcome.successCount += reattached.size();
}

}  // namespace gw::import
