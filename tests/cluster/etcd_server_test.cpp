// The etcd test support itself: members come up healthy, go down and come back.
#include "tests/support/etcd_server.hpp"

#include <gtest/gtest.h>

namespace gw::testing {
namespace {

TEST(EtcdServer, OneMemberIsHealthy) {
  EtcdCluster etcd;
  ASSERT_EQ(etcd.clientUrls().size(), 1u);
  EXPECT_TRUE(etcd.healthy(0));
  etcd.kill(0);
  EXPECT_FALSE(etcd.healthy(0));
  etcd.start(0);
  EXPECT_TRUE(etcd.healthy(0));
}

TEST(EtcdServer, ThreeMembersSurviveOneDown) {
  EtcdCluster etcd(3);
  EXPECT_EQ(etcd.endpoints().find(','), etcd.clientUrls()[0].size());
  for (size_t i = 0; i < 3; ++i) EXPECT_TRUE(etcd.healthy(i));
  etcd.kill(1);
  EXPECT_FALSE(etcd.running(1));
  etcd.start(1);
  EXPECT_TRUE(etcd.healthy(1));
  etcd.killAll();
  etcd.startAll();
  for (size_t i = 0; i < 3; ++i) EXPECT_TRUE(etcd.healthy(i));
}

}  // namespace
}  // namespace gw::testing
