// The descriptor budget: caps derived from the limit stay below it with the reserve kept,
// explicit caps win, and the connection-cap flags reject what is not a positive count.
#include "gateway/fd_budget.hpp"

#include <sys/resource.h>

#include <gtest/gtest.h>

namespace gw::gateway {
namespace {

TEST(FdBudgetTest, DerivedCapsLeaveTheReserveFree) {
  Config c;
  c.sipWorkers = 2;
  const DescriptorBudget b = budgetFor(20000, c);
  EXPECT_EQ(b.adminConnections, (20000 - kReservedDescriptors) / 4);
  EXPECT_EQ(b.sipTcpConnections, (20000 - kReservedDescriptors) / 2);
  EXPECT_LE(b.adminConnections + b.sipTcpConnections + 2 * b.sipOutboundPerWorker,
            20000 - kReservedDescriptors);
  EXPECT_EQ(b.adminPerSource, b.adminConnections / 8);
  EXPECT_EQ(b.sipTcpPerSource, b.sipTcpConnections / 8);
  EXPECT_EQ(b.sipOutboundPerWorker, 1024u);
}

TEST(FdBudgetTest, SmallLimitStillLeavesRoomForEverything) {
  Config c;
  c.sipWorkers = 4;
  const DescriptorBudget b = budgetFor(256, c);
  EXPECT_GE(b.adminConnections, 1u);
  EXPECT_GE(b.adminPerSource, 1u);
  EXPECT_LE(b.adminConnections + b.sipTcpConnections + 4 * b.sipOutboundPerWorker, 256u);
}

TEST(FdBudgetTest, ExplicitCapsWin) {
  auto c =
      parseConfig({"--admin-max-connections", "100", "--admin-max-connections-per-source", "7",
                   "--sip-tcp-max-connections", "300", "--sip-tcp-max-connections-per-source", "9"},
                  {});
  ASSERT_TRUE(c.ok());
  const DescriptorBudget b = budgetFor(20000, *c);
  EXPECT_EQ(b.adminConnections, 100u);
  EXPECT_EQ(b.adminPerSource, 7u);
  EXPECT_EQ(b.sipTcpConnections, 300u);
  EXPECT_EQ(b.sipTcpPerSource, 9u);
  http::ServerOptions admin;
  sip::ServerOptions sip;
  apply(b, admin, sip);
  EXPECT_EQ(admin.maxConnections, 100u);
  EXPECT_EQ(sip.tcp.maxInboundPerSource, 9u);
}

TEST(FdBudgetTest, CapFlagsRejectWhatIsNotAPositiveCount) {
  for (const char* bad : {"0", "-1", "many", ""}) {
    auto c = parseConfig({"--admin-max-connections", bad}, {});
    ASSERT_FALSE(c.ok()) << bad;
    EXPECT_NE(c.error().message.find("--admin-max-connections"), std::string::npos);
  }
  auto env = parseConfig({}, {{"GATEWAY_SIP_TCP_MAX_CONNECTIONS_PER_SOURCE", "12"}});
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(env->sipTcpMaxConnectionsPerSource, 12u);
}

TEST(FdBudgetTest, RaisesTheSoftLimitToTheHardLimit) {
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit low = saved;
  low.rlim_cur = std::min<rlim_t>(saved.rlim_max, 256);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
  EXPECT_EQ(raiseDescriptorLimit(),
            saved.rlim_max == RLIM_INFINITY ? uint64_t{1} << 20 : saved.rlim_max);
  rlimit now{};
  ::getrlimit(RLIMIT_NOFILE, &now);
  EXPECT_EQ(now.rlim_cur, saved.rlim_max);
  ::setrlimit(RLIMIT_NOFILE, &saved);
}

}  // namespace
}  // namespace gw::gateway
