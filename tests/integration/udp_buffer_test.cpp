// The UDP-buffer warning at start, through the real process: when the kernel grants less
// than --sip-udp-buffer-bytes it says what the cap is and the exact sysctl that lifts it;
// when the buffers are what was asked for it says nothing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "harness/gateway_fixture.hpp"

namespace gw::integration {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

long sysctlValue(const char* path) {
  long v = 0;
  std::ifstream(path) >> v;
  return v;
}

class UdpBufferTest : public GatewayTest {
 protected:
  // gatewayd asking for `bytes` of UDP buffer; its output once SIP listens.
  std::string startAsking(long bytes) {
    GatewayOptions go;
    go.twilioUrl = "http://127.0.0.1:9";
    go.extraArgs = {"--sip-udp-buffer-bytes", std::to_string(bytes), "--sip-workers", "1",
                    "--sip-listen",           "127.0.0.1:0"};
    go.publicSipUri = std::nullopt;
    auto& gw = startGateway(go);
    gw.sipAddress();
    // Answered only once the event loop runs, when SIGTERM stops it cleanly at teardown.
    EXPECT_EQ(http().get(gw.baseUrl() + "/healthz").status, 200);
    return gw.output();
  }
};

TEST_F(UdpBufferTest, WarningNamesTheCapAndTheSysctlThatLiftsIt) {
  const long rmemMax = sysctlValue("/proc/sys/net/core/rmem_max");
  ASSERT_GT(rmemMax, 0);
  const long asked = std::min(rmemMax * 4, 1L << 30);
  ASSERT_GT(asked, rmemMax) << "net.core.rmem_max is at the largest buffer gatewayd asks for";

  const std::string out = startAsking(asked);

  EXPECT_THAT(out, HasSubstr("not the " + std::to_string(asked) +
                             " bytes asked for by --sip-udp-buffer-bytes"))
      << out;
  EXPECT_THAT(out, HasSubstr("net.core.rmem_max is " + std::to_string(rmemMax))) << out;
  EXPECT_THAT(out, HasSubstr("sysctl -w net.core.rmem_max=" + std::to_string(asked) +
                             " net.core.wmem_max=" + std::to_string(asked)))
      << out;
}

TEST_F(UdpBufferTest, NoWarningWhenTheKernelGrantsTheBuffers) {
  const long cap = std::min(sysctlValue("/proc/sys/net/core/rmem_max"),
                            sysctlValue("/proc/sys/net/core/wmem_max"));
  ASSERT_GT(cap, 4096);

  const std::string out = startAsking(cap / 2);

  EXPECT_THAT(out, Not(HasSubstr("UDP"))) << out;
}

}  // namespace
}  // namespace gw::integration
