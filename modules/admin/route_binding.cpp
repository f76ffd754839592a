#include "modules/admin/route_binding.hpp"

#include "common/e164.hpp"
#include "common/log.hpp"
#include "common/uuid.hpp"
#include "store/store.hpp"

namespace gw::admin {

std::optional<sip::Route> routeOf(const store::PhoneNumber& n) {
  auto key = e164Key(n.phoneNumber);
  auto id = parseUuid(n.id);
  auto provider = parseUuid(n.providerId);
  if (!key || !id || !provider) return std::nullopt;
  sip::Route r;
  r.key = *key;
  r.phoneNumberId = *id;
  r.providerId = *provider;
  if (!n.incomingCallsAgentId.empty()) {
    if (auto agent = parseUuid(n.incomingCallsAgentId)) r.agentId = *agent;
  }
  return r;
}

size_t rebuildRoutes(const store::Store& store, sip::RoutingTable& table) {
  std::vector<sip::Route> routes;
  size_t skipped = 0;
  {
    auto txn = store.read();
    store.forEachNumber(txn, [&](const store::PhoneNumber& n) {
      if (auto r = routeOf(n)) {
        routes.push_back(*r);
      } else {
        ++skipped;
      }
    });
  }
  if (skipped)
    log::warn("routing", skipped, " stored numbers could not be routed and were skipped");
  size_t count = routes.size();
  table.replaceAll(std::move(routes));
  return count;
}

}  // namespace gw::admin
