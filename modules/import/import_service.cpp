#include "modules/import/import_service.hpp"

#include <algorithm>
#include <unordered_set>

#include "common/clock.hpp"
#include "common/e164.hpp"
#include "common/log.hpp"
#include "common/uuid.hpp"
#include "async/queue.hpp"
#include "modules/admin/attach_journal.hpp"
#include "modules/import/import_claims.hpp"
#include "async/task_group.hpp"
#include "store/store.hpp"

namespace gw::import {

using boost::asio::awaitable;

struct ImportService::Slot {
  std::string sid;
  std::optional<std::string> error;  // set once the SID has failed
  std::optional<twilio::IncomingNumber> number;
  bool onTrunk = false;     // on this provider's trunk: attached now, or found there
  bool journaled = false;   // in the attachment journal: this import attaches it
  bool attachSent = false;  // its attach request went out (it may be on the trunk)
  bool stored = false;
};

namespace {
constexpr char kProviderDeleted[] = "Provider was deleted during the import";
// Found numbers are looked up one by one in batches of this many, each batch journaled in
// one write transaction before its attach requests go out.
constexpr size_t kFetchBatch = 100;
}  // namespace

namespace {

// "30 s", or "1500 ms" when not whole seconds.
std::string spanText(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + " s";
  return std::to_string(d.count()) + " ms";
}

// Why `sid` (or, when given, its E.164 number) cannot be imported for `provider` because
// of what is stored; nullopt when nothing stands in the way.
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

ImportService::ImportService(admin::Context& ctx, ImportOptions options)
    : ctx_(ctx), options_(options) {}
ImportService::~ImportService() = default;

awaitable<ImportOutcome> ImportService::run(const store::Provider& provider,
                                            const std::vector<std::string>& sids,
                                            const std::string& requestId) {
  ImportOutcome out;
  std::vector<Slot> slots(sids.size());
  Running running(*this, provider.id);
  Claims claims(*this);
  const auto deadline = std::chrono::steady_clock::now() + options_.deadline;

  // 1. Repeats within the request.
  std::vector<Slot*> pending;
  {
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
  }
  {
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
    if (!unclaimed.empty()) {
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
  }

  // 2. Already imported, by this provider or another one (or nothing, when the provider is
  // being deleted).
  if (stopping(provider.id)) {
    for (Slot* s : pending) s->error = kProviderDeleted;
    pending.clear();
  }
  {
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

  // 3. Look the numbers up in the Twilio account and 4. attach them to the trunk, the
  // attachments starting while the lookup is still under way.
  const bool proceed = co_await findAndAttach(provider, deadline, requestId, pending, out);

  // 5. One commit for the batch (store, then routing table); what this import attached and
  // did not store is detached again before it answers.
  std::vector<store::PhoneNumber> records;
  if (proceed) records = co_await storeAttached(provider, pending, out);
  co_await undoUnstored(provider, slots);
  if (!proceed) co_return out;

  for (const Slot& s : slots) {
    if (s.error) {
      out.errors.push_back({s.sid, *s.error});
    } else {
      ++out.successCount;
    }
  }
  out.imported = std::move(records);
  log::info("import", "provider ", provider.id, ": imported ", out.successCount, " of ",
            sids.size(), " numbers, ", out.errors.size(), " failed, ", out.twilioLookups,
            " Twilio lookup requests");
  co_return out;
}

awaitable<std::vector<store::PhoneNumber>> ImportService::storeAttached(
    const store::Provider& provider, std::vector<Slot*>& pending, ImportOutcome& out) {
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
    });
  } catch (const std::exception& e) {
    // Disk or map full, or anything else the store refuses: nothing of the batch is stored,
    // and undoUnstored() takes the numbers this import attached off the trunk again.
    log::error("import", "provider ", provider.id, ": storing ", pending.size(),
               " numbers failed: ", e.what());
    if (dynamic_cast<const store::StoreFullError*>(&e)) out.storeFull = std::current_exception();
    failure = std::string("The gateway could not store the number (") + e.what() +
              "): not imported. Free space for the gateway's data directory, then import it "
              "again.";
    records.clear();
  }
  if (providerGone) {
    for (Slot* s : pending) s->error = kProviderDeleted;
    pending.clear();
  }
  for (auto& [slot, error] : refused) slot->error = std::move(error);
  for (Slot* s : pending) {
    if (failure && !s->error) s->error = *failure;
    s->stored = !s->error;
  }
  co_return records;
}

awaitable<void> ImportService::undoUnstored(const store::Provider& provider,
                                            std::vector<Slot>& slots) {
  std::vector<std::string> attached;  // may be on the trunk: detach, then forget
  std::vector<std::string> unsent;    // journaled but never sent: just forget
  for (const Slot& s : slots) {
    if (!s.journaled || s.stored) continue;
    (s.attachSent ? attached : unsent).push_back(s.sid);
  }
  if (attached.empty() && unsent.empty()) co_return;
  std::optional<twilio::TwilioError> failure;
  auto detached = co_await detachAll(provider, attached, failure);
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

// Looks the SIDs up and attaches the numbers as they are found: when the account is
// listed, the wanted numbers of each page are checked and attached while the next page is
// on its way, so the listing hides behind the attachments; it stops as soon as every wanted
// SID has been seen. SIDs missing from a complete listing are "Not found"; an incomplete
// one (page budget spent, or a failed page) leaves the rest to single fetches.
awaitable<bool> ImportService::findAndAttach(const store::Provider& provider,
                                             std::chrono::steady_clock::time_point deadline,
                                             const std::string& requestId,
                                             std::vector<Slot*>& pending, ImportOutcome& out) {
  twilio::Credentials creds{provider.accountSid, provider.authToken, deadline};
  creds.requestId = requestId;
  const size_t width = ctx_.twilio.concurrency();
  async::AsyncQueue<Slot*> toAttach(co_await boost::asio::this_coro::executor);
  std::optional<twilio::TwilioError> authFailure;
  // The deadline passed or the account's circuit breaker opened: nothing more is sent.
  std::optional<twilio::TwilioError> halt;
  auto stopped = [&] { return authFailure.has_value() || halt.has_value(); };
  // Auth failures and halts end the whole import; true when `e` was one.
  auto stopsAll = [&](const twilio::TwilioError& e) {
    if (e.isAuthFailure()) {
      if (!authFailure) authFailure = e;
    } else if (e.circuitOpen || e.deadlinePassed) {
      if (!halt) halt = e;
    } else {
      return false;
    }
    return true;
  };

  // A found number is refused, kept as it is (already on this provider's trunk: a re-run
  // after a crash) or added to `batch` for attachment. A number stored under another SID
  // (released and bought again) is refused before it is attached, so a refusal leaves the
  // customer's trunk as it was.
  auto admit = [&](const store::ReadTxn& txn, Slot* s, std::vector<Slot*>& batch) {
    if (!isE164(s->number->phoneNumber)) {
      s->error = "Twilio lookup failed: the number has no E.164 phone_number";
    } else if (auto conflict =
                   conflictOf(ctx_.store, txn, provider, s->sid, s->number->phoneNumber)) {
      s->error = std::move(*conflict);
    } else if (s->number->trunkSid.empty()) {
      batch.push_back(s);
    } else if (s->number->trunkSid != provider.trunkSid) {
      s->error = "Trunk attachment failed: attached to another trunk " + s->number->trunkSid;
    } else {
      s->onTrunk = true;
    }
  };

  // The batch goes into the journal in one write transaction, then to the attachers; a
  // batch the store refuses is not attached at all.
  auto journalAndQueue = [&](const std::vector<Slot*>& batch) {
    if (batch.empty()) return;
    if (stopping(provider.id)) {
      for (Slot* s : batch) s->error = kProviderDeleted;
      return;
    }
    std::vector<std::string> sids;
    sids.reserve(batch.size());
    for (Slot* s : batch) sids.push_back(s->sid);
    try {
      ctx_.journal.add(provider.id, sids);
    } catch (const std::exception& e) {
      log::error("import", "provider ", provider.id, ": journaling ", batch.size(),
                 " attachments failed: ", e.what());
      if (dynamic_cast<const store::StoreFullError*>(&e)) out.storeFull = std::current_exception();
      for (Slot* s : batch) {
        s->error = std::string("Not attached: the gateway could not record the attachment (") +
                   e.what() +
                   "). Free space for the gateway's data directory, then import it again.";
      }
      return;
    }
    for (Slot* s : batch) {
      s->journaled = true;
      toAttach.push(s);
    }
  };

  auto find = [&]() -> awaitable<void> {
    struct CloseOnExit {
      async::AsyncQueue<Slot*>& queue;
      ~CloseOnExit() { queue.close(); }
    } closeOnExit{toAttach};

    std::vector<Slot*> unresolved = pending;
    if (pending.size() >= options_.listThreshold) {
      std::unordered_map<std::string_view, Slot*> wanted;
      wanted.reserve(pending.size());
      for (Slot* s : pending) wanted.emplace(s->sid, s);
      twilio::NumberPageSink onPage = [&](std::vector<twilio::IncomingNumber>& page) {
        std::vector<Slot*> found;
        for (auto& n : page) {
          auto it = wanted.find(n.sid);
          if (it == wanted.end()) continue;
          Slot* s = it->second;
          wanted.erase(it);
          s->number = std::move(n);
          found.push_back(s);
        }
        std::vector<Slot*> batch;
        if (!found.empty()) {
          auto txn = ctx_.store.read();
          for (Slot* s : found) admit(txn, s, batch);
        }
        journalAndQueue(batch);
        return !wanted.empty() && !stopped() && !stopping(provider.id);
      };
      // Listing costs one request per 1000 numbers in the account, fetching one per SID.
      // The page budget keeps a huge account with few wanted numbers from costing more
      // than a tenth of the per-SID price before falling back to single fetches.
      const size_t budget = (pending.size() + 9) / 10;
      auto listing = co_await ctx_.twilio.listNumberPages(creds, budget, onPage);
      if (stopped()) co_return;
      if (!listing) {
        if (stopsAll(listing.error())) co_return;
        log::warn("import", "provider ", provider.id, ": listing the account failed (",
                  listing.error().describe(), "); looking the rest up one by one");
      } else {
        out.twilioLookups += listing->pages;
      }
      unresolved.clear();
      for (Slot* s : pending) {
        if (s->number) continue;
        if (listing && listing->complete) {
          s->error = "Not found";
        } else {
          unresolved.push_back(s);
        }
      }
    }

    for (size_t from = 0; from < unresolved.size() && !stopped(); from += kFetchBatch) {
      std::vector<Slot*> batch;
      co_await async::forEachConcurrently(
          std::min(kFetchBatch, unresolved.size() - from), width,
          [&](size_t i) -> awaitable<void> {
            Slot* s = unresolved[from + i];
            auto r = co_await ctx_.twilio.fetchNumber(creds, s->sid);
            ++out.twilioLookups;
            if (r) {
              s->number = std::move(*r);
              auto txn = ctx_.store.read();
              admit(txn, s, batch);
            } else if (stopsAll(r.error())) {
              // reported below, with the other SIDs not on the trunk
            } else if (r.error().isNotFound()) {
              s->error = "Not found";
            } else {
              s->error = "Twilio lookup failed: " + r.error().describe();
            }
          },
          stopped);
      journalAndQueue(batch);
    }
  };

  auto attachFound = [&]() -> awaitable<void> {
    while (auto next = co_await toAttach.pop()) {
      Slot* s = *next;
      if (stopped()) continue;  // drain: nothing more is sent
      if (stopping(provider.id)) {
        s->error = kProviderDeleted;
        continue;
      }
      s->attachSent = true;
      auto r = co_await ctx_.twilio.attachNumber(creds, provider.trunkSid, s->sid);
      if (r) {
        s->onTrunk = true;
        continue;
      }
      if (stopsAll(r.error())) {
        // Refused before Twilio saw it (credentials, an open breaker): not on the trunk. A
        // deadline may have cut short a request Twilio carried out: undone as sent.
        if (!r.error().deadlinePassed) s->attachSent = false;
      } else {
        s->error = "Trunk attachment failed: " + r.error().describe();
      }
    }
  };

  // One finder and `width` attachers; the account's semaphore in the Twilio client bounds
  // the requests in flight whatever the number of coroutines.
  co_await async::forEachConcurrently(width + 1, width + 1, [&](size_t i) -> awaitable<void> {
    return i == 0 ? find() : attachFound();
  });
  co_return settle(provider, authFailure, halt, pending, out);
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
