#include "cluster/keyspace.hpp"

#include <gtest/gtest.h>

namespace gw::cluster {
namespace {

TEST(KeyspaceTest, ParsesOnlyDataKeysOfItsPrefix) {
  Keyspace k("/gw");
  EXPECT_EQ(k.prefix(), "/gw/");
  auto p = k.parse(k.number("n1"));
  EXPECT_EQ(p.kind, Keyspace::Kind::kNumber);
  EXPECT_EQ(p.id, "n1");
  EXPECT_EQ(k.parse(k.provider("p1")).kind, Keyspace::Kind::kProvider);
  EXPECT_EQ(k.parse(k.agent("a1")).kind, Keyspace::Kind::kAgent);
  EXPECT_EQ(k.parse(k.verification("p1")).kind, Keyspace::Kind::kVerification);
  EXPECT_EQ(k.parse(k.sidClaim("PN1")).kind, Keyspace::Kind::kOther);
  EXPECT_EQ(k.parse(k.fence()).kind, Keyspace::Kind::kOther);
  EXPECT_EQ(k.parse("/other/data/numbers/n1").kind, Keyspace::Kind::kOther);
  EXPECT_EQ(k.parse("/gw/data/numbers/").kind, Keyspace::Kind::kOther);
}

}  // namespace
}  // namespace gw::cluster
