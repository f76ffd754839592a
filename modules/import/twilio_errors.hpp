#pragma once
// How Twilio failures reach admin API clients.
#include <string>
#include <string_view>

#include "gateway/http/message.hpp"
#include "twilio/api.hpp"

namespace gw::import {

// 502 "Twilio rejected the provider's credentials ..." for 401/20003, else 502 with the
// failure described. `what` names the operation ("creating the trunk").
http::Response twilioFailure(const twilio::TwilioError& e, std::string_view what,
                             std::string_view instance);

}  // namespace gw::import
