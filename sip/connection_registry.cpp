#include "sip/connection_registry.hpp"

#include <cstring>

namespace gw::sip {

ConnectionRegistry::Key ConnectionRegistry::keyOf(const boost::asio::ip::address& address,
                                                  uint16_t port) {
  Key k;
  k.port = port;
  if (address.is_v4()) {
    auto b = address.to_v4().to_bytes();
    std::memcpy(k.bytes.data(), b.data(), b.size());
  } else {
    auto b = address.to_v6().to_bytes();
    std::memcpy(k.bytes.data(), b.data(), b.size());
    k.v6 = true;
  }
  return k;
}

size_t ConnectionRegistry::KeyHash::operator()(const Key& k) const noexcept {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (uint8_t b : k.bytes) h = (h ^ b) * 0x100000001b3ULL;
  h = (h ^ k.port) * 0x100000001b3ULL;
  return static_cast<size_t>(h ^ (k.v6 ? 1 : 0));
}

void ConnectionRegistry::add(const boost::asio::ip::address& address, uint16_t port,
                             ConnectionRef ref) {
  std::lock_guard lock(mu_);
  map_[keyOf(address, port)] = std::move(ref);
}

void ConnectionRegistry::remove(const boost::asio::ip::address& address, uint16_t port,
                                const std::weak_ptr<TcpConnection>& connection) {
  std::lock_guard lock(mu_);
  auto it = map_.find(keyOf(address, port));
  if (it == map_.end()) return;
  const auto& current = it->second.connection;
  bool same = !current.owner_before(connection) && !connection.owner_before(current);
  if (same || current.expired()) map_.erase(it);
}

std::optional<ConnectionRef> ConnectionRegistry::find(const boost::asio::ip::address& address,
                                                      uint16_t port) const {
  std::lock_guard lock(mu_);
  auto it = map_.find(keyOf(address, port));
  if (it == map_.end()) return std::nullopt;
  return it->second;
}

size_t ConnectionRegistry::size() const {
  std::lock_guard lock(mu_);
  return map_.size();
}

}  // namespace gw::sip
