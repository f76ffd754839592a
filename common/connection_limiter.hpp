#pragma once
// Admission of accepted connections by source address: a cap on the listener and a cap per
// source address, so that one address cannot take every slot. When the listener is full, a
// connection from a lighter source takes the slot of the oldest connection of the heaviest
// source (that one is closed): while one address floods, another is still served. A source
// that is itself the heaviest is refused instead, so a flood cannot evict its own victims'
// replacements back and forth.
//
// Not thread-safe: each listener (the admin server, each SIP worker) owns one and uses it
// on its own io_context thread only.
#include <array>
#include <cstddef>
#include <cstdint>
#include <list>
#include <unordered_map>

#include <boost/asio/ip/address.hpp>

namespace gw::net {

class ConnectionLimiter {
 public:
  using Id = const void*;  // the connection object; never dereferenced
  struct Limits {
    size_t total = 0;      // 0: no cap
    size_t perSource = 0;  // 0: no cap
  };
  enum class Verdict : uint8_t { kAdmitted, kSourceFull, kListenerFull };
  struct Admission {
    Verdict verdict = Verdict::kAdmitted;
    // Admitted in place of this connection: the caller closes it. It is already released.
    Id evict = nullptr;
  };

  ConnectionLimiter() = default;
  explicit ConnectionLimiter(Limits limits) : limits_(limits) {}

  // Records `id` as a connection from `source` when the verdict is kAdmitted.
  Admission admit(const boost::asio::ip::address& source, Id id);
  // Forgets `id`; an id not recorded (refused, evicted, released before) is ignored.
  void release(Id id);

  size_t size() const { return byId_.size(); }
  size_t countFrom(const boost::asio::ip::address& source) const;
  const Limits& limits() const { return limits_; }

 private:
  using Key = std::array<uint8_t, 16>;  // IPv4 as IPv4-mapped IPv6
  struct KeyHash {
    size_t operator()(const Key& k) const noexcept;
  };
  using Slots = std::list<Id>;  // oldest first
  struct Where {
    Key source;
    Slots::iterator slot;
  };

  static Key keyOf(const boost::asio::ip::address& source);
  // The source with the most connections, or nullptr when there is none.
  const Key* heaviest() const;

  Limits limits_;
  std::unordered_map<Key, Slots, KeyHash> bySource_;
  std::unordered_map<Id, Where> byId_;
};

}  // namespace gw::net
