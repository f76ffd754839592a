#pragma once
// How Twilio failures reach admin API clients: as a domain error (kUpstream, 502), whose
// detail names the operation and what to do.
#include <string_view>

#include "modules/admin/domain_error.hpp"
#include "twilio/api.hpp"

namespace gw::import {

// "Twilio rejected the provider's credentials ..." for 401/20003, else the failure
// described. `what` names the operation ("creating the trunk").
admin::DomainError twilioFault(const twilio::TwilioError& e, std::string_view what);

}  // namespace gw::import
