#pragma once
// Imported numbers without HTTP: list with filters and paging, get one, and remove one from
// its provider (detached from the trunk, record deleted, route unbound; refused while agents
// use it unless `force`, which clears the agents' links and caller IDs in the same commit).
// Refusals are admin::DomainError; the admin API renders them with admin::problemOf().
// Control thread only.
#include <cstdint>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "modules/admin/context.hpp"
#include "modules/admin/domain_error.hpp"
#include "store/records.hpp"

namespace gw::import {

class NumberService {
 public:
  explicit NumberService(admin::Context& ctx) : ctx_(ctx) {}

  // The numbers of `org` that match `filter` (its orgId is set to `org`), `take` from `skip`.
  store::NumberPage list(const std::string& org, store::NumberFilter filter, uint64_t skip,
                         uint64_t take) const;
  // kInvalid ("id") when `id` is not a UUID; kNotFound when `org` has no number `id`.
  admin::Result<store::PhoneNumber> get(const std::string& org, const std::string& id) const;
  // Checked in this order: the provider (kInvalid "id", kNotFound), the number id (kInvalid
  // "phoneNumberId"), the number of that provider (kNotFound), its agents (kConflict with
  // affectedAgents unless `force`), all before Twilio is touched; then the detach from the
  // trunk (kUpstream when Twilio fails it) and the commit. `requestId` goes on the Twilio
  // requests, for their failure log lines.
  boost::asio::awaitable<admin::Result<void>> remove(const std::string& org,
                                                     const std::string& providerId,
                                                     const std::string& numberId, bool force,
                                                     const std::string& requestId = {});

 private:
  admin::Context& ctx_;
};

}  // namespace gw::import
