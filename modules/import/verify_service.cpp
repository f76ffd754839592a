#include "modules/import/verify_service.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "async/task_group.hpp"
#include "common/clock.hpp"
#include "common/log.hpp"
#include "modules/import/own_provider.hpp"
#include "modules/import/twilio_errors.hpp"
#include "store/store.hpp"

namespace gw::import {

using admin::DomainError;
using admin::Fault;
using admin::Result;
using boost::asio::awaitable;

namespace {

bool refusesCredentials(const twilio::TwilioError& e) {
  return e.isAuthFailure() || e.isNotFound();
}

std::string numberName(const store::PhoneNumber& n) {
  return "Number " + n.phoneNumber + " (" + n.phoneNumberSid + ")";
}

store::VerificationIssue numberIssue(const store::PhoneNumber& n, std::string code,
                                     std::string message) {
  return {std::move(code), std::move(message), n.phoneNumberSid, n.id};
}

store::VerificationIssue detachedIssue(const store::Provider& p, const store::PhoneNumber& n) {
  return numberIssue(n, kNumberDetached,
                     numberName(n) + " is on no trunk in Twilio: it was taken off trunk " +
                         p.trunkSid +
                         " outside the gateway, so its calls no longer reach the gateway. "
                         "POST /api/v1/providers/" +
                         p.id +
                         "/reconcile or importing it again re-attaches it; delete it here if "
                         "it should go.");
}

store::VerificationIssue releasedIssue(const store::Provider& p, const store::PhoneNumber& n) {
  return numberIssue(n, kNumberReleased,
                     numberName(n) + " no longer exists in Twilio account " + p.accountSid +
                         ": it was released, so it cannot be re-attached. Delete it here "
                         "(DELETE /api/v1/providers/twilio/" +
                         p.id + "/phone-numbers/" + n.id + ").");
}

store::VerificationIssue movedIssue(const store::Provider& p, const store::PhoneNumber& n,
                                    const std::string& otherTrunk) {
  return numberIssue(n, kNumberMoved,
                     numberName(n) + " is on trunk " + otherTrunk + ", not on the provider's " +
                         "trunk " + p.trunkSid +
                         ", so its calls go there. Take it off that trunk in the Twilio "
                         "console and reconcile, or delete it here.");
}

store::VerificationIssue notImportedIssue(const store::Provider& p, const std::string& sid,
                                          const std::string& e164) {
  return {kNumberNotImported,
          "Number " + e164 + " (" + sid + ") is on the provider's trunk " + p.trunkSid +
              " but was not imported, so the gateway refuses its calls. Import it "
              "(POST /api/v1/providers/twilio/" +
              p.id + "/import-numbers), or take it off the trunk in the Twilio console.",
          sid, ""};
}

// "failed" when the credentials or the trunk fail, "warning" for any other issue.
std::string statusOf(const std::vector<store::VerificationIssue>& issues) {
  std::string status = kVerified;
  for (const auto& i : issues) {
    if (i.code == kCredentialsRejected || i.code == kTrunkMissing) return kFailed;
    status = kWarning;
  }
  return status;
}

// What Twilio's listing of the account says of the provider's numbers.
struct AccountView {
  std::unordered_map<std::string, std::string> trunkOf;  // stored SID -> its trunk ("" none)
  std::vector<twilio::IncomingNumber> unimported;        // on our trunk, not stored
};

awaitable<Result<AccountView>> listAccount(admin::Context& ctx, const store::Provider& p,
                                           const std::vector<store::PhoneNumber>& stored,
                                           const std::string& requestId) {
  std::unordered_set<std::string> mine;
  for (const auto& n : stored) mine.insert(n.phoneNumberSid);
  AccountView view;
  twilio::NumberPageSink sink = [&](std::vector<twilio::IncomingNumber>& page) {
    for (auto& n : page) {
      if (mine.count(n.sid)) {
        view.trunkOf[n.sid] = n.trunkSid;
      } else if (n.trunkSid == p.trunkSid) {
        view.unimported.push_back(std::move(n));
      }
    }
    return true;
  };
  auto listing = co_await ctx.twilio.listNumberPages(credentialsOf(p, requestId), SIZE_MAX, sink);
  if (!listing) co_return twilioFault(listing.error(), "listing the account's numbers");
  co_return view;
}

// Numbers on our trunk that nothing stored or journaled explains: an import in flight
// journals what it attaches, so its numbers are not reported.
void reportUnimported(const store::Store& store, const store::Provider& p, AccountView& view,
                      std::vector<store::VerificationIssue>& issues) {
  auto txn = store.read();
  auto journaled = store.journaledAttachments(txn, p.id);
  std::unordered_set<std::string> inFlight(journaled.begin(), journaled.end());
  std::sort(view.unimported.begin(), view.unimported.end(),
            [](const auto& a, const auto& b) { return a.sid < b.sid; });
  for (const auto& n : view.unimported) {
    if (inFlight.count(n.sid) || store.findNumberBySid(txn, n.sid)) continue;
    issues.push_back(notImportedIssue(p, n.sid, n.phoneNumber));
  }
}

// Each stored number against Twilio: those the listing did not show are fetched one by one
// (404: released), a few at a time.
awaitable<Result<void>> checkNumbers(admin::Context& ctx, const store::Provider& p,
                                     const std::string& requestId,
                                     std::vector<store::VerificationIssue>& issues) {
  std::vector<store::PhoneNumber> stored;
  {
    auto txn = ctx.store.read();
    stored = ctx.store.listNumbersOfProvider(txn, p.id);
  }
  auto view = co_await listAccount(ctx, p, stored, requestId);
  if (!view) co_return view.error();
  std::vector<std::optional<store::VerificationIssue>> found(stored.size());
  std::optional<twilio::TwilioError> failure;
  co_await async::forEachConcurrently(
      stored.size(), ctx.twilio.concurrency(),
      [&](size_t i) -> awaitable<void> {
        const auto& n = stored[i];
        auto listed = view->trunkOf.find(n.phoneNumberSid);
        std::string trunk;
        if (listed != view->trunkOf.end()) {
          trunk = listed->second;
        } else {
          auto fetched =
              co_await ctx.twilio.fetchNumber(credentialsOf(p, requestId), n.phoneNumberSid);
          if (!fetched && fetched.error().isNotFound()) {
            found[i] = releasedIssue(p, n);
            co_return;
          }
          if (!fetched) {
            if (!failure) failure = fetched.error();
            co_return;
          }
          trunk = fetched->trunkSid;
        }
        if (trunk.empty()) found[i] = detachedIssue(p, n);
        if (!trunk.empty() && trunk != p.trunkSid) found[i] = movedIssue(p, n, trunk);
      },
      [&] { return failure.has_value(); });
  if (failure) co_return twilioFault(*failure, "looking up the provider's numbers");
  for (auto& issue : found) {
    if (issue) issues.push_back(std::move(*issue));
  }
  reportUnimported(ctx.store, p, *view, issues);
  co_return Result<void>();
}

// Whether one of the trunk's enabled origination URLs is `sipUri`.
awaitable<Result<void>> checkOrigination(admin::Context& ctx, const store::Provider& p,
                                         const std::string& requestId,
                                         std::vector<store::VerificationIssue>& issues) {
  if (ctx.publicSipUri.empty()) co_return Result<void>();
  auto urls = co_await ctx.twilio.listOriginationUrls(credentialsOf(p, requestId), p.trunkSid);
  if (!urls) co_return twilioFault(urls.error(), "listing the trunk's origination URLs");
  for (const auto& u : *urls) {
    if (u.enabled && u.sipUrl == ctx.publicSipUri) co_return Result<void>();
  }
  issues.push_back({kOriginationUrlMissing,
                    "No enabled origination URL of trunk " + p.trunkSid + " is " +
                        ctx.publicSipUri +
                        ", so Twilio does not send the trunk's calls to this gateway. Add it "
                        "to the trunk's origination URLs in the Twilio console (or enable it).",
                    "", ""});
  co_return Result<void>();
}

}  // namespace

awaitable<Result<store::Verification>> VerifyService::inspect(const store::Provider& p,
                                                              const std::string& requestId) {
  store::Verification v;
  v.providerId = p.id;
  auto account = co_await ctx_.twilio.fetchAccount(credentialsOf(p, requestId));
  if (!account && !refusesCredentials(account.error())) {
    co_return twilioFault(account.error(), "checking the credentials");
  }
  if (!account) {
    v.issues.push_back({kCredentialsRejected,
                        "Twilio refuses the provider's credentials for account " + p.accountSid +
                            " (" + account.error().describe() +
                            "). Rotate the auth token: PATCH /api/v1/providers/twilio/" + p.id +
                            "/auth-token with the token from the Twilio console.",
                        "", ""});
  } else {
    auto trunk = co_await ctx_.twilio.fetchTrunk(credentialsOf(p, requestId), p.trunkSid);
    if (!trunk && !trunk.error().isNotFound()) {
      co_return twilioFault(trunk.error(), "fetching the trunk");
    }
    if (!trunk) {
      v.issues.push_back({kTrunkMissing,
                          "Trunk " + p.trunkSid + " no longer exists in account " + p.accountSid +
                              ", so no call reaches the gateway. Delete this provider and "
                              "create it again (its numbers must be imported again).",
                          "", ""});
    } else {
      auto origination = co_await checkOrigination(ctx_, p, requestId, v.issues);
      if (!origination) co_return origination.error();
      auto numbers = co_await checkNumbers(ctx_, p, requestId, v.issues);
      if (!numbers) co_return numbers.error();
    }
  }
  v.status = statusOf(v.issues);
  v.verifiedMs = nowUnixMillis();
  co_return v;
}

awaitable<Result<ProviderView>> VerifyService::record(const store::Provider& p,
                                                      store::Verification v) {
  std::optional<ProviderView> view;
  co_await ctx_.writes.commit([&](const store::ReadView& txn, admin::ChangeSet& change) {
    view.reset();
    auto stored = ctx_.store.getProvider(txn, p.id);
    if (!stored) return;
    change.verificationsPut.push_back(v);
    view = providerViewOf(ctx_.store, txn, std::move(*stored));
    view->verification = v;
  });
  if (!view) co_return DomainError::of(Fault::kNotFound, "No provider with id " + p.id + ".");
  if (v.status != kVerified) {
    log::info("providers", "provider ", p.id, " verified: ", v.status, ", ", v.issues.size(),
              " issue(s)");
  }
  co_return std::move(*view);
}

awaitable<Result<ProviderView>> VerifyService::verifyProvider(const store::Provider& p,
                                                              const std::string& requestId) {
  auto v = co_await inspect(p, requestId);
  if (!v) co_return v.error();
  co_return co_await record(p, std::move(*v));
}

Result<store::Provider> VerifyService::find(const std::string& orgId, const std::string& id) const {
  return ownProvider(ctx_.store, orgId, id);
}

awaitable<Result<ProviderView>> VerifyService::verify(const std::string& orgId,
                                                      const std::string& id,
                                                      const std::string& requestId) {
  auto found = ownProvider(ctx_.store, orgId, id);
  if (!found) co_return found.error();
  co_return co_await verifyProvider(*found, requestId);
}

awaitable<bool> VerifyService::verifyStored(const std::string& id) {
  std::optional<store::Provider> p = ctx_.store.getProvider(ctx_.store.read(), id);
  if (!p) co_return true;
  auto done = co_await verifyProvider(*p, "");
  if (!done && done.error().fault == Fault::kUpstream) {
    log::warn("providers", "provider ", id, " could not be verified: ", done.error().detail);
    co_return false;
  }
  co_return true;
}

}  // namespace gw::import
