#pragma once
// What SIP workers need besides the routing table: agents (where calls go), providers
// (who may call in, where outbound calls go) and the globally trusted sources. Built by
// the control thread from the store as an immutable snapshot and published after every
// change; workers read it without taking a lock on the hot path (DirectoryCache).
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "common/uuid.hpp"
#include "sip/cidr.hpp"

namespace gw::sip {

enum class AgentMode : uint8_t { kProxy, kRedirect };
enum class Transport : uint8_t { kUdp, kTcp };

struct AgentTarget {
  UuidBytes id{};
  std::string idText;
  std::string orgId;
  std::string name;
  AgentMode mode = AgentMode::kProxy;
  std::string sipUri;  // as configured: the 302 Contact, and the proxied Request-URI host
  // Where proxied requests go: the URI's host resolved (IP literal or DNS at publish
  // time), its port (default 5060) and transport (";transport=tcp" or UDP).
  std::vector<boost::asio::ip::address> addresses;  // empty: unresolved (proxy answers 503)
  uint16_t port = 5060;
  Transport transport = Transport::kUdp;
  UuidBytes outboundPhoneNumberId{};  // all zero: no caller ID set
};

struct ProviderTarget {
  UuidBytes id{};
  std::string idText;
  std::string orgId;
  std::string terminationUri;  // "<trunk>.pstn.twilio.com" or empty
  std::vector<Cidr> allowedAddresses;
};

struct UuidHash {
  size_t operator()(const UuidBytes& u) const noexcept;
};

class Directory {
 public:
  Directory() = default;
  Directory(std::vector<AgentTarget> agents, std::vector<ProviderTarget> providers,
            std::vector<Cidr> trusted);

  const AgentTarget* agent(const UuidBytes& id) const;
  const ProviderTarget* provider(const UuidBytes& id) const;
  // The agent whose resolved address and port are `source`/`port` (exact match first),
  // else the only agent on that address when `port` does not matter (TCP: ephemeral
  // ports); nullptr when none.
  const AgentTarget* agentAt(const boost::asio::ip::address& source, uint16_t port,
                             Transport transport) const;

  // --sip-trusted-cidr entry containing `source`, or nullptr.
  const Cidr* trustedGlobally(const boost::asio::ip::address& source) const;
  // The allowedAddresses entry of `provider` containing `source`, or nullptr.
  static const Cidr* allowedBy(const ProviderTarget& provider,
                               const boost::asio::ip::address& source);
  // The entry of any provider's allowedAddresses containing `source` (for numbers we do
  // not know), or nullptr. One scan of the distinct ranges of all providers (most share
  // Twilio's eight), not of every provider.
  const Cidr* anyProviderAllowing(const boost::asio::ip::address& source) const;
  // Whether anything `source` sends could ever be accepted: it is trusted, allowed by a
  // provider, or an agent's address. TCP connections from anywhere else are closed at
  // accept, before they can hold a buffer.
  bool mayConnect(const boost::asio::ip::address& source) const;

  const std::vector<AgentTarget>& agents() const { return agents_; }
  const std::vector<ProviderTarget>& providers() const { return providers_; }
  const std::vector<Cidr>& trusted() const { return trusted_; }

 private:
  std::vector<AgentTarget> agents_;
  std::vector<ProviderTarget> providers_;
  std::vector<Cidr> trusted_;
  std::vector<Cidr> providerRanges_;  // the distinct allowedAddresses of all providers
  std::unordered_map<UuidBytes, size_t, UuidHash> agentIndex_;
  // Agent indexes by resolved address (IPv4 as IPv4-mapped IPv6 bytes): agentAt() runs for
  // every out-of-dialog request, so it must not scan the agents.
  std::unordered_map<UuidBytes, std::vector<size_t>, UuidHash> agentsByAddress_;
  std::unordered_map<UuidBytes, size_t, UuidHash> providerIndex_;
};

// Written by the control thread, read by every worker.
class DirectoryHolder {
 public:
  DirectoryHolder() : current_(std::make_shared<const Directory>()) {}
  void publish(std::shared_ptr<const Directory> next);
  std::shared_ptr<const Directory> load() const;
  uint64_t version() const { return version_.load(std::memory_order_acquire); }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const Directory> current_;  // guarded by mu_
  std::atomic<uint64_t> version_{1};
};

// One per worker thread: re-reads the holder only when its version moved, so the hot path
// is one atomic load.
class DirectoryCache {
 public:
  explicit DirectoryCache(const DirectoryHolder& holder) : holder_(holder) {}
  const Directory& get() {
    uint64_t v = holder_.version();
    if (v != seen_) {
      snapshot_ = holder_.load();
      seen_ = v;
    }
    return *snapshot_;
  }

 private:
  const DirectoryHolder& holder_;
  uint64_t seen_ = 0;
  std::shared_ptr<const Directory> snapshot_;
};

}  // namespace gw::sip
