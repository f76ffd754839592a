#pragma once
// The fixture of the proxy core's unit tests (proxy_test.cpp, proxy_dialog_test.cpp): a
// Proxy over the shared test world, fed datagrams from a peer, its answer parsed.
#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <span>
#include <string>

#include "sip/proxy.hpp"
#include "tests/sip/proxy_test_world.hpp"

namespace gw::sip {

using test::ip;
using test::Parsed;
using test::Request;

inline const Peer kCaller{ip("203.0.113.9"), 5060, Transport::kUdp};
// In the provider's allowedAddresses.
inline const Peer kCarrier{ip("198.51.100.20"), 5060, Transport::kUdp};
inline const Peer kStranger{ip("192.0.2.66"), 5060, Transport::kUdp};
inline const Peer kAgent{ip("10.0.0.5"), 5070, Transport::kUdp};

class ProxyTest : public ::testing::Test {
 protected:
  ProxyTest() : proxy_(world_.routes, options()) {}

  static ProxyOptions options() {
    ProxyOptions o;
    o.host = "gw.example.com";
    o.port = 5060;
    return o;
  }

  // Feeds `text` as a datagram from `from`; the answer (if any) is parsed into `out_`.
  bool send(const std::string& text, const Peer& from = kCaller) {
    in_ = text;
    auto o = proxy_.onDatagram(std::span<char>(in_.data(), in_.size()), from, world_.directory);
    out_.reset();
    sent_.reset();
    if (!o) return false;
    sent_ = *o;
    bytes_ = std::string(o->bytes);
    out_.emplace(bytes_);
    EXPECT_TRUE(out_->ok) << bytes_;
    return true;
  }

  const Message& out() const { return out_->message; }
  uint64_t count(const std::atomic<uint64_t>& c) const { return c.load(std::memory_order_relaxed); }
  const ProxyCounters& counters() const { return proxy_.counters(); }

  // The branch of the top Via of what was sent.
  std::string topBranch() const {
    auto via = parseVia(out().topVia);
    return via && via->branch() ? std::string(*via->branch()) : std::string();
  }

  test::World world_;
  Proxy proxy_;
  std::string in_;
  std::string bytes_;
  std::optional<Outgoing> sent_;
  std::optional<Parsed> out_;
};

}  // namespace gw::sip
