#include "modules/import/import_service.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "common/clock.hpp"
#include "common/log.hpp"
#include "common/uuid.hpp"
#include "modules/admin/attach_journal.hpp"
#include "modules/import/import_claims.hpp"
#include "modules/import/import_metrics.hpp"
#include "modules/import/import_pipeline.hpp"
#include "modules/import/own_provider.hpp"
#include "store/store.hpp"

namespace gw::import {

using boost::asio::awaitable;

namespace {

// "30 s", or "1500 ms" when not whole seconds.
std::string spanText(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + " s";
  return std::to_string(d.count()) + " ms";
}

// The record of a number found in the account and attached, as it is stored.
store::PhoneNumber newNumber(const store::Provider& provider, const std::string& sid,
                             const twilio::IncomingNumber& found, int64_t nowMs) {
  store::PhoneNumber n;
  n.id = newUuid();
  n.orgId = provider.orgId;
  n.providerId = provider.id;
  n.phoneNumberSid = sid;
  n.phoneNumber = found.phoneNumber;
  n.displayName = found.friendlyName;
  n.createdMs = n.updatedMs = nowMs;
  return n;
}

}  // namespace

std::optional<std::string> conflictOf(const store::Store& db, const store::ReadView& txn,
                                      const store::Provider& provider, const std::string& sid,
                                      const std::string& e164) {
  auto stored = db.findNumberBySid(txn, sid);
  if (!stored && !e164.empty()) stored = db.findNumberByE164(txn, e164);
  if (!stored) return std::nullopt;
  if (stored->providerId == provider.id) return std::string("Already imported");
  if (stored->orgId == provider.orgId) return "Already imported by provider " + stored->providerId;
  return std::string("Already imported by another organization");
}

ImportService::ImportService(admin::Context& ctx, ImportOptions options, ImportMetrics* metrics)
    : ctx_(ctx), options_(options), metrics_(metrics) {}
ImportService::~ImportService() = default;

admin::Result<store::Provider> ImportService::provider(const std::string& org,
                                                       const std::string& id) const {
  return ownProvider(ctx_.store, org, id);
}

awaitable<admin::Result<ImportOutcome>> ImportService::importNumbers(
    const store::Provider& provider, const std::vector<std::string>& sids,
    const std::string& requestId) {
  // Before any Twilio work: a cluster node that cannot reach etcd could not store a number.
  if (!ctx_.writes.available()) throw admin::WriteUnavailableError(admin::kWritesUnavailable);
  ImportOutcome outcome = co_await run(provider, sids, requestId);
  if (metrics_ != nullptr) metrics_->record(outcome);
  if (outcome.credentialsRejected) {
    co_return admin::DomainError::of(
        admin::Fault::kUpstream,
        "Twilio rejected the credentials of provider " + provider.id + " (account " +
            provider.accountSid + "): " + outcome.credentialsRejected->describe() +
            ". No number was imported. Update the provider's auth token and retry.");
  }
  // Nothing imported because the store is full or unreachable: the answer every such write
  // gets (507, or 503 for a cluster store that cannot be reached).
  if (outcome.storeFull && outcome.successCount == 0) std::rethrow_exception(outcome.storeFull);
  co_return outcome;
}

awaitable<ImportOutcome> ImportService::run(const store::Provider& provider,
                                            const std::vector<std::string>& sids,
                                            const std::string& requestId,
                                            const RecordFates* record) {
  ImportOutcome out;
  std::vector<Slot> slots(sids.size());
  Running running(*this, provider.id);
  Claims claims(*this);
  const auto deadline = std::chrono::steady_clock::now() + options_.deadline;

  // 1. Repeats within the request, and SIDs another import holds until the deadline.
  std::vector<Slot*> pending = firstOfEach(sids, slots);
  co_await claimAll(provider, claims, deadline, pending);

  // 2. Already imported, by this provider or another one (or nothing, when the provider is
  // being deleted).
  dropImported(provider, pending);

  // 3. Look the numbers up in the Twilio account and 4. attach them to the trunk, the
  // attachments starting while the lookup is still under way.
  const bool proceed = co_await findAndAttach(provider, deadline, requestId, pending, out);

  // 5. One commit for the batch (store, then routing table); what this import attached and
  // did not store is detached again before it answers.
  std::vector<store::PhoneNumber> records;
  if (proceed) records = co_await storeAttached(provider, slots, pending, record, out);
  co_await undoUnstored(provider, slots, deadline);
  if (!proceed) co_return out;
  summarize(provider, slots, std::move(records), out);
  co_return out;
}

std::vector<ImportService::Slot*> ImportService::firstOfEach(const std::vector<std::string>& sids,
                                                             std::vector<Slot>& slots) {
  std::vector<Slot*> pending;
  std::unordered_set<std::string_view> seen;
  seen.reserve(sids.size());
  for (size_t i = 0; i < sids.size(); ++i) {
    slots[i].sid = sids[i];
    if (!seen.insert(sids[i]).second) {
      slots[i].error = "Duplicate in request";
    } else {
      pending.push_back(&slots[i]);
    }
  }
  return pending;
}

awaitable<void> ImportService::claimAll(const store::Provider& provider, Claims& claims,
                                        std::chrono::steady_clock::time_point deadline,
                                        std::vector<Slot*>& pending) const {
  // A fixed order (sorted) makes two overlapping imports unable to wait on each other.
  std::vector<const std::string*> order;
  order.reserve(pending.size());
  for (Slot* s : pending) order.push_back(&s->sid);
  std::sort(order.begin(), order.end(),
            [](const std::string* a, const std::string* b) { return *a < *b; });
  std::unordered_set<std::string_view> unclaimed;
  for (const std::string* sid : order) {
    if (!unclaimed.empty() || !co_await claims.acquire(*sid, deadline)) unclaimed.insert(*sid);
  }
  if (unclaimed.empty()) co_return;
  log::warn("import", "provider ", provider.id, ": ", unclaimed.size(),
            " numbers were still being imported by another import at this import's "
            "deadline");
  const std::string busy =
      "Another import of this number was still running when this import's deadline (" +
      spanText(options_.deadline) +
      ") passed: not imported. Import it again once the other import has answered.";
  std::vector<Slot*> claimed;
  for (Slot* s : pending) {
    if (unclaimed.count(s->sid)) {
      s->error = busy;
    } else {
      claimed.push_back(s);
    }
  }
  pending.swap(claimed);
}

void ImportService::dropImported(const store::Provider& provider,
                                 std::vector<Slot*>& pending) const {
  if (stopping(provider.id)) {
    for (Slot* s : pending) s->error = kProviderDeleted;
    pending.clear();
  }
  auto txn = ctx_.store.read();
  std::vector<Slot*> next;
  for (Slot* s : pending) {
    if (auto conflict = conflictOf(ctx_.store, txn, provider, s->sid, {})) {
      s->error = std::move(*conflict);
    } else {
      next.push_back(s);
    }
  }
  pending.swap(next);
}

void ImportService::summarize(const store::Provider& provider, const std::vector<Slot>& slots,
                              std::vector<store::PhoneNumber> records, ImportOutcome& out) {
  for (const Slot& s : slots) {
    if (s.error) {
      out.errors.push_back({s.sid, *s.error});
    } else {
      ++out.successCount;
    }
  }
  out.imported = std::move(records);
  log::info("import", "provider ", provider.id, ": imported ", out.successCount, " of ",
            slots.size(), " numbers, ", out.errors.size(), " failed, ", out.twilioLookups,
            " Twilio lookup requests");
}

// What became of each slot once the numbers of `refused` are refused and the others stored.
std::vector<std::optional<std::string>> ImportService::fatesOf(
    const std::vector<Slot>& slots, const std::vector<std::pair<Slot*, std::string>>& refused) {
  std::unordered_map<const Slot*, const std::string*> why;
  for (const auto& [slot, error] : refused) why.emplace(slot, &error);
  std::vector<std::optional<std::string>> fates(slots.size());
  for (size_t i = 0; i < slots.size(); ++i) {
    if (slots[i].error) {
      fates[i] = slots[i].error;
    } else if (auto it = why.find(&slots[i]); it != why.end()) {
      fates[i] = *it->second;
    }
  }
  return fates;
}

awaitable<std::vector<store::PhoneNumber>> ImportService::storeAttached(
    const store::Provider& provider, const std::vector<Slot>& slots, std::vector<Slot*>& pending,
    const RecordFates* record, ImportOutcome& out) {
  std::vector<store::PhoneNumber> records;
  std::vector<std::pair<Slot*, std::string>> refused;
  bool providerGone = false;
  const int64_t now = nowUnixMillis();
  std::optional<std::string> failure;
  try {
    co_await ctx_.writes.commit([&](const store::ReadView& txn, admin::ChangeSet& change) {
      records.clear();
      refused.clear();
      providerGone = stopping(provider.id) || !ctx_.store.getProvider(txn, provider.id);
      if (providerGone) return;
      admin::ChangeSet::Journal stored{provider.id, {}};
      for (Slot* s : pending) {
        // Checked before the attachment too; this is the last line of defence.
        if (auto conflict = conflictOf(ctx_.store, txn, provider, s->sid, s->number->phoneNumber)) {
          refused.emplace_back(s, std::move(*conflict));
          continue;
        }
        change.numbersAdded.push_back(newNumber(provider, s->sid, *s->number, now));
        stored.sids.push_back(s->sid);
      }
      // Stored: the sweep has nothing to do for them (and a number found on the trunk may
      // carry the entry of an import a crash interrupted).
      if (!stored.sids.empty()) change.unjournaled.push_back(std::move(stored));
      records = change.numbersAdded;
      if (record != nullptr) (*record)(txn, change, fatesOf(slots, refused));
    });
  } catch (const std::exception& e) {
    // Disk or map full, or anything else the store refuses: nothing of the batch is stored,
    // and undoUnstored() takes the numbers this import attached off the trunk again.
    log::error("import", "provider ", provider.id, ": storing ", pending.size(),
               " numbers failed: ", e.what());
    if (dynamic_cast<const store::StoreFullError*>(&e) ||
        dynamic_cast<const admin::WriteUnavailableError*>(&e)) {
      out.storeFull = std::current_exception();
    }
    failure = std::string("The gateway could not store the number (") + e.what() +
              "): not imported. Free space for the gateway's data directory, then import it "
              "again.";
    records.clear();
  }
  if (providerGone) {
    for (Slot* s : pending) s->error = kProviderDeleted;
    pending.clear();
  }
  keepOthersNumbers(provider, refused);
  for (auto& [slot, error] : refused) slot->error = std::move(error);
  for (Slot* s : pending) {
    if (failure && !s->error) s->error = *failure;
    s->stored = !s->error;
  }
  co_return records;
}

// A SID refused because it is stored for this provider by now was stored by another import
// of it (on another cluster node) while this one attached it: the number on the trunk is
// that import's, and detaching it would take a stored number off the trunk.
void ImportService::keepOthersNumbers(const store::Provider& provider,
                                      const std::vector<std::pair<Slot*, std::string>>& refused) {
  if (refused.empty()) return;
  auto txn = ctx_.store.read();
  for (const auto& [slot, error] : refused) {
    auto n = ctx_.store.findNumberBySid(txn, slot->sid);
    if (n && n->providerId == provider.id) slot->attachSent = false;
  }
}

awaitable<void> ImportService::undoUnstored(const store::Provider& provider,
                                            std::vector<Slot>& slots,
                                            std::chrono::steady_clock::time_point deadline) {
  std::vector<std::string> attached;  // may be on the trunk: detach, then forget
  std::vector<std::string> unsent;    // journaled but never sent: just forget
  for (const Slot& s : slots) {
    if (!s.journaled || s.stored) continue;
    (s.attachSent ? attached : unsent).push_back(s.sid);
  }
  if (attached.empty() && unsent.empty()) co_return;
  std::optional<twilio::TwilioError> failure;
  // The answer waits for these detachments, so they too end by the deadline; one that has
  // passed (attachments it cut short are taken back here) leaves them a short window.
  const auto undoBy = std::max(deadline, std::chrono::steady_clock::now() + options_.undoWindow);
  auto detached = co_await detachAll(provider, attached, failure, undoBy);
  const size_t confirmed = detached.size();
  detached.insert(detached.end(), unsent.begin(), unsent.end());
  const bool forgotten = unjournal(provider.id, detached);
  log::info("import", "provider ", provider.id, ": detached ", confirmed, " of ", attached.size(),
            " numbers this import attached and did not store");
  if (confirmed < attached.size() || !forgotten) {
    log::warn("import", "provider ", provider.id, ": ", attached.size() - confirmed,
              " numbers could not be detached yet",
              failure ? " (" + failure->describe() + ")" : std::string(),
              "; the journal keeps them and the sweep retries");
    startSweeper();
  }
}

bool ImportService::settle(const store::Provider& provider,
                           const std::optional<twilio::TwilioError>& authFailure,
                           const std::optional<twilio::TwilioError>& halt,
                           std::vector<Slot*>& pending, ImportOutcome& out) const {
  if (authFailure) {
    // Attachments run while the lookup goes on, so credentials revoked during the import
    // can be refused after some numbers are on the trunk already: those are imported (the
    // customer's trunk and our store then agree), the rest fail with the reason. Only when
    // nothing reached the trunk is the whole import refused.
    size_t onTrunk = 0;
    for (Slot* s : pending) onTrunk += !s->error && s->onTrunk;
    if (onTrunk == 0) {
      out.credentialsRejected = authFailure;
      return false;
    }
    log::warn("import", "provider ", provider.id, ": Twilio rejected the credentials after ",
              onTrunk, " numbers were on the trunk (", authFailure->describe(),
              "); importing those");
    for (Slot* s : pending) {
      if (!s->error && !s->onTrunk) {
        s->error = "Twilio rejected the provider's credentials during the import (" +
                   authFailure->describe() +
                   "): not imported. Update the provider's auth token and import it again.";
      }
    }
  }

  if (halt && !authFailure) {
    // As with credentials revoked mid-import, what is on the trunk is imported; everything
    // else fails with the reason, and nothing waits on Twilio any longer.
    const std::string message = haltMessage(provider, *halt);
    size_t failed = 0;
    for (Slot* s : pending) {
      if (!s->error && !s->onTrunk) {
        s->error = message;
        ++failed;
      }
    }
    log::warn("import", "provider ", provider.id, ": stopped early (", halt->describe(), "); ",
              failed, " numbers not imported");
  }

  std::vector<Slot*> attached;
  for (Slot* s : pending) {
    if (s->error) continue;
    if (!s->number || !s->onTrunk) {  // cannot happen: each SID is found, refused or failed
      s->error = "Twilio lookup failed: the number was not looked up";
      continue;
    }
    attached.push_back(s);
  }
  pending.swap(attached);
  return true;
}

std::string ImportService::haltMessage(const store::Provider& provider,
                                       const twilio::TwilioError& why) const {
  if (why.deadlinePassed) {
    return "The import's deadline (" + spanText(options_.deadline) +
           ") passed before this number was on the trunk, because Twilio answered too "
           "slowly: not imported. Import it again later; numbers imported by now are "
           "reported as already imported.";
  }
  return "Twilio did not respond for account " + provider.accountSid + " (" + why.describe() +
         "): not imported. Check the network to Twilio and Twilio's status, then import it "
         "again.";
}

}  // namespace gw::import
