#include "modules/import/directory_sync.hpp"

#include <boost/asio/ip/udp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <set>

#include "common/log.hpp"
#include "common/text.hpp"
#include "common/uuid.hpp"
#include "sip/uri.hpp"
#include "store/store.hpp"

namespace gw::import {
namespace asio = boost::asio;

namespace {

constexpr std::chrono::seconds kResolveTimeout{5};

struct UriTarget {
  std::string host;
  uint16_t port = 5060;
  sip::Transport transport = sip::Transport::kUdp;
};

std::optional<UriTarget> targetOf(const std::string& sipUri) {
  auto uri = sip::parseUri(sipUri);
  if (!uri || !uri->isSip() || uri->host.empty()) return std::nullopt;
  UriTarget t;
  t.host = std::string(uri->host);
  if (uri->port != 0) t.port = uri->port;
  if (auto tr = uri->param("transport"); tr && equalsIgnoreCase(*tr, "tcp"))
    t.transport = sip::Transport::kTcp;
  return t;
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
    : io_(io), store_(store), holder_(holder), trusted_(std::move(trusted)) {}

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
    providers = store_.listAllProviders(txn);
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
      t.port = target->port;
      t.transport = target->transport;
      if (auto addr = literal(target->host)) {
        t.addresses.push_back(*addr);
      } else if (auto it = resolved_.find(target->host); it != resolved_.end()) {
        t.addresses = it->second;
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

asio::awaitable<std::vector<asio::ip::address>> DirectorySync::resolve(std::string host) {
  asio::ip::udp::resolver resolver(io_);
  // An admin request waits for this: a DNS server that does not answer must not hold it
  // for the resolver's own minutes-long retries.
  asio::steady_timer deadline(io_);
  deadline.expires_after(kResolveTimeout);
  deadline.async_wait([&resolver](const boost::system::error_code& e) {
    if (!e) resolver.cancel();
  });
  boost::system::error_code ec;
  auto results =
      co_await resolver.async_resolve(host, "", asio::redirect_error(asio::use_awaitable, ec));
  deadline.cancel();
  std::vector<asio::ip::address> addresses;
  if (ec) {
    log::warn("directory", "agent host '", host, "' does not resolve: ", ec.message(),
              "; calls proxied to it are answered 503 until it does");
    co_return addresses;
  }
  std::set<asio::ip::address> unique;
  for (const auto& entry : results) unique.insert(entry.endpoint().address());
  addresses.assign(unique.begin(), unique.end());
  co_return addresses;
}

asio::awaitable<std::vector<asio::ip::address>> DirectorySync::addressesOf(std::string host) {
  if (auto addr = literal(host)) co_return std::vector<asio::ip::address>{*addr};
  if (auto it = resolved_.find(host); it != resolved_.end()) co_return it->second;
  auto addresses = co_await resolve(host);
  resolved_[host] = addresses;
  co_return addresses;
}

asio::awaitable<void> DirectorySync::resolveAndPublish(std::string host) {
  if (!literal(host) && !resolved_.contains(host)) {
    auto addresses = co_await resolve(host);
    resolved_[host] = std::move(addresses);
  }
  publish();
}

asio::awaitable<void> DirectorySync::refresh() {
  try {
    std::set<std::string> hosts;
    {
      auto txn = store_.read();
      for (const auto& a : store_.listAllAgents(txn)) {
        if (auto t = targetOf(a.sipUri); t && !literal(t->host)) hosts.insert(t->host);
      }
    }
    // Replaced in place: a publish() between two resolutions still sees the old answer.
    for (const auto& host : hosts) {
      auto addresses = co_await resolve(host);
      resolved_[host] = std::move(addresses);
    }
    std::erase_if(resolved_, [&](const auto& entry) { return !hosts.contains(entry.first); });
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

}  // namespace gw::import
