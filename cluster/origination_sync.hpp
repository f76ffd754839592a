#pragma once
// The leader's work on the trunks: every provider's Twilio trunk gets an origination URL for
// each live node's public SIP URI, and loses the URLs of nodes gone longer than the grace
// period, except a trunk's last URL. URLs that are neither are somebody else's and stay.
//
// Control thread only.
#include <chrono>
#include <set>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "common/log_throttle.hpp"

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

// What the leader remembers from round to round, so that a state that lasts is logged once
// and Twilio failures at most once a minute (the Twilio client logs each failure too).
struct OriginationSyncLog {
  std::set<std::string> keptLast;  // "<trunk> <url>": a gone node's URL kept as the last
  log::Throttle failures{std::chrono::minutes(1)};
};

// Brings every provider's trunk in line with `liveUris` (added when missing) and
// `expiredUris` (removed unless the trunk would be left without a URL). A URI in both sets
// counts as live.
boost::asio::awaitable<OriginationSyncResult> syncOriginationUrls(
    const store::Store& store, twilio::Api& twilio, const std::set<std::string>& liveUris,
    const std::set<std::string>& expiredUris, OriginationSyncLog& logState);

}  // namespace gw::cluster
