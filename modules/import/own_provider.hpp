#pragma once
// The provider a request names, as the number and import services look it up: one of the
// caller's org, or the domain error to answer; and the credentials its Twilio requests carry.
// Control thread only.
#include <string>

#include "modules/admin/domain_error.hpp"
#include "store/records.hpp"
#include "twilio/api.hpp"

namespace gw::store {
class Store;
}

namespace gw::import {

// kInvalid ("id") when `id` is not a UUID; kNotFound when no provider has it in `org` (another
// org's provider is indistinguishable from a missing one).
admin::Result<store::Provider> ownProvider(const store::Store& store, const std::string& org,
                                           const std::string& id);

// The provider's account and auth token, with the request id that Twilio failure logs name.
twilio::Credentials credentialsOf(const store::Provider& p, const std::string& requestId);

}  // namespace gw::import
