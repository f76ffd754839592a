#pragma once
// The import of Twilio numbers into a provider, number by number, in request order:
// duplicates in the request, already imported, lookup in the Twilio account, trunk
// attachment, then one LMDB write transaction for the whole batch and one routing-table
// update, before the caller answers.
#include <utility>  // before Asio's coroutine headers (Boost 1.74 + GCC 12)

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "modules/import/module_context.hpp"
#include "modules/import/twilio_client.hpp"
#include "store/records.hpp"

namespace gw::import {

class Event;

struct ImportFailure {
  std::string phoneNumberSid;
  std::string errorMessage;
};

struct ImportOutcome {
  size_t successCount = 0;
  std::vector<ImportFailure> errors;  // request order
  // Set when Twilio rejected the credentials before any number reached the trunk: nothing
  // was imported. (A rejection after some did fails only the SIDs not on the trunk yet.)
  std::optional<twilio::TwilioError> credentialsRejected;
  std::vector<store::PhoneNumber> imported;
  size_t twilioLookups = 0;  // requests spent finding numbers (pages + single fetches)
};

struct ImportOptions {
  // From this many SIDs to look up on, the account is listed (1000 numbers a request)
  // instead of fetching each SID; see lookUp() for the page budget.
  size_t listThreshold = 20;
  // An import answers by then whatever Twilio does: lookups and attachments still pending
  // fail with the reason, what is on the trunk is imported, and the claims are released.
  // 10,000 SIDs at Twilio's usual latency take a few minutes; this leaves ample room.
  std::chrono::milliseconds deadline{std::chrono::minutes(30)};
};

class ImportService {
 public:
  explicit ImportService(ModuleContext& ctx, ImportOptions options = {});
  ~ImportService();

  boost::asio::awaitable<ImportOutcome> run(const store::Provider& provider,
                                            const std::vector<std::string>& sids);

 private:
  struct Slot;
  class Claims;

  // Leaves in `pending` the SIDs found in the account and on this provider's trunk;
  // false when Twilio rejected the credentials before any number was on the trunk.
  boost::asio::awaitable<bool> findAndAttach(const store::Provider& provider,
                                             std::chrono::steady_clock::time_point deadline,
                                             std::vector<Slot*>& pending, ImportOutcome& out);
  // What a SID not yet on the trunk says when Twilio stopped the import (`why` is neither
  // an auth failure nor a per-request error).
  std::string haltMessage(const store::Provider& provider, const twilio::TwilioError& why) const;

  ModuleContext& ctx_;
  ImportOptions options_;
  // SIDs some running import is working on: a second import of the same SID waits for the
  // first to finish and then sees it as already imported (or tries itself if it failed).
  std::unordered_map<std::string, std::shared_ptr<Event>> inFlight_;
};

}  // namespace gw::import
