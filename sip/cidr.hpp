#pragma once
// IPv4/IPv6 CIDR blocks ("54.172.60.0/30", "::1/128", a bare address means /32 or /128).
// An IPv4-mapped IPv6 source (::ffff:a.b.c.d) matches IPv4 blocks.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/ip/address.hpp>

namespace gw::sip {

class Cidr {
 public:
  // nullopt when `text` is not a CIDR; host bits set below the prefix are refused
  // ("10.0.0.1/8") because they are almost always a typo.
  static std::optional<Cidr> parse(std::string_view text);
  bool contains(const boost::asio::ip::address& a) const;
  std::string text() const;  // canonical form

 private:
  std::array<uint8_t, 16> bytes_{};
  uint8_t prefix_ = 0;
  bool v4_ = true;
};

}  // namespace gw::sip
