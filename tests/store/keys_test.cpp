#include "store/keys.hpp"

#include <algorithm>
#include <vector>

#include <gtest/gtest.h>

#include "store/store.hpp"

namespace gw::store::keys {
namespace {

TEST(KeysTest, VersionRoundTrips) {
  for (uint32_t v : {0u, 1u, 258u, 0xffffffffu}) EXPECT_EQ(decodeVersion(encodeVersion(v)), v);
  EXPECT_EQ(encodeVersion(1), std::string("\x01\x00\x00\x00", 4));
  EXPECT_THROW(decodeVersion("abc"), StoreError);
}

TEST(KeysTest, NumberEntriesSortByE164AndCarryTheId) {
  std::string a = numberEntry("+14155550100", "zzz");
  std::string b = numberEntry("+14155550101", "aaa");
  std::string c = numberEntry("+141555501000", "000");
  EXPECT_LT(a, b);
  EXPECT_LT(a, c);  // a shorter number sorts before its extensions
  EXPECT_EQ(idOfNumberEntry(a), "zzz");
  EXPECT_THROW(numberEntry(std::string("+1\0", 3), "id"), StoreError);
  EXPECT_THROW(idOfNumberEntry("+1415"), StoreError);
  EXPECT_THROW(idOfNumberEntry(std::string("+1415\0", 6)), StoreError);
}

TEST(KeysTest, ProviderEntriesSortByCreationIncludingNegatives) {
  std::vector<int64_t> times = {INT64_MIN, -2, -1, 0, 1, 255, 256, INT64_MAX};
  std::vector<std::string> entries;
  for (int64_t t : times) entries.push_back(providerEntry(t, "id"));
  EXPECT_TRUE(std::is_sorted(entries.begin(), entries.end()));
  EXPECT_LT(providerEntry(5, "a"), providerEntry(5, "b"));
  EXPECT_EQ(idOfProviderEntry(providerEntry(-7, "p-1")), "p-1");
  EXPECT_THROW(idOfProviderEntry("12345678"), StoreError);
}

TEST(KeysTest, AgentEntriesSortByCreationThenId) {
  std::vector<std::string> entries = {agentEntry(-1, "z"), agentEntry(0, "a"), agentEntry(0, "b"),
                                      agentEntry(1, "a")};
  EXPECT_TRUE(std::is_sorted(entries.begin(), entries.end()));
  EXPECT_EQ(idOfAgentEntry(agentEntry(42, "agent-1")), "agent-1");
  try {
    idOfAgentEntry("12345678");
    FAIL() << "an entry without an id is corrupt";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("agent index entry"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace gw::store::keys
