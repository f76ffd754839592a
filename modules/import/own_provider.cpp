#include "modules/import/own_provider.hpp"

#include "common/uuid.hpp"
#include "store/store.hpp"

namespace gw::import {

admin::Result<store::Provider> ownProvider(const store::Store& store, const std::string& org,
                                           const std::string& id) {
  if (!isUuid(id)) return admin::DomainError::invalid("id", "The provider id must be a UUID.");
  auto txn = store.read();
  auto p = store.getProvider(txn, id);
  // Another org's provider is indistinguishable from a missing one.
  if (!p || p->orgId != org) {
    return admin::DomainError::of(admin::Fault::kNotFound, "No provider with id " + id + ".");
  }
  return std::move(*p);
}

twilio::Credentials credentialsOf(const store::Provider& p, const std::string& requestId) {
  twilio::Credentials c{p.accountSid, p.authToken};
  c.requestId = requestId;
  return c;
}

}  // namespace gw::import
