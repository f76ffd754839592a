#pragma once
// Store -> sip::Directory. The write path (write_path.hpp) calls publishAfter() after every
// committed change of agents or providers, before the HTTP response is written, so SIP
// workers see the change on their next message. The services get it const: they may look
// hosts up and read the directory, not publish it.
//
// An agent's URI becomes host, port and transport by sip::uriTarget(), as the proxy reads
// it. Hosts that are not IP literals are resolved by a sip::DnsCache on the control thread
// (never blocking it); publish() uses the last answer for each host. refresh()
// re-resolves every agent host and publishes.
#include <chrono>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>

#include "sip/cidr.hpp"
#include "sip/directory.hpp"
#include "sip/dns_cache.hpp"
#include "store/records.hpp"

namespace gw::store {
class Store;
}

namespace gw::admin {

class DirectorySync {
 public:
  DirectorySync(boost::asio::io_context& io, store::Store& store, sip::DirectoryHolder& holder,
                std::vector<sip::Cidr> trusted);

  // Builds the directory from the store (one read transaction) and the cached host
  // resolutions, and publishes it. Synchronous; cheap for thousands of agents. Called after
  // a commit, so it never throws: a failure is logged and the previous directory stays.
  void publish() noexcept;
  // Resolves the hosts of `changed` agents that are not IP literals and not cached yet,
  // then publishes.
  boost::asio::awaitable<void> publishAfter(const std::vector<store::Agent>& changed);
  // The addresses of `host`: itself if an IP literal, else the cached or a new resolution
  // (cached, so the resolveAndPublish() that follows a commit does not ask again). Empty
  // when it does not resolve.
  boost::asio::awaitable<std::vector<boost::asio::ip::address>> addressesOf(
      std::string host) const;
  // Re-resolves every agent host, then publishes (start-up and periodic refresh). Never
  // throws: a failure is logged and the previous directory stays.
  boost::asio::awaitable<void> refresh();
  // refresh() every `interval` until the io_context stops (DNS answers change).
  boost::asio::awaitable<void> refreshEvery(std::chrono::seconds interval);

  const sip::DirectoryHolder& holder() const { return holder_; }
  const std::vector<sip::Cidr>& trusted() const { return trusted_; }

 private:
  void build();  // publish() without the catch
  boost::asio::awaitable<std::vector<boost::asio::ip::address>> resolve(std::string host) const;

  boost::asio::io_context& io_;
  store::Store& store_;
  sip::DirectoryHolder& holder_;
  std::vector<sip::Cidr> trusted_;
  mutable sip::DnsCache dns_;  // a cache: looking a host up is not a change
};

}  // namespace gw::admin
