#include "sip/cidr.hpp"

#include <charconv>

namespace gw::sip {
namespace asio = boost::asio;

std::optional<Cidr> Cidr::parse(std::string_view text) {
  std::string_view addrText = text;
  std::optional<unsigned> prefix;
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    addrText = text.substr(0, slash);
    std::string_view p = text.substr(slash + 1);
    unsigned v = 0;
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
    if (p.empty() || ec != std::errc() || end != p.data() + p.size()) return std::nullopt;
    prefix = v;
  }
  boost::system::error_code ec;
  auto address = asio::ip::make_address(std::string(addrText), ec);
  if (ec || addrText.empty()) return std::nullopt;
  Cidr c;
  if (address.is_v4()) {
    auto b = address.to_v4().to_bytes();
    std::copy(b.begin(), b.end(), c.bytes_.begin());
    c.v4_ = true;
    c.prefix_ = static_cast<uint8_t>(prefix.value_or(32));
    if (prefix && *prefix > 32) return std::nullopt;
  } else {
    if (address.to_v6().scope_id() != 0) return std::nullopt;
    c.bytes_ = address.to_v6().to_bytes();
    c.v4_ = false;
    c.prefix_ = static_cast<uint8_t>(prefix.value_or(128));
    if (prefix && *prefix > 128) return std::nullopt;
  }
  // Host bits below the prefix must be zero.
  size_t width = c.v4_ ? 4 : 16;
  for (size_t i = 0; i < width; ++i) {
    unsigned bitsBefore = static_cast<unsigned>(i) * 8;
    uint8_t mask = 0;
    if (c.prefix_ >= bitsBefore + 8) {
      mask = 0xff;
    } else if (c.prefix_ > bitsBefore) {
      mask = static_cast<uint8_t>(0xff << (8 - (c.prefix_ - bitsBefore)));
    }
    if ((c.bytes_[i] & ~mask) != 0) return std::nullopt;
  }
  return c;
}

bool Cidr::contains(const asio::ip::address& a) const {
  std::array<uint8_t, 16> bytes{};
  if (a.is_v4()) {
    if (!v4_) return false;
    auto b = a.to_v4().to_bytes();
    std::copy(b.begin(), b.end(), bytes.begin());
  } else {
    auto v6 = a.to_v6();
    if (v4_) {
      if (!v6.is_v4_mapped()) return false;
      auto b = asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_bytes();
      std::copy(b.begin(), b.end(), bytes.begin());
    } else {
      bytes = v6.to_bytes();
    }
  }
  unsigned full = prefix_ / 8;
  for (unsigned i = 0; i < full; ++i) {
    if (bytes[i] != bytes_[i]) return false;
  }
  unsigned rest = prefix_ % 8;
  if (rest == 0) return true;
  auto mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (bytes[full] & mask) == (bytes_[full] & mask);
}

std::string Cidr::text() const {
  std::string addr;
  if (v4_) {
    asio::ip::address_v4::bytes_type b;
    std::copy(bytes_.begin(), bytes_.begin() + 4, b.begin());
    addr = asio::ip::address_v4(b).to_string();
  } else {
    addr = asio::ip::address_v6(bytes_).to_string();
  }
  return addr + "/" + std::to_string(prefix_);
}

}  // namespace gw::sip
