#pragma once
// ImportService's inside, shared by import_service.cpp and import_pipeline.cpp (no other file
// includes it): the state of each requested SID, and the pipeline of one import that looks
// the numbers up and attaches them as they are found. Control thread only.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "async/queue.hpp"
#include "modules/import/import_service.hpp"
#include "store/store.hpp"
#include "twilio/api.hpp"

namespace gw::import {

inline constexpr char kProviderDeleted[] = "Provider was deleted during the import";

// Why `sid` (or, when given, its E.164 number) cannot be imported for `provider` because
// of what is stored; nullopt when nothing stands in the way.
std::optional<std::string> conflictOf(const store::Store& db, const store::ReadView& txn,
                                      const store::Provider& provider, const std::string& sid,
                                      const std::string& e164);

struct ImportService::Slot {
  std::string sid;
  std::optional<std::string> error;  // set once the SID has failed
  std::optional<twilio::IncomingNumber> number;
  bool onTrunk = false;     // on this provider's trunk: attached now, or found there
  bool journaled = false;   // in the attachment journal: this import attaches it
  bool attachSent = false;  // its attach request went out (it may be on the trunk)
  bool stored = false;
};

// Looks the SIDs of `pending` up and attaches the numbers as they are found: one finder
// (listing the account or fetching each SID) feeds `width` attachers through a queue, each
// batch of found numbers journaled before its attach requests go out. An auth failure or a
// halt (deadline, open circuit breaker) stops everything; what it was is kept for settle().
class ImportService::Pipeline {
 public:
  Pipeline(ImportService& svc, const store::Provider& provider,
           std::chrono::steady_clock::time_point deadline, const std::string& requestId,
           const std::vector<Slot*>& pending, ImportOutcome& out,
           const boost::asio::any_io_executor& ex);

  // Completes once every SID is found, refused or failed, and every attachment answered.
  boost::asio::awaitable<void> run();

  const std::optional<twilio::TwilioError>& authFailure() const { return authFailure_; }
  const std::optional<twilio::TwilioError>& halt() const { return halt_; }

 private:
  using Wanted = std::unordered_map<std::string_view, Slot*>;

  bool stopped() const { return authFailure_.has_value() || halt_.has_value(); }
  // Auth failures and halts end the whole import; true when `e` was one.
  bool stopsAll(const twilio::TwilioError& e);
  void admit(const store::ReadView& txn, Slot* s, std::vector<Slot*>& batch) const;
  void journalAndQueue(const std::vector<Slot*>& batch);

  boost::asio::awaitable<void> find();
  // Lists the account; the SIDs left to fetch one by one (none once the import stopped).
  boost::asio::awaitable<std::vector<Slot*>> listAccount();
  // One page of the listing: its wanted numbers admitted and queued; false to stop listing.
  bool takePage(std::vector<twilio::IncomingNumber>& page, Wanted& wanted);
  boost::asio::awaitable<void> fetchEach(const std::vector<Slot*>& unresolved);
  boost::asio::awaitable<void> fetchOne(Slot* s, std::vector<Slot*>& batch);
  boost::asio::awaitable<void> attachFound();

  ImportService& svc_;
  const store::Provider& provider_;
  twilio::Credentials creds_;
  const size_t width_;  // attachers, and fetches in flight
  const std::vector<Slot*>& pending_;
  ImportOutcome& out_;
  async::AsyncQueue<Slot*> toAttach_;
  std::optional<twilio::TwilioError> authFailure_;
  // The deadline passed or the account's circuit breaker opened: nothing more is sent.
  std::optional<twilio::TwilioError> halt_;
};

}  // namespace gw::import
