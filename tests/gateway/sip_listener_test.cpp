// The SIP wiring of gatewayd: the Record-Route key file in the data directory.
#include "gateway/sip_listener.hpp"

#include <sys/stat.h>

#include <fstream>

#include <gtest/gtest.h>

#include "tests/support/temp_dir.hpp"

namespace gw::gateway {
namespace {

using testsupport::TempDir;

// The key must outlive a restart: the in-dialog requests of calls set up before it carry
// record-routes MAC'd with it.
TEST(SipListenerTest, GeneratedRouteKeyIsPrivateAndReused) {
  TempDir dir;
  auto first = loadOrCreateRouteKey(dir.path() + "/data");
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_TRUE(first->second);
  EXPECT_NE(first->first, sip::RouteKey{});
  struct stat st {};
  ASSERT_EQ(::stat((dir.path() + "/data/sip-route-key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto second = loadOrCreateRouteKey(dir.path() + "/data");
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->second);
  EXPECT_EQ(second->first, first->first);
}

TEST(SipListenerTest, DamagedRouteKeyFileStopsTheStartWithWhatToDo) {
  TempDir dir;
  std::ofstream(dir.path() + "/sip-route-key") << "not a key\n";
  auto r = loadOrCreateRouteKey(dir.path());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("sip-route-key is not 32 hex digits"), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("delete it"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace gw::gateway
