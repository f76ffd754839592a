// Steps 3 and 4 of an import (import_service.hpp): the numbers are looked up in the Twilio
// account and attached to the provider's trunk, the attachments starting while the lookup
// is still under way.
#include "modules/import/import_pipeline.hpp"

#include <algorithm>
#include <exception>

#include <boost/asio/this_coro.hpp>

#include "async/task_group.hpp"
#include "common/e164.hpp"
#include "common/log.hpp"
#include "modules/admin/attach_journal.hpp"

namespace gw::import {

using boost::asio::awaitable;

namespace {
// Found numbers are looked up one by one in batches of this many, each batch journaled in
// one write transaction before its attach requests go out.
constexpr size_t kFetchBatch = 100;
// Twilio's answer to an attachment of a number that is on the trunk already.
constexpr int kAlreadyOnTrunk = 20409;
}  // namespace

// Looks the SIDs up and attaches the numbers as they are found: when the account is
// listed, the wanted numbers of each page are checked and attached while the next page is
// on its way, so the listing hides behind the attachments; it stops as soon as every wanted
// SID has been seen. SIDs missing from a complete listing are "Not found"; an incomplete
// one (page budget spent, or a failed page) leaves the rest to single fetches.
awaitable<bool> ImportService::findAndAttach(const store::Provider& provider,
                                             std::chrono::steady_clock::time_point deadline,
                                             const std::string& requestId,
                                             std::vector<Slot*>& pending, ImportOutcome& out) {
  Pipeline pipeline(*this, provider, deadline, requestId, pending, out,
                    co_await boost::asio::this_coro::executor);
  co_await pipeline.run();
  co_return settle(provider, pipeline.authFailure(), pipeline.halt(), pending, out);
}

ImportService::Pipeline::Pipeline(ImportService& svc, const store::Provider& provider,
                                  std::chrono::steady_clock::time_point deadline,
                                  const std::string& requestId, const std::vector<Slot*>& pending,
                                  ImportOutcome& out, const boost::asio::any_io_executor& ex)
    : svc_(svc),
      provider_(provider),
      creds_{provider.accountSid, provider.authToken, deadline},
      width_(svc.ctx_.twilio.concurrency()),
      pending_(pending),
      out_(out),
      toAttach_(ex) {
  creds_.requestId = requestId;
}

awaitable<void> ImportService::Pipeline::run() {
  // One finder and `width` attachers; the account's semaphore in the Twilio client bounds
  // the requests in flight whatever the number of coroutines.
  co_await async::forEachConcurrently(width_ + 1, width_ + 1, [&](size_t i) -> awaitable<void> {
    return i == 0 ? find() : attachFound();
  });
}

bool ImportService::Pipeline::stopsAll(const twilio::TwilioError& e) {
  if (e.isAuthFailure()) {
    if (!authFailure_) authFailure_ = e;
  } else if (e.circuitOpen || e.deadlinePassed) {
    if (!halt_) halt_ = e;
  } else {
    return false;
  }
  return true;
}

// A found number is refused, kept as it is (already on this provider's trunk: a re-run
// after a crash) or added to `batch` for attachment. A number stored under another SID
// (released and bought again) is refused before it is attached, so a refusal leaves the
// customer's trunk as it was.
void ImportService::Pipeline::admit(const store::ReadView& txn, Slot* s,
                                    std::vector<Slot*>& batch) const {
  if (!isE164(s->number->phoneNumber)) {
    s->error = "Twilio lookup failed: the number has no E.164 phone_number";
  } else if (auto conflict =
                 conflictOf(svc_.ctx_.store, txn, provider_, s->sid, s->number->phoneNumber)) {
    s->error = std::move(*conflict);
  } else if (s->number->trunkSid.empty()) {
    batch.push_back(s);
  } else if (s->number->trunkSid != provider_.trunkSid) {
    s->error = "Trunk attachment failed: attached to another trunk " + s->number->trunkSid;
  } else {
    s->onTrunk = true;
  }
}

// The batch goes into the journal in one write transaction, then to the attachers; a
// batch the store refuses is not attached at all.
void ImportService::Pipeline::journalAndQueue(const std::vector<Slot*>& batch) {
  if (batch.empty()) return;
  if (svc_.stopping(provider_.id)) {
    for (Slot* s : batch) s->error = kProviderDeleted;
    return;
  }
  std::vector<std::string> sids;
  sids.reserve(batch.size());
  for (Slot* s : batch) sids.push_back(s->sid);
  try {
    svc_.ctx_.journal.add(provider_.id, sids);
  } catch (const std::exception& e) {
    log::error("import", "provider ", provider_.id, ": journaling ", batch.size(),
               " attachments failed: ", e.what());
    if (dynamic_cast<const store::StoreFullError*>(&e)) out_.storeFull = std::current_exception();
    for (Slot* s : batch) {
      s->error = std::string("Not attached: the gateway could not record the attachment (") +
                 e.what() + "). Free space for the gateway's data directory, then import it again.";
    }
    return;
  }
  for (Slot* s : batch) {
    s->journaled = true;
    toAttach_.push(s);
  }
}

awaitable<void> ImportService::Pipeline::find() {
  struct CloseOnExit {
    async::AsyncQueue<Slot*>& queue;
    ~CloseOnExit() { queue.close(); }
  } closeOnExit{toAttach_};

  std::vector<Slot*> unresolved = pending_;
  if (pending_.size() >= svc_.options_.listThreshold) unresolved = co_await listAccount();
  co_await fetchEach(unresolved);
}

awaitable<std::vector<ImportService::Slot*>> ImportService::Pipeline::listAccount() {
  Wanted wanted;
  wanted.reserve(pending_.size());
  for (Slot* s : pending_) wanted.emplace(s->sid, s);
  twilio::NumberPageSink onPage = [&](std::vector<twilio::IncomingNumber>& page) {
    return takePage(page, wanted);
  };
  // Listing costs one request per 1000 numbers in the account, fetching one per SID.
  // The page budget keeps a huge account with few wanted numbers from costing more
  // than a tenth of the per-SID price before falling back to single fetches.
  const size_t budget = (pending_.size() + 9) / 10;
  auto listing = co_await svc_.ctx_.twilio.listNumberPages(creds_, budget, onPage);
  if (stopped()) co_return std::vector<Slot*>{};
  if (!listing) {
    if (stopsAll(listing.error())) co_return std::vector<Slot*>{};
    log::warn("import", "provider ", provider_.id, ": listing the account failed (",
              listing.error().describe(), "); looking the rest up one by one");
  } else {
    out_.twilioLookups += listing->pages;
  }
  std::vector<Slot*> unresolved;
  for (Slot* s : pending_) {
    if (s->number) continue;
    if (listing && listing->complete) {
      s->error = "Not found";
    } else {
      unresolved.push_back(s);
    }
  }
  co_return unresolved;
}

bool ImportService::Pipeline::takePage(std::vector<twilio::IncomingNumber>& page, Wanted& wanted) {
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
    auto txn = svc_.ctx_.store.read();
    for (Slot* s : found) admit(txn, s, batch);
  }
  journalAndQueue(batch);
  return !wanted.empty() && !stopped() && !svc_.stopping(provider_.id);
}

awaitable<void> ImportService::Pipeline::fetchEach(const std::vector<Slot*>& unresolved) {
  for (size_t from = 0; from < unresolved.size() && !stopped(); from += kFetchBatch) {
    std::vector<Slot*> batch;
    co_await async::forEachConcurrently(
        std::min(kFetchBatch, unresolved.size() - from), width_,
        [&](size_t i) -> awaitable<void> { return fetchOne(unresolved[from + i], batch); },
        [this] { return stopped(); });
    journalAndQueue(batch);
  }
}

awaitable<void> ImportService::Pipeline::fetchOne(Slot* s, std::vector<Slot*>& batch) {
  auto r = co_await svc_.ctx_.twilio.fetchNumber(creds_, s->sid);
  ++out_.twilioLookups;
  if (r) {
    s->number = std::move(*r);
    auto txn = svc_.ctx_.store.read();
    admit(txn, s, batch);
  } else if (stopsAll(r.error())) {
    // reported by settle(), with the other SIDs not on the trunk
  } else if (r.error().isNotFound()) {
    s->error = "Not found";
  } else {
    s->error = "Twilio lookup failed: " + r.error().describe();
  }
}

awaitable<void> ImportService::Pipeline::attachFound() {
  while (auto next = co_await toAttach_.pop()) {
    Slot* s = *next;
    if (stopped()) continue;  // drain: nothing more is sent
    if (svc_.stopping(provider_.id)) {
      s->error = kProviderDeleted;
      continue;
    }
    s->attachSent = true;
    auto r = co_await svc_.ctx_.twilio.attachNumber(creds_, provider_.trunkSid, s->sid);
    if (r) {
      s->onTrunk = true;
      continue;
    }
    if (r.error().code == kAlreadyOnTrunk) {
      // Put there since the look-up, by another import of the same SID (another cluster node,
      // which then stores it first): on the trunk, but not this import's to take off again.
      s->onTrunk = true;
      s->attachSent = false;
      continue;
    }
    if (stopsAll(r.error())) {
      // Refused before Twilio saw it (credentials, an open breaker): not on the trunk. A
      // deadline may have cut short a request Twilio carried out: undone as sent, unless it
      // never left (it waited for one of the account's slots until the deadline).
      if (!r.error().deadlinePassed || r.error().notSent) s->attachSent = false;
    } else {
      s->error = "Trunk attachment failed: " + r.error().describe();
    }
  }
}

}  // namespace gw::import
