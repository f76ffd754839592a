#include "common/connection_limiter.hpp"

#include <cstring>

namespace gw::net {

size_t ConnectionLimiter::KeyHash::operator()(const Key& k) const noexcept {
  uint64_t a = 0;
  uint64_t b = 0;
  std::memcpy(&a, k.data(), 8);
  std::memcpy(&b, k.data() + 8, 8);
  return static_cast<size_t>(a * 0x9E3779B97F4A7C15ULL ^ b);
}

ConnectionLimiter::Key ConnectionLimiter::keyOf(const boost::asio::ip::address& source) {
  const auto v6 = source.is_v4()
                      ? boost::asio::ip::make_address_v6(boost::asio::ip::v4_mapped, source.to_v4())
                      : source.to_v6();
  return v6.to_bytes();
}

size_t ConnectionLimiter::countFrom(const boost::asio::ip::address& source) const {
  auto it = bySource_.find(keyOf(source));
  return it == bySource_.end() ? 0 : it->second.size();
}

const ConnectionLimiter::Key* ConnectionLimiter::heaviest() const {
  // Only scanned when the listener is full; the sources are at most its cap.
  const Key* best = nullptr;
  size_t most = 0;
  for (const auto& [key, slots] : bySource_) {
    if (slots.size() > most) {
      most = slots.size();
      best = &key;
    }
  }
  return best;
}

ConnectionLimiter::Admission ConnectionLimiter::admit(const boost::asio::ip::address& source,
                                                      Id id) {
  const Key key = keyOf(source);
  auto it = bySource_.find(key);
  const size_t mine = it == bySource_.end() ? 0 : it->second.size();
  if (limits_.perSource != 0 && mine >= limits_.perSource) return {Verdict::kSourceFull};
  Admission result;
  if (limits_.total != 0 && byId_.size() >= limits_.total) {
    const Key* top = heaviest();
    // Evict only from a source that stays at least as heavy as this one afterwards.
    if (top == nullptr || bySource_.at(*top).size() <= mine + 1) return {Verdict::kListenerFull};
    result.evict = bySource_.at(*top).front();
    release(result.evict);
    it = bySource_.find(key);  // release() may have erased a bucket
  }
  if (it == bySource_.end()) it = bySource_.emplace(key, Slots{}).first;
  it->second.push_back(id);
  byId_[id] = Where{key, std::prev(it->second.end())};
  return result;
}

void ConnectionLimiter::release(Id id) {
  auto w = byId_.find(id);
  if (w == byId_.end()) return;
  auto s = bySource_.find(w->second.source);
  s->second.erase(w->second.slot);
  if (s->second.empty()) bySource_.erase(s);
  byId_.erase(w);
}

}  // namespace gw::net
