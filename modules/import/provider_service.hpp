#pragma once
// Twilio providers as a domain service, without HTTP: create (credentials checked, trunk
// adopted or created), read, list, update (name, region, call transfer, allowed source
// addresses), delete (running imports stopped first, numbers and journaled attachments
// detached, trunk removed when the gateway created it; refused while agents use its numbers
// unless forced), and the account's available numbers. Every change goes through
// ctx.writes, so it is stored, routed and published to the SIP directory before a method
// returns. Refusals and Twilio failures come back as admin::DomainError.
//
// Control thread only. The caller's org comes in as `orgId`: another org's provider is
// indistinguishable from a missing one.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "modules/admin/context.hpp"
#include "modules/admin/domain_error.hpp"
#include "modules/import/import_service.hpp"
#include "store/records.hpp"
#include "twilio/api.hpp"

namespace gw::store {
class Store;
}

namespace gw::import {

class ImportJobService;

// The longest provider name, in characters: longer Twilio friendly names are cut to it.
inline constexpr size_t kMaxProviderNameLength = 100;

// A provider to create, its fields already checked by the caller (the API's field rules).
struct ProviderDraft {
  std::string accountSid;
  std::string authToken;
  std::optional<std::string> name;      // nullopt: the Twilio account's friendly name
  std::string region;                   // "" when not sent
  std::optional<std::string> trunkSid;  // adopt this trunk; nullopt: create one
  bool supportsCallTransfer = false;
  std::optional<std::vector<std::string>> allowedAddresses;  // nullopt: the defaults
};

// What an update changes; a member left empty keeps its stored value.
struct ProviderChanges {
  std::optional<std::string> name;
  std::optional<std::string> region;
  std::optional<bool> supportsCallTransfer;
  std::optional<std::vector<std::string>> allowedAddresses;
};

// A provider with how many numbers it has imported and its latest verification (none
// before the first one).
struct ProviderView {
  store::Provider provider;
  uint64_t phoneNumberCount = 0;
  std::optional<store::Verification> verification;
};

// The provider with its number count and latest verification, read from `view`.
ProviderView providerViewOf(const store::Store& store, const store::ReadView& view,
                            store::Provider p);

// A number of the provider's Twilio account, with the stored number of the same SID when
// the caller's org imported it.
struct AvailableNumber {
  twilio::IncomingNumber number;
  std::optional<store::PhoneNumber> imported;
};

class ProviderService {
 public:
  // `jobs`, when given, are failed for a provider's delete before its imports are stopped.
  ProviderService(admin::Context& ctx, ImportService& imports, ImportJobService* jobs = nullptr)
      : ctx_(ctx), imports_(imports), jobs_(jobs) {}

  // kConflict when the org has a provider for the account already (checked before and
  // after Twilio is asked), kRejected when Twilio refuses the credentials, kInvalid (field
  // trunkSid) when the trunk to adopt does not exist, kUpstream when Twilio fails. A trunk
  // created here is deleted again when the provider is not stored.
  boost::asio::awaitable<admin::Result<store::Provider>> create(const std::string& orgId,
                                                                ProviderDraft draft,
                                                                const std::string& requestId);

  // The provider `id` of org `orgId`: kInvalid (field "id") unless `id` is a UUID, kNotFound
  // when that org has no such provider. Every route that names a provider looks it up so.
  // (ownProvider(), which the number and import services use too.)
  admin::Result<store::Provider> find(const std::string& orgId, const std::string& id) const;
  // The org's providers, each with its number count.
  // The org's providers [skip, skip + take) in creation order, each with its number count,
  // and how many the org has.
  struct Page {
    std::vector<ProviderView> items;
    uint64_t totalCount = 0;
  };
  Page list(const std::string& orgId, uint64_t skip, uint64_t take) const;
  // find() with its number count.
  admin::Result<ProviderView> get(const std::string& orgId, const std::string& id) const;

  // find()'s errors, or kNotFound when the provider was deleted meanwhile.
  boost::asio::awaitable<admin::Result<ProviderView>> update(const std::string& orgId,
                                                             const std::string& id,
                                                             ProviderChanges changes);

  // find()'s errors; kConflict (affectedAgents) while agents use its numbers unless
  // `force`, which clears those uses; kUpstream when Twilio fails to clean up (then nothing
  // is removed locally). Revoked credentials do not stop the delete.
  boost::asio::awaitable<admin::Result<void>> remove(const std::string& orgId,
                                                     const std::string& id, bool force,
                                                     const std::string& requestId);

  // Every number of the provider's account, as Twilio lists it. find()'s errors, or
  // kUpstream when Twilio fails.
  boost::asio::awaitable<admin::Result<std::vector<AvailableNumber>>> availableNumbers(
      const std::string& orgId, const std::string& id, const std::string& requestId);

 private:
  admin::Context& ctx_;
  ImportService& imports_;  // a delete stops the provider's imports first
  ImportJobService* jobs_;
};

}  // namespace gw::import
