#pragma once
// The import of Twilio numbers into a provider, number by number, in request order:
// duplicates in the request, already imported, lookup in the Twilio account, trunk
// attachment, then one LMDB write transaction for the whole batch and one routing-table
// update, before the caller answers.
//
// Every number the import attaches is first written to the attachment journal (one write
// transaction per batch of found numbers, before their attach requests go out) and leaves
// it in the transaction that stores it. What an import attached and could not store (a
// failed commit, its provider being deleted) is detached again before it answers; what a
// crash or an unreachable Twilio leaves in the journal is swept by sweepJournal() at
// start-up and retried with back-off until the trunk and the store agree. Everything runs
// on the control thread.
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "modules/admin/context.hpp"
#include "modules/admin/domain_error.hpp"
#include "store/records.hpp"
#include "twilio/api.hpp"

namespace gw::async {
class Event;
}  // namespace gw::async

namespace gw::import {

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
  // The store::StoreFullError of a write refused for lack of space (journal or numbers),
  // after what the import attached was detached again. With nothing imported, the API
  // answers it as it answers every full-store write (507).
  std::exception_ptr storeFull;  // the store refused the numbers: full, or unreachable
};

struct ImportOptions {
  // From this many SIDs to look up on, the account is listed (1000 numbers a request)
  // instead of fetching each SID; see lookUp() for the page budget.
  size_t listThreshold = 20;
  // An import answers by then whatever Twilio does: lookups and attachments still pending
  // fail with the reason, what is on the trunk is imported, and the claims are released.
  // 10,000 SIDs at Twilio's usual latency take a few minutes; this leaves ample room.
  std::chrono::milliseconds deadline{std::chrono::minutes(30)};
  // How long past the deadline the import may spend taking back what it attached and did
  // not store (attachments the deadline cut short). What Twilio has not confirmed by then
  // stays in the attachment journal, and the sweep detaches it after the answer.
  std::chrono::milliseconds undoWindow{std::chrono::seconds(2)};
};

// Called inside the commit that stores a run's numbers (and only then), with what became of
// each requested SID, in request order: nullopt when imported, else why not. An import job
// adds its progress to the same change, so a crash cannot separate the two.
using RecordFates = std::function<void(const store::ReadView& view, admin::ChangeSet& change,
                                       const std::vector<std::optional<std::string>>& fates)>;

class ImportMetrics;
class ImportService;

// Held by a provider delete: while it lives, that provider's running imports stop attaching,
// detach what they attached and finish, and new imports of it import nothing.
class ImportsStopped {
 public:
  ImportsStopped(ImportsStopped&& other) noexcept;
  ImportsStopped& operator=(ImportsStopped&&) = delete;
  ~ImportsStopped();

 private:
  friend class ImportService;
  ImportsStopped(ImportService* svc, std::string providerId)
      : svc_(svc), providerId_(std::move(providerId)) {}
  ImportService* svc_;
  std::string providerId_;
};

// What one sweep of a provider's journal did.
struct SweepOutcome {
  size_t detached = 0;  // confirmed off the trunk (a 404 counts), entry removed
  size_t stored = 0;    // stored after all, entry removed
  size_t left = 0;      // Twilio could not confirm: the entry stays for the next sweep
  std::optional<twilio::TwilioError> failure;  // the first failure, when left > 0
};

class ImportService {
 public:
  // `metrics`, when given, counts each import answered by importNumbers().
  explicit ImportService(admin::Context& ctx, ImportOptions options = {},
                         ImportMetrics* metrics = nullptr);
  ~ImportService();

  // The provider `id` of `org` that an import goes into: kInvalid ("id") when `id` is not a
  // UUID, kNotFound when `org` has no such provider.
  admin::Result<store::Provider> provider(const std::string& org, const std::string& id) const;

  // run(), as the admin API answers it: counted in the metrics; kUpstream when Twilio
  // rejected the credentials before any number reached the trunk (nothing was imported).
  // When the store was full and nothing was imported, the store::StoreFullError is thrown,
  // as every full-store write throws it. Per-SID failures stay in the outcome.
  boost::asio::awaitable<admin::Result<ImportOutcome>> importNumbers(
      const store::Provider& provider, const std::vector<std::string>& sids,
      const std::string& requestId = {});

  // `requestId` is the admin request's, for the Twilio failure log lines. `record`, when
  // given, adds to the commit that stores the numbers (see RecordFates).
  boost::asio::awaitable<ImportOutcome> run(const store::Provider& provider,
                                            const std::vector<std::string>& sids,
                                            const std::string& requestId = {},
                                            const RecordFates* record = nullptr);

  // Completes once no import of the provider runs any more (each running one notices,
  // stops attaching and detaches what it attached); see ImportsStopped.
  boost::asio::awaitable<ImportsStopped> stopImports(const std::string& providerId);

  // Detaches from the provider's trunk every journaled SID that is not stored, and removes
  // the entries of those confirmed detached or stored. Waits for any import working on the
  // same SIDs first.
  boost::asio::awaitable<SweepOutcome> sweepJournal(const store::Provider& provider);
  // Starts, unless one is running, a background sweep of every provider's journal that
  // repeats with back-off (1 s doubling to 5 min) until the journal is empty. Called at
  // start-up and whenever an import leaves entries behind.
  void startSweeper();

 private:
  friend class ImportsStopped;
  struct Slot;
  class Claims;
  class Running;
  class Pipeline;  // one import's lookups and attachments (import_pipeline.hpp)
  struct Activity {
    size_t running = 0;                  // imports of the provider under way
    size_t stoppers = 0;                 // ImportsStopped alive for it
    std::shared_ptr<async::Event> idle;  // set when `running` drops to 0
  };

  bool stopping(const std::string& providerId) const;
  void releaseActivity(const std::string& providerId);

  // Step 1 of run(): fills `slots` from `sids`; the SIDs that go on (a repeat in the request
  // fails as a duplicate).
  static std::vector<Slot*> firstOfEach(const std::vector<std::string>& sids,
                                        std::vector<Slot>& slots);
  // Claims the SIDs of `pending` in SID order; those another import still holds at
  // `deadline` fail and leave `pending`.
  boost::asio::awaitable<void> claimAll(const store::Provider& provider, Claims& claims,
                                        std::chrono::steady_clock::time_point deadline,
                                        std::vector<Slot*>& pending) const;
  // Step 2 of run(): the SIDs already imported (by this provider or another), or all of
  // them when the provider is being deleted, fail and leave `pending`.
  void dropImported(const store::Provider& provider, std::vector<Slot*>& pending) const;
  // The answer of a run that got to the store: every slot counted or reported, in request
  // order, and the line that sums the import up.
  static void summarize(const store::Provider& provider, const std::vector<Slot>& slots,
                        std::vector<store::PhoneNumber> records, ImportOutcome& out);
  // What became of each slot once the numbers of `refused` are refused and the others stored.
  static std::vector<std::optional<std::string>> fatesOf(
      const std::vector<Slot>& slots, const std::vector<std::pair<Slot*, std::string>>& refused);
  // The commit of step 5 (store, then routing table): the stored numbers; on a store
  // failure none, and every SID of `pending` carries the reason.
  boost::asio::awaitable<std::vector<store::PhoneNumber>> storeAttached(
      const store::Provider& provider, const std::vector<Slot>& slots, std::vector<Slot*>& pending,
      const RecordFates* record, ImportOutcome& out);
  // After the lookups and attachments: what is on the trunk goes on to be stored, the rest
  // of `pending` fails with the reason the import stopped (credentials refused, deadline,
  // breaker). False when Twilio refused the credentials before any number was on the trunk.
  bool settle(const store::Provider& provider,
              const std::optional<twilio::TwilioError>& authFailure,
              const std::optional<twilio::TwilioError>& halt, std::vector<Slot*>& pending,
              ImportOutcome& out) const;
  void keepOthersNumbers(const store::Provider& provider,
                         const std::vector<std::pair<Slot*, std::string>>& refused);
  // Detaches the journaled slots that were not stored and removes their entries once
  // Twilio confirmed; what it could not confirm by the import's deadline, or within
  // options_.undoWindow once that has passed, stays for the sweeper.
  boost::asio::awaitable<void> undoUnstored(const store::Provider& provider,
                                            std::vector<Slot>& slots,
                                            std::chrono::steady_clock::time_point deadline);
  // Detaches `sids` (a 404 counts as detached), each request ending by `deadline`; the SIDs
  // confirmed off the trunk.
  boost::asio::awaitable<std::vector<std::string>> detachAll(
      const store::Provider& provider, const std::vector<std::string>& sids,
      std::optional<twilio::TwilioError>& firstFailure,
      std::chrono::steady_clock::time_point deadline =
          std::chrono::steady_clock::time_point::max());
  // Removes the provider's entries for `sids` in one write transaction; false (logged) when
  // the store refused, which leaves them for the next sweep.
  bool unjournal(const std::string& providerId, const std::vector<std::string>& sids);
  boost::asio::awaitable<void> sweepUntilClean();

  // Leaves in `pending` the SIDs found in the account and on this provider's trunk;
  // false when Twilio rejected the credentials before any number was on the trunk.
  boost::asio::awaitable<bool> findAndAttach(const store::Provider& provider,
                                             std::chrono::steady_clock::time_point deadline,
                                             const std::string& requestId,
                                             std::vector<Slot*>& pending, ImportOutcome& out);
  // What a SID not yet on the trunk says when Twilio stopped the import (`why` is neither
  // an auth failure nor a per-request error).
  std::string haltMessage(const store::Provider& provider, const twilio::TwilioError& why) const;

  admin::Context& ctx_;
  ImportOptions options_;
  ImportMetrics* metrics_;
  // SIDs some running import is working on: a second import of the same SID waits for the
  // first to finish and then sees it as already imported (or tries itself if it failed).
  std::unordered_map<std::string, std::shared_ptr<async::Event>> inFlight_;
  std::unordered_map<std::string, Activity> activity_;  // by provider id
  bool sweeping_ = false;
};

}  // namespace gw::import
