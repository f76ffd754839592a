#include "sip/dns_cache.hpp"

#include <algorithm>

#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace gw::sip {

namespace asio = boost::asio;
using boost::system::error_code;

struct DnsCache::Lookup {
  Lookup(asio::io_context& io, std::string h, Done d)
      : host(std::move(h)), done(std::move(d)), deadline(io) {}
  std::string host;
  Done done;
  asio::steady_timer deadline;
  bool answered = false;  // `done` ran (the deadline passed, or the resolver answered)
};

DnsCache::DnsCache(asio::io_context& io, Options options)
    : io_(io), options_(options), resolver_(io) {}

const DnsCache::Entry* DnsCache::find(std::string_view host, Clock::time_point now) const {
  auto it = entries_.find(host);
  return it != entries_.end() && it->second.expires > now ? &it->second : nullptr;
}

const DnsCache::Entry* DnsCache::last(std::string_view host) const {
  auto it = entries_.find(host);
  return it != entries_.end() ? &it->second : nullptr;
}

void DnsCache::resolve(std::string host, Done done) {
  if (busy()) {
    const error_code ec =
        cancelled_ ? asio::error::operation_aborted : asio::error::no_buffer_space;
    asio::post(io_, [done = std::move(done), ec] { done(ec, {}); });
    return;
  }
  ++inFlight_;
  auto lookup = std::make_shared<Lookup>(io_, std::move(host), std::move(done));
  lookup->deadline.expires_after(options_.timeout);
  lookup->deadline.async_wait([lookup](const error_code& ec) {
    if (ec || lookup->answered) return;
    lookup->answered = true;
    lookup->done(asio::error::timed_out, {});
  });
  // Plain A/AAAA resolution of the host (no NAPTR/SRV: RFC 3263's DNS steps are not
  // implemented).
  resolver_.async_resolve(
      lookup->host, "",
      [this, lookup](const error_code& ec, const asio::ip::udp::resolver::results_type& r) {
        finish(lookup, ec, r);
      });
}

void DnsCache::finish(const std::shared_ptr<Lookup>& lookup, const error_code& ec,
                      const asio::ip::udp::resolver::results_type& results) {
  --inFlight_;
  lookup->deadline.cancel();
  Addresses addresses;
  if (!ec) {
    for (const auto& r : results) addresses.push_back(r.endpoint().address());
    std::sort(addresses.begin(), addresses.end());
    addresses.erase(std::unique(addresses.begin(), addresses.end()), addresses.end());
  }
  // Cancelled at shutdown: no answer to remember.
  if (ec != asio::error::operation_aborted) put(lookup->host, addresses, Clock::now());
  if (lookup->answered) return;
  lookup->answered = true;
  lookup->done(!ec && addresses.empty() ? asio::error::host_not_found : ec, addresses);
}

void DnsCache::put(std::string_view host, Addresses addresses, Clock::time_point now) {
  const auto expires = now + (addresses.empty() ? options_.negativeTtl : options_.ttl);
  if (auto it = entries_.find(host); it != entries_.end()) {
    it->second = Entry{std::move(addresses), expires};
    return;
  }
  makeRoom(now);
  entries_.emplace(std::string(host), Entry{std::move(addresses), expires});
}

void DnsCache::makeRoom(Clock::time_point now) {
  if (entries_.size() < options_.maxEntries || entries_.empty()) return;
  std::erase_if(entries_, [now](const auto& e) { return e.second.expires <= now; });
  if (entries_.size() < options_.maxEntries) return;
  // All fresh: the one closest to expiring goes (a linear scan, but only on a miss of a
  // full cache, which at most maxInFlight lookups at a time can cause).
  auto oldest = std::min_element(
      entries_.begin(), entries_.end(),
      [](const auto& a, const auto& b) { return a.second.expires < b.second.expires; });
  entries_.erase(oldest);
}

void DnsCache::eraseIf(const std::function<bool(const std::string&)>& drop) {
  std::erase_if(entries_, [&drop](const auto& e) { return drop(e.first); });
}

void DnsCache::cancel() {
  cancelled_ = true;
  resolver_.cancel();
}

}  // namespace gw::sip
