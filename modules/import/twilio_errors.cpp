#include "modules/import/twilio_errors.hpp"

namespace gw::import {

http::Response twilioFailure(const twilio::TwilioError& e, std::string_view what,
                             std::string_view instance) {
  if (e.isAuthFailure()) {
    return http::Response::problem(
        502,
        "Twilio rejected the provider's credentials while " + std::string(what) + " (" +
            e.describe() +
            "). Nothing was changed. Check the account's auth token and rotate it on the "
            "provider.",
        instance);
  }
  return http::Response::problem(502,
                                 "Twilio request failed while " + std::string(what) + ": " +
                                     e.describe() + ". Nothing was changed; retry later.",
                                 instance);
}

}  // namespace gw::import
