#include "sip/directory.hpp"

#include <cstring>
#include <set>
#include <string>

namespace gw::sip {
namespace asio = boost::asio;

namespace {

// 16 bytes for any address: IPv4 (and IPv4-mapped IPv6) as ::ffff:a.b.c.d.
UuidBytes addressKey(const asio::ip::address& a) {
  if (a.is_v4()) return asio::ip::make_address_v6(asio::ip::v4_mapped, a.to_v4()).to_bytes();
  return a.to_v6().to_bytes();
}

}  // namespace

size_t UuidHash::operator()(const UuidBytes& u) const noexcept {
  // Random (v4) UUIDs: their first bytes are already uniformly distributed.
  uint64_t a = 0;
  uint64_t b = 0;
  std::memcpy(&a, u.data(), 8);
  std::memcpy(&b, u.data() + 8, 8);
  return static_cast<size_t>(a ^ (b * 0x9e3779b97f4a7c15ULL));
}

Directory::Directory(std::vector<AgentTarget> agents, std::vector<ProviderTarget> providers,
                     std::vector<Cidr> trusted)
    : agents_(std::move(agents)), providers_(std::move(providers)), trusted_(std::move(trusted)) {
  agentIndex_.reserve(agents_.size());
  for (size_t i = 0; i < agents_.size(); ++i) {
    agentIndex_.emplace(agents_[i].id, i);
    for (const auto& a : agents_[i].addresses) {
      auto& list = agentsByAddress_[addressKey(a)];
      if (list.empty() || list.back() != i) list.push_back(i);
    }
  }
  providerIndex_.reserve(providers_.size());
  std::set<std::string> seen;
  for (size_t i = 0; i < providers_.size(); ++i) {
    providerIndex_.emplace(providers_[i].id, i);
    for (const Cidr& c : providers_[i].allowedAddresses) {
      if (seen.insert(c.text()).second) providerRanges_.push_back(c);
    }
  }
}

const AgentTarget* Directory::agent(const UuidBytes& id) const {
  auto it = agentIndex_.find(id);
  return it == agentIndex_.end() ? nullptr : &agents_[it->second];
}

const ProviderTarget* Directory::provider(const UuidBytes& id) const {
  auto it = providerIndex_.find(id);
  return it == providerIndex_.end() ? nullptr : &providers_[it->second];
}

const AgentTarget* Directory::agentAt(const asio::ip::address& source, uint16_t port,
                                      Transport transport) const {
  auto it = agentsByAddress_.find(addressKey(source));
  if (it == agentsByAddress_.end()) return nullptr;
  for (size_t i : it->second) {
    if (agents_[i].port == port) return &agents_[i];
  }
  // Over TCP the source port is ephemeral: the address alone identifies the agent, but
  // only when one agent lives there.
  if (transport == Transport::kTcp && it->second.size() == 1) return &agents_[it->second[0]];
  return nullptr;
}

bool Directory::mayConnect(const asio::ip::address& source) const {
  return trustedGlobally(source) != nullptr || anyProviderAllowing(source) != nullptr ||
         agentsByAddress_.contains(addressKey(source));
}

const Cidr* Directory::trustedGlobally(const asio::ip::address& source) const {
  for (const auto& c : trusted_) {
    if (c.contains(source)) return &c;
  }
  return nullptr;
}

const Cidr* Directory::allowedBy(const ProviderTarget& provider, const asio::ip::address& source) {
  for (const auto& c : provider.allowedAddresses) {
    if (c.contains(source)) return &c;
  }
  return nullptr;
}

const Cidr* Directory::anyProviderAllowing(const asio::ip::address& source) const {
  for (const auto& c : providerRanges_) {
    if (c.contains(source)) return &c;
  }
  return nullptr;
}

void DirectoryHolder::publish(std::shared_ptr<const Directory> next) {
  {
    std::lock_guard lock(mu_);
    current_ = std::move(next);
  }
  version_.fetch_add(1, std::memory_order_release);
}

std::shared_ptr<const Directory> DirectoryHolder::load() const {
  std::lock_guard lock(mu_);
  return current_;
}

}  // namespace gw::sip
