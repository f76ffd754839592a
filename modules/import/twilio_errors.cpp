#include "modules/import/twilio_errors.hpp"

#include <string>

namespace gw::import {

admin::DomainError twilioFault(const twilio::TwilioError& e, std::string_view what) {
  if (e.isAuthFailure()) {
    return admin::DomainError::of(
        admin::Fault::kUpstream,
        "Twilio rejected the provider's credentials while " + std::string(what) + " (" +
            e.describe() +
            "). Nothing was changed. Check the account's auth token and rotate it on the "
            "provider.");
  }
  return admin::DomainError::of(admin::Fault::kUpstream, "Twilio request failed while " +
                                                             std::string(what) + ": " +
                                                             e.describe() +
                                                             ". Nothing was changed; retry later.");
}

}  // namespace gw::import
