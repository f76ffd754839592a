#pragma once
// Twilio's published SIP signaling source ranges: the allowedAddresses of a provider created
// without any, and of every provider stored before the list existed (schema 3). Kept here,
// once, because both the SIP data plane (sip/) and the store (store/) need it and neither
// may depend on the other. Constant data: any thread may read it.
#include <array>
#include <string_view>

namespace gw {

// Canonical CIDR text (what sip::Cidr::text() writes), in Twilio's order. Twilio moves
// traffic between regions on failover, so a provider trusts all of them.
inline constexpr std::array<std::string_view, 8> kTwilioSignalingRanges = {
    "54.172.60.0/30",  "54.244.51.0/30",    "54.171.127.192/30", "35.156.191.128/30",
    "54.65.63.192/30", "54.169.127.128/30", "54.252.254.64/30",  "177.71.206.192/30",
};

}  // namespace gw
