#pragma once
// The leader's work on the trunks: every provider's Twilio trunk gets an origination URL for
// each live node's public SIP URI, and loses the URLs of nodes gone longer than the grace
// period, except a trunk's last URL. URLs that are neither are somebody else's and stay.
//
// Control thread only.
#include <set>
#include <string>

#include <boost/asio/awaitable.hpp>

namespace gw::store {
class Store;
}
namespace gw::twilio {
class Api;
}

namespace gw::cluster {

struct OriginationSyncResult {
  size_t trunks = 0;   // providers with a trunk
  size_t added = 0;    // URLs created
  size_t removed = 0;  // URLs deleted
  size_t failed = 0;   // trunks where a Twilio call failed (tried again next round)
  bool complete() const { return failed == 0; }
};

// Brings every provider's trunk in line with `liveUris` (added when missing) and
// `expiredUris` (removed unless the trunk would be left without a URL). A URI in both sets
// counts as live.
boost::asio::awaitable<OriginationSyncResult> syncOriginationUrls(
    const store::Store& store, twilio::Api& twilio, const std::set<std::string>& liveUris,
    const std::set<std::string>& expiredUris);

}  // namespace gw::cluster
