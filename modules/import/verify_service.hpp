#pragma once
// Provider verification, credential rotation and drift repair, without HTTP.
//
// A verification asks Twilio whether the provider still works as stored: the credentials
// are accepted, the trunk exists, one of its enabled origination URLs points at this
// gateway's public SIP URI, and every imported number is still on the provider's trunk.
// Its result (status, time, one issue per problem) is stored per provider
// (store::Verification) and shown with the provider everywhere it is rendered:
//   verified  nothing wrong
//   warning   calls may miss some numbers or the gateway: origination URL missing, numbers
//             detached, released, moved to another trunk, or on the trunk but not imported
//   failed    the credentials are refused or the trunk is gone
//   pending   not verified since the credentials changed (Twilio could not be asked)
// A verification that cannot reach Twilio stores nothing: the last result stands.
//
// Control thread only. Every change goes through ctx.writes.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "modules/admin/context.hpp"
#include "modules/admin/domain_error.hpp"
#include "modules/import/provider_service.hpp"
#include "store/records.hpp"
#include "twilio/api.hpp"

namespace gw::import {

// Verification statuses.
inline constexpr char kVerified[] = "verified";
inline constexpr char kWarning[] = "warning";
inline constexpr char kFailed[] = "failed";
inline constexpr char kPending[] = "pending";

// Issue codes (store::VerificationIssue::code).
inline constexpr char kCredentialsRejected[] = "credentials_rejected";
inline constexpr char kTrunkMissing[] = "trunk_missing";
inline constexpr char kOriginationUrlMissing[] = "origination_url_missing";
inline constexpr char kNumberDetached[] = "number_detached";
inline constexpr char kNumberReleased[] = "number_released";
inline constexpr char kNumberMoved[] = "number_moved";
inline constexpr char kNumberNotImported[] = "number_not_imported";

// What a reconcile did about one number a verification reported.
struct ReconcileItem {
  std::string phoneNumberSid;
  std::string phoneNumberId;  // empty for a number that was not imported
  std::string code;           // the issue code the verification found
  std::string action;         // "reattached", or "none" when the operator must act
  std::string message;        // why, and what the operator can do
};

struct ReconcileReport {
  std::vector<ReconcileItem> items;
  ProviderView provider;  // after the verification that follows the repair
};

class VerifyService {
 public:
  explicit VerifyService(admin::Context& ctx) : ctx_(ctx) {}

  // ProviderService::find(): every route that names a provider looks it up so.
  admin::Result<store::Provider> find(const std::string& orgId, const std::string& id) const;

  // Stores `authToken` once Twilio accepted it (the account fetched with it), then verifies
  // the provider with it. kRejected when Twilio refuses it (nothing changed), kUpstream when
  // Twilio cannot be asked (nothing changed), ProviderService::find()'s errors.
  boost::asio::awaitable<admin::Result<ProviderView>> rotateToken(const std::string& orgId,
                                                                  const std::string& id,
                                                                  std::string authToken,
                                                                  const std::string& requestId);

  // Verifies the provider now and stores the result. kUpstream when Twilio cannot be asked
  // (the last result stands), ProviderService::find()'s errors.
  boost::asio::awaitable<admin::Result<ProviderView>> verify(const std::string& orgId,
                                                             const std::string& id,
                                                             const std::string& requestId);

  // Verifies, re-attaches to the provider's trunk the imported numbers that are on no trunk
  // and still in the account, reports what it cannot repair per number, and verifies again.
  // verify()'s errors; kRejected when the credentials or the trunk fail (nothing to repair
  // with).
  boost::asio::awaitable<admin::Result<ReconcileReport>> reconcile(const std::string& orgId,
                                                                   const std::string& id,
                                                                   const std::string& requestId);

  // Verifies stored provider `id` of any org, if it still exists (the periodic run). false
  // when Twilio could not be asked.
  boost::asio::awaitable<bool> verifyStored(const std::string& id);

  // Which of `sids`, imported by `provider` and on no trunk in Twilio, were re-attached to
  // its trunk (import-numbers of numbers found "Already imported"). Twilio failures leave
  // a SID out. The provider's stored verification forgets the re-attached numbers.
  boost::asio::awaitable<std::vector<std::string>> reattachDetached(
      const store::Provider& provider, const std::vector<std::string>& sids,
      const std::string& requestId);

  const admin::Context& context() const { return ctx_; }

 private:
  // Asks Twilio; the result is not stored. kUpstream when Twilio cannot be asked.
  boost::asio::awaitable<admin::Result<store::Verification>> inspect(const store::Provider& p,
                                                                     const std::string& requestId);
  // Stores `v` (unless the provider was deleted meanwhile) and answers the provider.
  boost::asio::awaitable<admin::Result<ProviderView>> record(const store::Provider& p,
                                                             store::Verification v);
  boost::asio::awaitable<admin::Result<ProviderView>> verifyProvider(const store::Provider& p,
                                                                     const std::string& requestId);
  boost::asio::awaitable<ReconcileItem> repair(const store::Provider& p,
                                               const store::VerificationIssue& issue,
                                               const std::string& requestId);

  admin::Context& ctx_;
};

// An import's numbers refused as "Already imported" by `provider` that are on no trunk in
// Twilio are re-attached to its trunk (VerifyService::reattachDetached) and move from the
// outcome's errors to its successCount.
boost::asio::awaitable<void> reattachReimported(VerifyService& verify,
                                                const store::Provider& provider,
                                                ImportOutcome& outcome,
                                                const std::string& requestId);

}  // namespace gw::import
