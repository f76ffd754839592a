#include "cluster/origination_sync.hpp"

#include <vector>

#include "common/log.hpp"
#include "store/store.hpp"
#include "twilio/api.hpp"

namespace gw::cluster {

using boost::asio::awaitable;

namespace {

constexpr std::string_view kLog = "cluster";

// Twilio's limit on an origination URL's friendly name.
constexpr size_t kMaxFriendlyName = 64;

std::string friendlyNameFor(const std::string& sipUri) {
  std::string name = "gateway " + sipUri;
  if (name.size() > kMaxFriendlyName) name.resize(kMaxFriendlyName);
  return name;
}

}  // namespace

awaitable<OriginationSyncResult> syncOriginationUrls(const store::Store& store, twilio::Api& twilio,
                                                     const std::set<std::string>& liveUris,
                                                     const std::set<std::string>& expiredUris,
                                                     OriginationSyncLog& logState) {
  uint64_t suppressed = 0;
  // Whether a failure may be logged now.
  auto mayLog = [&] { return logState.failures.allow(suppressed); };
  std::vector<store::Provider> providers;
  {
    auto txn = store.read();
    providers = store.listAllProviders(txn);
  }
  OriginationSyncResult result;
  for (const auto& p : providers) {
    if (p.trunkSid.empty()) continue;
    ++result.trunks;
    // The provider's own credentials; the trunk is in its account.
    twilio::Credentials c{p.accountSid, p.authToken};
    auto listed = co_await twilio.listOriginationUrls(c, p.trunkSid);
    if (!listed) {
      if (mayLog()) {
        log::warn(kLog, "provider ", p.id, ": the origination URLs of trunk ", p.trunkSid,
                  " could not be listed: ", listed.error().describe(), " (", suppressed,
                  " similar failures not logged)");
      }
      ++result.failed;
      continue;
    }
    std::vector<twilio::OriginationUrl> urls = std::move(*listed);
    bool trunkFailed = false;
    for (const auto& uri : liveUris) {
      bool present = false;
      for (const auto& u : urls) present = present || u.sipUrl == uri;
      if (present) continue;
      auto made = co_await twilio.createOriginationUrl(c, p.trunkSid, uri, friendlyNameFor(uri));
      if (!made) {
        if (mayLog()) {
          log::warn(kLog, "provider ", p.id, ": no origination URL ", uri,
                    " could be added to trunk ", p.trunkSid, ": ", made.error().describe(), " (",
                    suppressed, " similar failures not logged)");
        }
        trunkFailed = true;
        continue;
      }
      log::info(kLog, "provider ", p.id, ": origination URL ", uri, " added to trunk ", p.trunkSid,
                " (", *made, ")");
      urls.push_back(twilio::OriginationUrl{*made, uri, true});
      ++result.added;
    }
    for (size_t i = 0; i < urls.size();) {
      const auto& u = urls[i];
      if (!expiredUris.count(u.sipUrl) || liveUris.count(u.sipUrl)) {
        ++i;
        continue;
      }
      if (urls.size() == 1) {
        if (logState.keptLast.insert(p.trunkSid + " " + u.sipUrl).second) {
          log::warn(kLog, "provider ", p.id, ": origination URL ", u.sipUrl, " of trunk ",
                    p.trunkSid, " belongs to a node that is gone but is the trunk's last; kept");
        }
        break;
      }
      auto gone = co_await twilio.deleteOriginationUrl(c, p.trunkSid, u.sid);
      if (!gone) {
        if (mayLog()) {
          log::warn(kLog, "provider ", p.id, ": origination URL ", u.sipUrl,
                    " could not be removed from trunk ", p.trunkSid, ": ", gone.error().describe(),
                    " (", suppressed, " similar failures not logged)");
        }
        trunkFailed = true;
        ++i;
        continue;
      }
      log::info(kLog, "provider ", p.id, ": origination URL ", u.sipUrl, " (", u.sid,
                ") of a node gone past the grace period removed from trunk ", p.trunkSid);
      urls.erase(urls.begin() + static_cast<std::ptrdiff_t>(i));
      ++result.removed;
    }
    if (trunkFailed) ++result.failed;
  }
  co_return result;
}

}  // namespace gw::cluster
