#include "cluster/cluster_api.hpp"

#include <algorithm>
#include <utility>

#include "common/clock.hpp"
#include "modules/admin/json_io.hpp"

namespace gw::cluster {

using boost::asio::awaitable;
using http::Request;
using http::Response;

namespace {

// `registry`: the revision of the registry's last write; a node's lag is how far its
// applied revision is behind it.
void writeNode(admin::JsonWriter& w, const MemberInfo& m, const int64_t* revision) {
  w.StartObject();
  admin::writeString(w, "nodeId", m.nodeId);
  admin::writeString(w, "publicSipUri", m.publicSipUri);
  admin::writeString(w, "version", m.version);
  admin::writeString(w, "startedAt", toIso8601(m.startedAtMs));
  if (revision != nullptr) {
    admin::writeKey(w, "appliedRevision");
    w.Int64(m.appliedRevision);
    admin::writeKey(w, "lag");
    w.Int64(std::max<int64_t>(0, *revision - m.appliedRevision));
  }
  admin::writeKey(w, "live");
  w.Bool(m.live);
  if (!m.live && m.goneSinceMs > 0) admin::writeString(w, "goneSince", toIso8601(m.goneSinceMs));
  w.EndObject();
}

}  // namespace

std::string clusterStatusJson(const ClusterStatus& s) {
  rapidjson::StringBuffer buf;
  admin::JsonWriter w(buf);
  w.StartObject();
  admin::writeString(w, "mode", "cluster");
  admin::writeString(w, "nodeId", s.nodeId);
  admin::writeStringOrNull(w, "leader", s.leader);
  admin::writeKey(w, "revision");
  w.Int64(s.revision);
  admin::writeKey(w, "etcdReachable");
  w.Bool(s.etcdReachable);
  admin::writeKey(w, "nodes");
  w.StartArray();
  for (const auto& m : s.nodes) writeNode(w, m, &s.registryRevision);
  w.EndArray();
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

std::string singleNodeJson(const MemberInfo& self) {
  rapidjson::StringBuffer buf;
  admin::JsonWriter w(buf);
  w.StartObject();
  admin::writeString(w, "mode", "single");
  admin::writeString(w, "nodeId", self.nodeId);
  admin::writeKey(w, "nodes");
  w.StartArray();
  MemberInfo me = self;
  me.live = true;
  writeNode(w, me, nullptr);
  w.EndArray();
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

void registerClusterRoutes(http::Router& router, Membership& membership) {
  router.add("GET", "/api/v1/cluster", [&membership](Request&) -> awaitable<Response> {
    co_return Response::json(200, clusterStatusJson(co_await membership.status()));
  });
}

void registerSingleNodeRoute(http::Router& router, MemberInfo self) {
  router.add("GET", "/api/v1/cluster",
             [body = singleNodeJson(self)](Request&) -> awaitable<Response> {
               co_return Response::json(200, body);
             });
}

}  // namespace gw::cluster
