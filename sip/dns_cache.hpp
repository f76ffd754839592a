#pragma once
// Host name -> addresses, filled by Asio's asynchronous resolver: the one DNS cache of the
// gateway. Each SIP worker owns one (it resolves the hosts peers name in Via, Route and
// termination URIs) and the directory of agents owns one on the control thread (agent
// hosts). An instance belongs to the thread that runs its io_context and is only touched
// there: no locks.
//
// find() never blocks and never allocates, so the SIP hot path asks it on every message;
// resolve() hands the name to the resolver (getaddrinfo on Asio's own thread) and calls
// back on the io_context thread. Answers live `ttl`, "does not resolve" `negativeTtl`; the
// cache holds at most `maxEntries` hosts (peers choose names: it must not grow without
// bound) and at most `maxInFlight` lookups run at once.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/asio/async_result.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/udp.hpp>

namespace gw::sip {

class DnsCache {
 public:
  using Clock = std::chrono::steady_clock;
  using Addresses = std::vector<boost::asio::ip::address>;

  struct Options {
    std::chrono::seconds ttl{60};
    std::chrono::seconds negativeTtl{10};
    size_t maxEntries = 4096;
    size_t maxInFlight = 64;
    // A DNS server that does not answer: the caller hears timed_out after this (getaddrinfo
    // cannot be interrupted; its late answer is still cached).
    std::chrono::milliseconds timeout{5000};
  };

  struct Entry {
    Addresses addresses;  // unique, sorted (IPv4 first); empty: the name does not resolve
    Clock::time_point expires;
  };

  // The lookup's error (a resolver error, timed_out, operation_aborted after cancel(), or
  // no_buffer_space at maxInFlight) and the addresses (empty on any error).
  using Done = std::function<void(const boost::system::error_code&, const Addresses&)>;

  DnsCache(boost::asio::io_context& io, Options options);
  DnsCache(const DnsCache&) = delete;
  DnsCache& operator=(const DnsCache&) = delete;

  // The answer for `host` (positive or negative) if it has not expired, else nullptr.
  const Entry* find(std::string_view host, Clock::time_point now) const;
  // The last answer for `host` whatever its age, else nullptr: the directory keeps using
  // an agent's addresses between two refreshes.
  const Entry* last(std::string_view host) const;

  // Whether resolve() would be refused now (maxInFlight lookups running, or cancelled).
  bool busy() const { return cancelled_ || inFlight_ >= options_.maxInFlight; }
  // Resolves `host` and caches the answer. `done` runs on the io_context thread, never
  // inside this call.
  void resolve(std::string host, Done done);
  // resolve() for any Asio completion token, with signature void(error_code, Addresses);
  // e.g. co_await asyncResolve(host, redirect_error(use_awaitable, ec)).
  template <typename Token>
  auto asyncResolve(std::string host, Token&& token);

  // Records an answer (resolve() does; tests too). An empty `addresses` is a negative one.
  void put(std::string_view host, Addresses addresses, Clock::time_point now);
  // Forgets every host for which `drop(host)` is true.
  void eraseIf(const std::function<bool(const std::string&)>& drop);
  // Shutting down: running lookups complete with operation_aborted, new ones are refused.
  void cancel();

  size_t size() const { return entries_.size(); }
  size_t inFlight() const { return inFlight_; }

 private:
  struct Lookup;
  // Heterogeneous lookup: a cache hit needs no std::string of the host.
  struct HostHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  void finish(const std::shared_ptr<Lookup>& lookup, const boost::system::error_code& ec,
              const boost::asio::ip::udp::resolver::results_type& results);
  void makeRoom(Clock::time_point now);

  boost::asio::io_context& io_;
  Options options_;
  boost::asio::ip::udp::resolver resolver_;
  std::unordered_map<std::string, Entry, HostHash, std::equal_to<>> entries_;
  size_t inFlight_ = 0;
  bool cancelled_ = false;
};

template <typename Token>
auto DnsCache::asyncResolve(std::string host, Token&& token) {
  return boost::asio::async_initiate<Token, void(boost::system::error_code, Addresses)>(
      [this](auto handler, std::string name) {
        // Done must be copyable; Asio's handlers are move-only.
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        resolve(std::move(name),
                [shared](const boost::system::error_code& ec, const Addresses& addresses) {
                  (*shared)(ec, addresses);
                });
      },
      token, std::move(host));
}

}  // namespace gw::sip
