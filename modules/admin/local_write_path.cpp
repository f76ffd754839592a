#include "modules/admin/local_write_path.hpp"

#include <chrono>
#include <vector>

#include "common/e164.hpp"
#include "modules/admin/directory_sync.hpp"
#include "modules/admin/route_binding.hpp"
#include "sip/routing_table.hpp"
#include "store/store.hpp"

namespace gw::admin {

namespace {

// In an order the store accepts: agents before the numbers that name them, links cleared
// (numbersChanged) before their agent is removed, numbers before their provider.
void write(store::Store& store, store::WriteTxn& txn, const ChangeSet& c) {
  for (const auto& p : c.providersPut) store.putProvider(txn, p);
  for (const auto& a : c.agentsPut) store.putAgent(txn, a);
  for (const auto& n : c.numbersAdded) store.insertNumber(txn, n);
  for (const auto& n : c.numbersChanged) store.updateNumber(txn, n);
  for (const auto& n : c.numbersRemoved) store.deleteNumber(txn, n.id);
  for (const auto& id : c.agentsRemoved) store.deleteAgent(txn, id);
  for (const auto& id : c.providersRemoved) {
    store.deleteProvider(txn, id);
    store.clearJournalOfProvider(txn, id);
    store.deleteVerification(txn, id);
  }
  for (const auto& v : c.verificationsPut) store.putVerification(txn, v);
  writeNodeLocal(store, txn, c);
}

void route(sip::RoutingTable& routes, const ChangeSet& c) {
  std::vector<sip::Route> upserts;
  std::vector<uint64_t> erases;
  upserts.reserve(c.numbersAdded.size() + c.numbersChanged.size());
  for (const auto* list : {&c.numbersAdded, &c.numbersChanged}) {
    for (const auto& n : *list) {
      if (auto r = routeOf(n)) upserts.push_back(*r);
    }
  }
  for (const auto& n : c.numbersRemoved) {
    if (auto key = e164Key(n.phoneNumber)) erases.push_back(*key);
  }
  if (!upserts.empty() || !erases.empty()) routes.apply(upserts, erases);
}

}  // namespace

void writeNodeLocal(store::Store& store, store::WriteTxn& txn, const ChangeSet& c) {
  for (const auto& j : c.unjournaled) {
    for (const auto& sid : j.sids) store.unjournalAttachment(txn, j.providerId, sid);
  }
  for (const auto& w : c.importJobs) {
    if (!w.sids.empty()) {
      // A few jobs past their retention go with each new one, so finished jobs do not pile
      // up (each 100,000-SID job held 3.4 MB of SIDs).
      const int64_t retentionMs =
          std::chrono::duration_cast<std::chrono::milliseconds>(store::kFinishedImportJobRetention)
              .count();
      store.purgeFinishedImportJobs(txn, w.job.createdMs - retentionMs, 16);
    }
    store.putImportJob(txn, w.job);
    if (!w.sids.empty()) store.putImportJobSids(txn, w.job.id, w.sids, w.job.chunkSize);
    if (!w.errors.empty()) store.putImportJobErrors(txn, w.job.id, w.firstError, w.errors);
    if (w.job.finished()) store.deleteImportJobSids(txn, w.job.id);
  }
}

boost::asio::awaitable<Committed> LocalWritePath::commit(BuildChange build) {
  ChangeSet change;
  {
    auto txn = store_.write();
    build(txn, change);
    if (change.empty()) co_return Committed{};
    write(store_, txn, change);
    txn.commit();
  }
  route(routes_, change);
  if (change.touchesDirectory()) co_await directory_.publishAfter(change.agentsPut);
  co_return Committed{true};
}

size_t LocalWritePath::load() {
  size_t routed = rebuildRoutes(store_, routes_);
  directory_.publish();
  return routed;
}

}  // namespace gw::admin
