#include "cluster/replica_apply.hpp"

#include <algorithm>
#include <unordered_map>
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "cluster/records.hpp"
#include "common/e164.hpp"
#include "common/log.hpp"
#include "modules/admin/directory_sync.hpp"
#include "modules/admin/route_binding.hpp"
#include "store/store.hpp"

namespace gw::cluster {

namespace asio = boost::asio;

namespace {

// Changes this many records (numbers mostly) ahead of the resync's last transaction.
constexpr size_t kResyncFlushRecords = 50'000;

}  // namespace

size_t RecordChanges::size() const {
  return providersPut.size() + agentsPut.size() + numbersPut.size() + numbersDeleted.size() +
         agentsDeleted.size() + providersDeleted.size() + verificationsPut.size() +
         verificationsDeleted.size();
}

void RouteChanges::erase(const std::string& e164) {
  if (auto key = e164Key(e164)) erases.push_back(*key);
}

void RouteChanges::upsert(const store::PhoneNumber& number) {
  if (auto r = admin::routeOf(number)) upserts.push_back(*r);
}

void RouteChanges::applyTo(sip::RoutingTable& routes) {
  if (upserts.empty() && erases.empty()) return;
  if (!upserts.empty() && !erases.empty()) {
    // The table applies upserts before erases: a key that moved to another number in the
    // same change must not be erased after its new route went in.
    std::unordered_set<uint64_t> kept;
    kept.reserve(upserts.size());
    for (const auto& r : upserts) kept.insert(r.key);
    std::erase_if(erases, [&kept](uint64_t key) { return kept.count(key) != 0; });
  }
  routes.apply(upserts, erases);
  upserts.clear();
  erases.clear();
}

Applier::Applier(asio::io_context& io, store::Store& store, sip::RoutingTable& routes,
                 admin::DirectorySync& directory, const Keyspace& keys)
    : io_(io), store_(store), routes_(routes), directory_(directory), keys_(keys) {}

size_t Applier::load() {
  size_t routed = admin::rebuildRoutes(store_, routes_);
  directory_.publish();
  return routed;
}

void Applier::decodeInto(RecordChanges& c, const Keyspace::Parsed& what, bool isDelete,
                         const std::string& value) const {
  using Kind = Keyspace::Kind;
  switch (what.kind) {
    case Kind::kProvider:
      if (isDelete) {
        c.providersDeleted.push_back(what.id);
      } else {
        c.providersPut.push_back(decodeProvider(value, store_.secrets()));
      }
      break;
    case Kind::kAgent:
      if (isDelete) {
        c.agentsDeleted.push_back(what.id);
      } else {
        c.agentsPut.push_back(decodeAgent(value));
      }
      break;
    case Kind::kNumber:
      if (isDelete) {
        c.numbersDeleted.push_back(what.id);
      } else {
        c.numbersPut.push_back(decodeNumber(value));
      }
      break;
    case Kind::kVerification:
      if (isDelete) {
        c.verificationsDeleted.push_back(what.id);
      } else {
        c.verificationsPut.push_back(decodeVerification(what.id, value));
      }
      break;
    case Kind::kOther:
      break;
  }
}

size_t Applier::apply(const WatchBatch& batch) {
  // The last event of each key wins (a batch may carry several revisions).
  std::unordered_map<std::string_view, size_t> last;
  last.reserve(batch.events.size());
  for (size_t i = 0; i < batch.events.size(); ++i) last[batch.events[i].kv.key] = i;
  RecordChanges changes;
  size_t applied = 0;
  for (size_t i = 0; i < batch.events.size(); ++i) {
    const auto& e = batch.events[i];
    if (last[e.kv.key] != i) continue;
    auto what = keys_.parse(e.kv.key);
    if (what.kind == Keyspace::Kind::kOther) continue;
    decodeInto(changes, what, e.type == WatchEvent::Type::kDelete, e.kv.value);
    ++applied;
  }
  RouteChanges routes;
  {
    auto txn = store_.write();
    write(txn, changes, routes);
    store_.setClusterRevision(txn, batch.revision);
    txn.commit();
  }
  publish(routes, changes);
  return applied;
}

void Applier::write(store::WriteTxn& txn, const RecordChanges& c, RouteChanges& routes) {
  for (const auto& p : c.providersPut) store_.putProvider(txn, p);
  for (const auto& a : c.agentsPut) store_.putAgent(txn, a);
  for (const auto& n : c.numbersPut) {
    // A SID or an E.164 number held by another stored number: a leftover of a change this
    // store missed (etcd's claims keep them unique). It goes first.
    for (int pass = 0; pass < 2; ++pass) {
      auto holder = pass == 0 ? store_.findNumberBySid(txn, n.phoneNumberSid)
                              : store_.findNumberByE164(txn, n.phoneNumber);
      if (holder && holder->id != n.id) {
        store_.deleteNumber(txn, holder->id);
        routes.erase(holder->phoneNumber);
      }
    }
    auto existing = store_.getNumber(txn, n.id);
    if (existing) {
      if (*existing != n) store_.updateNumber(txn, n);
      if (existing->phoneNumber != n.phoneNumber) routes.erase(existing->phoneNumber);
    } else {
      store_.insertNumber(txn, n);
    }
    routes.upsert(n);
  }
  for (const auto& id : c.numbersDeleted) {
    if (auto existing = store_.getNumber(txn, id)) {
      store_.deleteNumber(txn, id);
      routes.erase(existing->phoneNumber);
    }
  }
  for (const auto& id : c.agentsDeleted) {
    // etcd unlinks an agent's numbers in the revision that deletes it, so none is left
    // linked here; should one be (a store that missed a change), it is unlinked rather
    // than the replica stuck on a delete the store refuses.
    for (const auto& numberId : store_.numbersLinkedToAgent(txn, id)) {
      auto n = store_.getNumber(txn, numberId);
      if (!n) continue;
      log::warn("cluster", "number ", n->phoneNumber, " was still linked to deleted agent ", id,
                "; unlinked");
      n->incomingCallsAgentId.clear();
      store_.updateNumber(txn, *n);
      routes.upsert(*n);
    }
    store_.deleteAgent(txn, id);
  }
  for (const auto& id : c.providersDeleted) {
    store_.deleteProvider(txn, id);
    store_.clearJournalOfProvider(txn, id);
    store_.deleteVerification(txn, id);
  }
  for (const auto& v : c.verificationsPut) store_.putVerification(txn, v);
  for (const auto& id : c.verificationsDeleted) store_.deleteVerification(txn, id);
}

void Applier::publish(RouteChanges& routes, const RecordChanges& changes) {
  routes.applyTo(routes_);
  if (changes.touchesDirectory()) publishDirectory(changes.agentsPut);
}

void Applier::publishDirectory(const std::vector<store::Agent>& changedAgents) {
  // Now, with the hosts already known; then again once new host names are resolved.
  directory_.publish();
  if (changedAgents.empty()) return;
  asio::co_spawn(
      io_,
      [&directory = directory_, agents = changedAgents]() -> asio::awaitable<void> {
        co_await directory.publishAfter(agents);
      },
      asio::detached);
}

bool Resync::seenNumber(const std::string& id) const {
  if (auto bytes = parseUuid(id)) {
    if (numberIdsSorted_) return std::binary_search(numberIds_.begin(), numberIds_.end(), *bytes);
    return std::find(numberIds_.begin(), numberIds_.end(), *bytes) != numberIds_.end();
  }
  return otherNumberIds_.count(id) != 0;
}

void Resync::page(const std::vector<KeyValue>& kvs) {
  auto& store = applier_.store();
  {
    auto txn = store.read();
    for (const auto& kv : kvs) {
      auto what = applier_.keys().parse(kv.key);
      using Kind = Keyspace::Kind;
      switch (what.kind) {
        case Kind::kProvider: {
          providerIds_.insert(what.id);
          auto p = decodeProvider(kv.value, store.secrets());
          if (store.getProvider(txn, p.id) != p) pending_.providersPut.push_back(std::move(p));
          break;
        }
        case Kind::kAgent: {
          agentIds_.insert(what.id);
          auto a = decodeAgent(kv.value);
          if (store.getAgent(txn, a.id) != a) pending_.agentsPut.push_back(std::move(a));
          break;
        }
        case Kind::kNumber: {
          auto n = decodeNumber(kv.value);
          if (auto bytes = parseUuid(n.id)) {
            if (!numberIds_.empty() && !(numberIds_.back() < *bytes)) numberIdsSorted_ = false;
            numberIds_.push_back(*bytes);
          } else {
            otherNumberIds_.insert(n.id);
          }
          if (store.getNumber(txn, n.id) != n) pending_.numbersPut.push_back(std::move(n));
          break;
        }
        case Kind::kVerification: {
          verificationIds_.insert(what.id);
          auto v = decodeVerification(what.id, kv.value);
          if (store.getVerification(txn, what.id) != v) {
            pending_.verificationsPut.push_back(std::move(v));
          }
          break;
        }
        case Kind::kOther:
          break;
      }
    }
  }
  if (pending_.size() >= kResyncFlushRecords) flush();
}

void Resync::flush() {
  auto& store = applier_.store();
  RouteChanges routes;
  {
    auto txn = store.write();
    applier_.write(txn, pending_, routes);
    txn.commit();
  }
  routes.applyTo(applier_.routesTable());
  changed_ += pending_.size();
  directoryTouched_ = directoryTouched_ || pending_.touchesDirectory();
  agentsWritten_.insert(agentsWritten_.end(), pending_.agentsPut.begin(), pending_.agentsPut.end());
  pending_ = RecordChanges{};
}

void Resync::finish(int64_t revision) {
  if (!numberIdsSorted_) std::sort(numberIds_.begin(), numberIds_.end());
  numberIdsSorted_ = true;
  auto& store = applier_.store();
  RouteChanges routes;
  RecordChanges removals;
  {
    auto txn = store.write();
    applier_.write(txn, pending_, routes);
    changed_ += pending_.size();
    // What the snapshot does not hold goes, numbers before agents before providers.
    store.forEachNumber(txn, [&](const store::PhoneNumber& n) {
      if (!seenNumber(n.id)) removals.numbersDeleted.push_back(n.id);
    });
    for (const auto& a : store.listAllAgents(txn)) {
      if (!agentIds_.count(a.id)) removals.agentsDeleted.push_back(a.id);
    }
    for (const auto& p : store.listAllProvidersWithoutTokens(txn)) {
      if (!providerIds_.count(p.id)) {
        removals.providersDeleted.push_back(p.id);
      } else if (!verificationIds_.count(p.id) && store.getVerification(txn, p.id)) {
        removals.verificationsDeleted.push_back(p.id);
      }
    }
    applier_.write(txn, removals, routes);
    removed_ = removals.size();
    store.setClusterRevision(txn, revision);
    txn.commit();
  }
  routes.applyTo(applier_.routesTable());
  agentsWritten_.insert(agentsWritten_.end(), pending_.agentsPut.begin(), pending_.agentsPut.end());
  if (directoryTouched_ || pending_.touchesDirectory() || removals.touchesDirectory()) {
    applier_.publishDirectory(agentsWritten_);
  }
  pending_ = RecordChanges{};
}

std::string Resync::summary() const {
  return std::to_string(changed_) + " records added or changed, " + std::to_string(removed_) +
         " removed";
}

}  // namespace gw::cluster
