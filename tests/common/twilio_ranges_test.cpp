// The gateway's copy of Twilio's SIP signaling ranges against the list Twilio publishes.
#include "common/twilio_ranges.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string_view>

namespace gw {
namespace {

struct DocumentedRange {
  std::string_view cidr;
  std::string_view region;
};

// Twilio's published signaling source ranges, in the order Twilio lists them, as written
// in the project's Twilio reference (shared/reference/twilio.md, "The SIP side": "Twilio's
// published signaling source ranges (allow all of them; failover moves traffic between
// regions)"). Typed in from that document, not from the code under test.
constexpr std::array<DocumentedRange, 8> kDocumented = {{
    {"54.172.60.0/30", "Virginia"},
    {"54.244.51.0/30", "Oregon"},
    {"54.171.127.192/30", "Ireland"},
    {"35.156.191.128/30", "Frankfurt"},
    {"54.65.63.192/30", "Tokyo"},
    {"54.169.127.128/30", "Singapore"},
    {"54.252.254.64/30", "Sydney"},
    {"177.71.206.192/30", "Sao Paulo"},
}};

TEST(TwilioRangesTest, AreExactlyTheDocumentedSignalingRanges) {
  ASSERT_EQ(kTwilioSignalingRanges.size(), kDocumented.size());
  for (size_t i = 0; i < kDocumented.size(); ++i) {
    EXPECT_EQ(kTwilioSignalingRanges[i], kDocumented[i].cidr)
        << "entry " << i << ", Twilio's " << kDocumented[i].region << " range";
  }
}

}  // namespace
}  // namespace gw
