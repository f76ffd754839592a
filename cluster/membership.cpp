#include "cluster/membership.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "cluster/origination_sync.hpp"
#include "common/clock.hpp"
#include "common/json.hpp"
#include "common/log.hpp"
#include "store/store.hpp"

namespace gw::cluster {

namespace asio = boost::asio;
using asio::awaitable;

namespace {

// Every trunk is listed at least this often while nothing changes (see reconcile()).
constexpr std::chrono::minutes kFullSyncEvery{10};
constexpr std::string_view kLog = "cluster";

std::string memberJson(const MemberInfo& m) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("nodeId");
  w.String(m.nodeId.data(), static_cast<rapidjson::SizeType>(m.nodeId.size()));
  w.Key("publicSipUri");
  w.String(m.publicSipUri.data(), static_cast<rapidjson::SizeType>(m.publicSipUri.size()));
  w.Key("version");
  w.String(m.version.data(), static_cast<rapidjson::SizeType>(m.version.size()));
  w.Key("startedAt");
  w.Int64(m.startedAtMs);
  w.Key("appliedRevision");
  w.Int64(m.appliedRevision);
  w.Key("reportedAt");
  w.Int64(m.reportedAtMs);
  if (m.goneSinceMs > 0) {
    w.Key("goneSince");
    w.Int64(m.goneSinceMs);
  }
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

std::string stringOf(const rapidjson::Value& o, const char* name) {
  auto it = o.FindMember(name);
  if (it == o.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

int64_t int64Of(const rapidjson::Value& o, const char* name) {
  auto it = o.FindMember(name);
  if (it == o.MemberEnd() || !it->value.IsInt64()) return 0;
  return it->value.GetInt64();
}

// A nodes/ or members/ value; nullopt when it is not one (written by something else).
std::optional<MemberInfo> parseMember(const std::string& value) {
  rapidjson::Document d;
  if (json::parse(d, value) || !d.IsObject()) return std::nullopt;
  MemberInfo m;
  m.nodeId = stringOf(d, "nodeId");
  if (m.nodeId.empty()) return std::nullopt;
  m.publicSipUri = stringOf(d, "publicSipUri");
  m.version = stringOf(d, "version");
  m.startedAtMs = int64Of(d, "startedAt");
  m.appliedRevision = int64Of(d, "appliedRevision");
  m.reportedAtMs = int64Of(d, "reportedAt");
  m.goneSinceMs = int64Of(d, "goneSince");
  return m;
}

std::string lastSegment(const std::string& key, const std::string& folder) {
  return key.size() > folder.size() ? key.substr(folder.size()) : std::string();
}

}  // namespace

class Membership::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, EtcdClient& etcd, Keyspace keys, MemberInfo self,
       MembershipOptions options, const store::Store& store, twilio::Api& twilio,
       std::function<int64_t()> appliedRevision)
      : io_(io),
        etcd_(etcd),
        keys_(std::move(keys)),
        self_(std::move(self)),
        options_(options),
        store_(store),
        twilio_(twilio),
        appliedRevision_(std::move(appliedRevision)),
        renewTimer_(io),
        leaderTimer_(io) {
    if (options_.leaseTtl.count() < 1) options_.leaseTtl = std::chrono::seconds(1);
  }

  void start() {
    if (started_) return;
    started_ = true;
    auto self = shared_from_this();
    asio::co_spawn(io_, self->renewLoop(), asio::detached);
    asio::co_spawn(io_, self->leaderLoop(), asio::detached);
  }

  // The loops stop at their next step; nothing is revoked.
  void halt() {
    stopped_ = true;
    renewTimer_.cancel();
    leaderTimer_.cancel();
  }

  awaitable<void> stop() {
    halt();
    const int64_t lease = lease_;
    lease_ = 0;
    leading_ = false;
    if (lease != 0) {
      auto revoked = co_await etcd_.leaseRevoke(lease);
      if (!revoked) {
        log::warn(kLog, "node ", self_.nodeId, ": its lease could not be revoked (",
                  revoked.error().message, "); it ends within ", options_.leaseTtl.count(), " s");
      } else {
        log::info(kLog, "node ", self_.nodeId, " left the cluster");
      }
    }
  }

  int64_t lease() const { return lease_; }
  bool leading() const { return leading_; }

  awaitable<ClusterStatus> status() {
    ClusterStatus s;
    s.nodeId = self_.nodeId;
    TxnRequest t;
    t.success.push_back(Op::get(keys_.nodes(), prefixEnd(keys_.nodes())));
    t.success.push_back(Op::get(keys_.members(), prefixEnd(keys_.members())));
    t.success.push_back(Op::get(keys_.leader()));
    t.success.push_back(Op::get(keys_.fence()));
    auto r = co_await etcd_.txn(std::move(t));
    if (!r || r->ranges.size() < 4) {
      // What this node knows of itself.
      MemberInfo me = current();
      me.live = lease_ != 0;
      s.nodes.push_back(std::move(me));
      if (leading_) s.leader = self_.nodeId;
      co_return s;
    }
    s.etcdReachable = true;
    s.revision = r->revision;
    for (const auto& kv : r->ranges[2]) s.leader = kv.value;
    for (const auto& kv : r->ranges[3]) s.registryRevision = kv.modRevision;
    auto members = collect(r->ranges[0], r->ranges[1]);
    for (auto& [id, m] : members) {
      // This node's own applied revision as it is now, not as last reported.
      if (id == self_.nodeId && appliedRevision_) m.info.appliedRevision = appliedRevision_();
      s.nodes.push_back(std::move(m.info));
    }
    co_return s;
  }

 private:
  struct Seen {
    MemberInfo info;
    bool inMembers = false;
    int64_t membersModRevision = 0;
  };

  // Members by node id: live ones (nodes/) as they report themselves, remembered ones
  // (members/ only) as not live.
  std::map<std::string, Seen> collect(const std::vector<KeyValue>& nodes,
                                      const std::vector<KeyValue>& members) const {
    std::map<std::string, Seen> out;
    for (const auto& kv : members) {
      auto m = parseMember(kv.value);
      if (!m) continue;
      m->nodeId = lastSegment(kv.key, keys_.members());
      m->live = false;
      Seen& s = out[m->nodeId];
      s.info = std::move(*m);
      s.inMembers = true;
      s.membersModRevision = kv.modRevision;
    }
    for (const auto& kv : nodes) {
      auto m = parseMember(kv.value);
      if (!m) continue;
      m->nodeId = lastSegment(kv.key, keys_.nodes());
      m->live = true;
      m->goneSinceMs = 0;
      out[m->nodeId].info = std::move(*m);
    }
    return out;
  }

  MemberInfo current() const {
    MemberInfo m = self_;
    m.appliedRevision = appliedRevision_ ? appliedRevision_() : 0;
    m.reportedAtMs = nowUnixMillis();
    m.goneSinceMs = 0;
    return m;
  }

  awaitable<void> sleep(asio::steady_timer& timer, std::chrono::milliseconds d) {
    timer.expires_after(d);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }

  std::chrono::milliseconds renewEvery() const {
    return std::max(std::chrono::milliseconds(200),
                    std::chrono::duration_cast<std::chrono::milliseconds>(options_.leaseTtl) / 3);
  }

  // Grants a lease and puts nodes/<id> under it and members/<id>; true once all three are
  // done.
  awaitable<bool> registerSelf() {
    if (lease_ == 0) {
      auto granted = co_await etcd_.leaseGrant(options_.leaseTtl);
      if (!granted) {
        log::warn(kLog, "node ", self_.nodeId, ": no lease (", granted.error().message,
                  "); trying again");
        co_return false;
      }
      if (stopped_) {
        // stop() ran while the grant was on its way: give this one back too.
        co_await etcd_.leaseRevoke(*granted);
        co_return false;
      }
      lease_ = *granted;
    }
    const std::string value = memberJson(current());
    TxnRequest t;
    t.success.push_back(Op::put(keys_.node(self_.nodeId), value, lease_));
    t.success.push_back(Op::put(keys_.member(self_.nodeId), value));
    auto put = co_await etcd_.txn(std::move(t));
    if (!put) {
      log::warn(kLog, "node ", self_.nodeId, ": could not register (", put.error().message,
                "); trying again");
      // etcd refused the lease (it ended meanwhile): the next attempt takes a new one.
      if (put.error().kind == EtcdError::Kind::kRejected) lease_ = 0;
      co_return false;
    }
    log::info(kLog, "node ", self_.nodeId, " registered (", self_.publicSipUri, ", lease ", lease_,
              ")");
    co_return true;
  }

  awaitable<void> renewLoop() {
    auto keep = shared_from_this();
    bool registered = false;
    while (!stopped_) {
      if (!registered) {
        registered = co_await registerSelf();
        if (stopped_) break;
        if (!registered) {
          co_await sleep(renewTimer_, renewEvery());
          continue;
        }
      }
      co_await sleep(renewTimer_, renewEvery());
      if (stopped_) break;
      const int64_t lease = lease_;
      auto alive = co_await etcd_.leaseKeepAlive(lease);
      if (stopped_) break;
      if ((alive && *alive <= 0) || (!alive && alive.error().kind == EtcdError::Kind::kRejected)) {
        // The lease has ended (etcd was out of reach longer than its TTL, or it was
        // revoked): the node key and leadership went with it.
        log::warn(kLog, "node ", self_.nodeId, ": lease ", lease, " is gone; registering again");
        if (lease_ == lease) lease_ = 0;
        leading_ = false;
        registered = false;
        continue;
      }
      if (!alive) continue;  // etcd out of reach: the lease may still be alive; ask again
      // The lease lives: report the replica's progress.
      auto put = co_await etcd_.put(keys_.node(self_.nodeId), memberJson(current()), lease);
      if (!put && put.error().kind == EtcdError::Kind::kRejected) registered = false;
    }
  }

  // One campaign: takes the leader key when it is free, or learns who holds it.
  awaitable<void> campaign() {
    TxnRequest t;
    t.compare.push_back(Compare::absent(keys_.leader()));
    t.success.push_back(Op::put(keys_.leader(), self_.nodeId, lease_));
    t.failure.push_back(Op::get(keys_.leader()));
    const int64_t lease = lease_;
    auto r = co_await etcd_.txn(std::move(t));
    if (!r) {
      // Not knowing is not losing: leadership ends with the lease. A refusal is etcd saying
      // the lease is gone.
      if (r.error().kind == EtcdError::Kind::kRejected && leading_) {
        log::info(kLog, "node ", self_.nodeId, " no longer leads: ", r.error().message);
        leading_ = false;
      }
      co_return;
    }
    std::string leader;
    int64_t leaderLease = 0;
    if (r->succeeded) {
      leader = self_.nodeId;
      leaderLease = lease;
    } else if (!r->ranges.empty() && !r->ranges[0].empty()) {
      leader = r->ranges[0][0].value;
      leaderLease = r->ranges[0][0].lease;
    }
    const bool leadingNow = leader == self_.nodeId && leaderLease == lease_ && lease_ != 0;
    if (leadingNow && !leading_) {
      log::info(kLog, "node ", self_.nodeId, " leads the cluster");
    } else if (!leadingNow && leading_) {
      log::info(kLog, "node ", self_.nodeId,
                " no longer leads; leader: ", leader.empty() ? "none" : leader);
    }
    leading_ = leadingNow;
    leader_ = leader;
  }

  // What the trunks' origination URLs follow: the live and expired URIs and every provider
  // with its trunk.
  std::string syncState(const std::set<std::string>& live, const std::set<std::string>& expired) {
    std::string state;
    for (const auto& uri : live) state.append("+").append(uri).append("\n");
    for (const auto& uri : expired) state.append("-").append(uri).append("\n");
    auto txn = store_.read();
    for (const auto& p : store_.listAllProvidersWithoutTokens(txn)) {
      state.append(p.id).append(" ").append(p.trunkSid).append("\n");
    }
    return state;
  }

  awaitable<void> leaderLoop() {
    auto keep = shared_from_this();
    while (!stopped_) {
      if (lease_ != 0) {
        co_await campaign();
        if (stopped_) break;
        if (leading_) co_await reconcile();
        if (stopped_) break;
      }
      co_await sleep(leaderTimer_, options_.reconcileEvery);
    }
  }

  // The leader's round: members that left are marked, the trunks follow the live nodes,
  // and members gone past the grace period are forgotten once every trunk is done.
  awaitable<void> reconcile() {
    TxnRequest t;
    t.success.push_back(Op::get(keys_.nodes(), prefixEnd(keys_.nodes())));
    t.success.push_back(Op::get(keys_.members(), prefixEnd(keys_.members())));
    auto r = co_await etcd_.txn(std::move(t));
    if (!r || r->ranges.size() < 2 || stopped_) co_return;
    auto members = collect(r->ranges[0], r->ranges[1]);
    if (auto me = members.find(self_.nodeId); me == members.end() || !me->second.info.live) {
      // Our own node key is gone, so our lease is too: this node is no longer the leader and
      // must not judge the others (nor itself) from here.
      leading_ = false;
      co_return;
    }
    const int64_t now = nowUnixMillis();
    std::set<std::string> live;
    std::set<std::string> expired;
    std::vector<std::pair<std::string, int64_t>> forget;  // members/ key, its mod revision
    for (auto& [id, s] : members) {
      MemberInfo& m = s.info;
      if (m.live) {
        if (!m.publicSipUri.empty()) live.insert(m.publicSipUri);
        continue;
      }
      if (m.goneSinceMs == 0) {
        // First missed: the clock starts, kept in etcd so that a new leader goes on with it.
        m.goneSinceMs = now;
        TxnRequest mark;
        mark.compare.push_back(Compare{keys_.member(id),
                                       {},
                                       Compare::Target::kMod,
                                       Compare::Result::kEqual,
                                       s.membersModRevision,
                                       {}});
        mark.success.push_back(Op::put(keys_.member(id), memberJson(m)));
        auto marked = co_await etcd_.txn(std::move(mark));
        if (stopped_) co_return;
        if (marked && marked->succeeded) {
          log::info(kLog, "node ", id, " (", m.publicSipUri, ") is gone; its origination URL goes",
                    " after ", options_.grace.count(), " ms unless it returns");
        }
        continue;
      }
      if (now - m.goneSinceMs >= options_.grace.count()) {
        if (!m.publicSipUri.empty()) expired.insert(m.publicSipUri);
        forget.emplace_back(keys_.member(id), s.membersModRevision);
      }
    }
    // Twilio is asked only when what the trunks should show changed (the live nodes, the
    // expired ones, the providers and their trunks), or once every kFullSyncEvery, which also
    // puts back a URL removed by hand: a round every few seconds must not list every trunk.
    std::string state = syncState(live, expired);
    const auto clock = std::chrono::steady_clock::now();
    if (state == syncedState_ && clock - syncedAt_ < kFullSyncEvery) co_return;
    auto synced = co_await syncOriginationUrls(store_, twilio_, live, expired, syncLog_);
    if (stopped_ || !synced.complete()) co_return;
    syncedState_ = std::move(state);
    syncedAt_ = clock;
    for (const auto& [key, modRevision] : forget) {
      TxnRequest del;
      del.compare.push_back(
          Compare{key, {}, Compare::Target::kMod, Compare::Result::kEqual, modRevision, {}});
      del.success.push_back(Op::del(key));
      auto done = co_await etcd_.txn(std::move(del));
      if (stopped_) co_return;
      if (done && done->succeeded) {
        log::info(kLog, "member ", lastSegment(key, keys_.members()),
                  " forgotten: gone past the grace period");
      }
    }
  }

  asio::io_context& io_;
  EtcdClient& etcd_;
  Keyspace keys_;
  MemberInfo self_;
  MembershipOptions options_;
  const store::Store& store_;
  twilio::Api& twilio_;
  std::function<int64_t()> appliedRevision_;
  asio::steady_timer renewTimer_;
  asio::steady_timer leaderTimer_;
  bool started_ = false;
  bool stopped_ = false;
  int64_t lease_ = 0;
  bool leading_ = false;
  std::string leader_;
  OriginationSyncLog syncLog_;
  std::string syncedState_;  // syncState() of the last complete sync of every trunk
  std::chrono::steady_clock::time_point syncedAt_;
};

Membership::Membership(asio::io_context& io, EtcdClient& etcd, Keyspace keys, MemberInfo self,
                       MembershipOptions options, const store::Store& store, twilio::Api& twilio,
                       std::function<int64_t()> appliedRevision)
    : impl_(std::make_shared<Impl>(io, etcd, std::move(keys), std::move(self), options, store,
                                   twilio, std::move(appliedRevision))) {}

Membership::~Membership() {
  impl_->halt();
}

void Membership::start() {
  impl_->start();
}
awaitable<void> Membership::stop() {
  co_await impl_->stop();
}
int64_t Membership::lease() const {
  return impl_->lease();
}
bool Membership::leading() const {
  return impl_->leading();
}
awaitable<ClusterStatus> Membership::status() {
  co_return co_await impl_->status();
}

}  // namespace gw::cluster
