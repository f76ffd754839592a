#include "modules/admin/directory_sync.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <set>

#include "common/log.hpp"
#include "common/uuid.hpp"
#include "sip/uri.hpp"
#include "sip/uri_target.hpp"
#include "store/store.hpp"

namespace gw::admin {
namespace asio = boost::asio;

namespace {

// Agent hosts only (refresh() forgets the others), so the bound is a safety net, not an
// eviction policy. An admin request may wait for a lookup: at most `timeout`.
sip::DnsCache::Options dnsOptions() {
  sip::DnsCache::Options o;
  o.maxEntries = 1 << 16;
  o.timeout = std::chrono::seconds(5);
  return o;
}

std::optional<sip::UriTarget> targetOf(const std::string& sipUri) {
  auto uri = sip::parseUri(sipUri);
  if (!uri) return std::nullopt;
  auto target = sip::uriTarget(*uri);
  if (!target) return std::nullopt;
  return *target;
}

std::optional<asio::ip::address> literal(const std::string& host) {
  boost::system::error_code ec;
  auto a = asio::ip::make_address(host, ec);
  if (ec) return std::nullopt;
  return a;
}

}  // namespace

DirectorySync::DirectorySync(asio::io_context& io, store::Store& store,
                             sip::DirectoryHolder& holder, std::vector<sip::Cidr> trusted)
    : io_(io),
      store_(store),
      holder_(holder),
      trusted_(std::move(trusted)),
      dns_(io, dnsOptions()) {}

void DirectorySync::publish() noexcept {
  try {
    build();
  } catch (const std::exception& e) {
    // Called after a change was committed: the change stands and its response says so. The
    // SIP side keeps the previous directory until the next change or refresh publishes.
    log::error("directory", "could not publish the SIP directory after a change (", e.what(),
               "); SIP keeps the previous one until the next change or the periodic refresh");
  }
}

void DirectorySync::build() {
  std::vector<store::Agent> agents;
  std::vector<store::Provider> providers;
  {
    auto txn = store_.read();
    agents = store_.listAllAgents(txn);
    providers = store_.listAllProvidersWithoutTokens(txn);  // addresses, no secrets
  }

  std::vector<sip::AgentTarget> agentTargets;
  agentTargets.reserve(agents.size());
  for (auto& a : agents) {
    sip::AgentTarget t;
    auto id = parseUuid(a.id);
    if (!id) continue;
    t.id = *id;
    t.idText = a.id;
    t.orgId = std::move(a.orgId);
    t.name = std::move(a.name);
    t.mode = a.mode == "redirect" ? sip::AgentMode::kRedirect : sip::AgentMode::kProxy;
    if (auto target = targetOf(a.sipUri)) {
      t.port = target->peer.port;
      t.transport = target->peer.transport;
      if (target->host.empty()) {
        t.addresses.push_back(target->peer.address);
      } else if (const auto* answer = dns_.last(target->host)) {
        t.addresses = answer->addresses;
      }
    }
    t.sipUri = std::move(a.sipUri);
    if (!a.outboundPhoneNumberId.empty()) {
      if (auto n = parseUuid(a.outboundPhoneNumberId)) t.outboundPhoneNumberId = *n;
    }
    agentTargets.push_back(std::move(t));
  }

  std::vector<sip::ProviderTarget> providerTargets;
  providerTargets.reserve(providers.size());
  for (auto& p : providers) {
    sip::ProviderTarget t;
    auto id = parseUuid(p.id);
    if (!id) continue;
    t.id = *id;
    t.idText = p.id;
    t.orgId = std::move(p.orgId);
    t.terminationUri = std::move(p.terminationUri);
    for (const auto& text : p.allowedAddresses) {
      if (auto c = sip::Cidr::parse(text)) {
        t.allowedAddresses.push_back(*c);
      } else {
        log::warn("directory", "provider ", p.id, ": ignoring allowed address '", text,
                  "' which is not a CIDR");
      }
    }
    providerTargets.push_back(std::move(t));
  }

  holder_.publish(std::make_shared<const sip::Directory>(std::move(agentTargets),
                                                         std::move(providerTargets), trusted_));
}

asio::awaitable<std::vector<asio::ip::address>> DirectorySync::resolve(std::string host) const {
  boost::system::error_code ec;
  auto addresses = co_await dns_.asyncResolve(host, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    log::warn("directory", "agent host '", host, "' does not resolve: ", ec.message(),
              "; calls proxied to it are answered 503 until it does");
  }
  co_return addresses;
}

asio::awaitable<std::vector<asio::ip::address>> DirectorySync::addressesOf(std::string host) const {
  if (auto addr = literal(host)) co_return std::vector<asio::ip::address>{*addr};
  if (const auto* answer = dns_.find(host, sip::DnsCache::Clock::now())) {
    co_return answer->addresses;
  }
  co_return co_await resolve(std::move(host));
}

asio::awaitable<void> DirectorySync::publishAfter(const std::vector<store::Agent>& changed) {
  for (const auto& a : changed) {
    auto t = targetOf(a.sipUri);
    if (!t || t->host.empty()) continue;  // no URI the proxy reads, or an IP literal
    if (dns_.find(t->host, sip::DnsCache::Clock::now()) == nullptr) {
      co_await resolve(std::string(t->host));
    }
  }
  publish();
}

asio::awaitable<void> DirectorySync::refresh() {
  try {
    std::set<std::string> hosts;
    {
      auto txn = store_.read();
      for (const auto& a : store_.listAllAgents(txn)) {
        if (auto t = targetOf(a.sipUri); t && !t->host.empty()) hosts.emplace(t->host);
      }
    }
    // Each answer replaces the previous one in place: a publish() between two resolutions
    // still sees the old answer, and so does one after a lookup that timed out.
    for (const auto& host : hosts) co_await resolve(host);
    dns_.eraseIf([&hosts](const std::string& host) { return !hosts.contains(host); });
    publish();
  } catch (const std::exception& e) {
    log::error("directory", "refresh failed, keeping the previous directory: ", e.what());
  }
}

asio::awaitable<void> DirectorySync::refreshEvery(std::chrono::seconds interval) {
  asio::steady_timer timer(io_);
  for (;;) {
    co_await refresh();
    timer.expires_after(interval);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
  }
}

}  // namespace gw::admin
