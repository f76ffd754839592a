#pragma once
// Every open SIP TCP connection of every worker, by remote endpoint, so that a response or
// request for a TCP peer goes through the connection it already has, whichever worker
// received the message to relay. The owner's io_context comes with the entry: a sender on
// another worker post()s the bytes there.
//
// A mutex guards the map: it is touched when a TCP connection opens or closes and when a
// message is sent to a TCP peer, never on the UDP path, and holds no lock while sending.
#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>

namespace gw::sip {

class TcpConnection;

struct ConnectionRef {
  boost::asio::io_context* io = nullptr;  // the owning worker's
  std::weak_ptr<TcpConnection> connection;
};

class ConnectionRegistry {
 public:
  // Replaces any entry for the endpoint.
  void add(const boost::asio::ip::address& address, uint16_t port, ConnectionRef ref);
  // Removes the entry only if it still is `connection`. Never locks a weak pointer: the
  // last reference to a connection must be dropped on its own worker's thread.
  void remove(const boost::asio::ip::address& address, uint16_t port,
              const std::weak_ptr<TcpConnection>& connection);
  std::optional<ConnectionRef> find(const boost::asio::ip::address& address, uint16_t port) const;
  size_t size() const;

 private:
  struct Key {
    std::array<uint8_t, 16> bytes{};
    uint16_t port = 0;
    bool v6 = false;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const noexcept;
  };
  static Key keyOf(const boost::asio::ip::address& address, uint16_t port);

  mutable std::mutex mu_;
  std::unordered_map<Key, ConnectionRef, KeyHash> map_;  // guarded by mu_
};

}  // namespace gw::sip
