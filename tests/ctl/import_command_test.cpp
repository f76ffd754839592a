// The SID files of `gatewayctl numbers import`: what is read, what is rejected before
// anything is sent, and that a retry file reads back as the SIDs it lists.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "ctl/sid_file.hpp"

namespace gw::ctl {
namespace {

using ::testing::ElementsAre;

std::string tempPath(const char* name) {
  const char* base = std::getenv("TMPDIR");
  return std::string(base && *base ? base : "/tmp") + "/gwctl-" + std::to_string(::getpid()) + "-" +
         name;
}

const std::string kA = "PN" + std::string(32, 'a');
const std::string kB = "PN" + std::string(32, '0');

TEST(SidFileTest, ReadsSidsSkippingBlankLinesCommentsAndSpaces) {
  const std::string path = tempPath("sids");
  std::ofstream(path) << "# header\n" << kA << "\r\n\n   " << kB << "  # trailing note\n";

  auto f = readSidFile(path);

  EXPECT_THAT(f.sids, ElementsAre(kA, kB));
  EXPECT_TRUE(f.rejected.empty());
  std::remove(path.c_str());
}

TEST(SidFileTest, RejectsLinesThatAreNotSidsWithTheirLineNumber) {
  const std::string path = tempPath("bad");
  std::ofstream(path) << kA << "\nPN" << std::string(32, 'A') << "\n+14155550100\n";

  auto f = readSidFile(path);

  EXPECT_THAT(f.sids, ElementsAre(kA));
  ASSERT_EQ(f.rejected.size(), 2u);
  EXPECT_THAT(f.rejected[0].reason, ::testing::StartsWith("line 2 is not a phone number SID"));
  EXPECT_EQ(f.rejected[1].sid, "+14155550100");
  std::remove(path.c_str());
}

TEST(SidFileTest, RetryFileReadsBackAsItsSids) {
  const std::string path = tempPath("retry");
  writeRetryFile(path, {{kA, "Not found"}, {kB, "Twilio lookup failed:\n503"}});

  auto f = readSidFile(path);

  EXPECT_THAT(f.sids, ElementsAre(kA, kB));
  EXPECT_TRUE(f.rejected.empty());
  std::remove(path.c_str());
}

TEST(SidFileTest, MissingFileIsAnError) {
  EXPECT_THROW(readSidFile(tempPath("does-not-exist")), std::runtime_error);
}

}  // namespace
}  // namespace gw::ctl
