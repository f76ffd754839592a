#include "sip/route_mac.hpp"

#include <cstring>

namespace gw::sip {
namespace {

uint64_t rotl(uint64_t x, int b) {
  return (x << b) | (x >> (64 - b));
}

uint64_t load64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// SipHash-2-4 fed in pieces: whole 8-byte words are compressed as they fill.
class SipHasher {
 public:
  explicit SipHasher(const RouteKey& key) {
    uint64_t k0 = load64(key.data());
    uint64_t k1 = load64(key.data() + 8);
    v0_ = k0 ^ 0x736f6d6570736575ULL;
    v1_ = k1 ^ 0x646f72616e646f6dULL;
    v2_ = k0 ^ 0x6c7967656e657261ULL;
    v3_ = k1 ^ 0x7465646279746573ULL;
  }

  void update(const uint8_t* p, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      buf_[fill_++] = p[i];
      ++total_;
      if (fill_ == 8) {
        compress(load64(buf_));
        fill_ = 0;
      }
    }
  }

  uint64_t finish() {
    uint64_t last = uint64_t{total_ & 0xff} << 56;
    for (size_t i = 0; i < fill_; ++i) last |= uint64_t{buf_[i]} << (8 * i);
    compress(last);
    v2_ ^= 0xff;
    for (int i = 0; i < 4; ++i) round();
    return v0_ ^ v1_ ^ v2_ ^ v3_;
  }

 private:
  void round() {
    v0_ += v1_;
    v1_ = rotl(v1_, 13);
    v1_ ^= v0_;
    v0_ = rotl(v0_, 32);
    v2_ += v3_;
    v3_ = rotl(v3_, 16);
    v3_ ^= v2_;
    v0_ += v3_;
    v3_ = rotl(v3_, 21);
    v3_ ^= v0_;
    v2_ += v1_;
    v1_ = rotl(v1_, 17);
    v1_ ^= v2_;
    v2_ = rotl(v2_, 32);
  }
  void compress(uint64_t m) {
    v3_ ^= m;
    round();
    round();
    v0_ ^= m;
  }

  uint64_t v0_, v1_, v2_, v3_;
  uint8_t buf_[8] = {};
  size_t fill_ = 0;
  uint64_t total_ = 0;
};

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

uint64_t sipHash24(const RouteKey& key, std::string_view bytes) {
  SipHasher h(key);
  h.update(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  return h.finish();
}

uint64_t routeMac(const RouteKey& key, std::initializer_list<std::string_view> pieces) {
  SipHasher h(key);
  for (std::string_view p : pieces) {
    uint8_t len[2] = {static_cast<uint8_t>(p.size() & 0xff),
                      static_cast<uint8_t>((p.size() >> 8) & 0xff)};
    h.update(len, sizeof len);
    h.update(reinterpret_cast<const uint8_t*>(p.data()), p.size());
  }
  return h.finish();
}

std::optional<RouteKey> parseRouteKey(std::string_view hex) {
  while (!hex.empty() && std::strchr(" \t\r\n", hex.front()) != nullptr) hex.remove_prefix(1);
  while (!hex.empty() && std::strchr(" \t\r\n", hex.back()) != nullptr) hex.remove_suffix(1);
  RouteKey key{};
  if (hex.size() != key.size() * 2) return std::nullopt;
  for (size_t i = 0; i < key.size(); ++i) {
    int hi = hexValue(hex[2 * i]);
    int lo = hexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    key[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return key;
}

}  // namespace gw::sip
