// Where gatewayctl takes its URL and token from: flags over the environment over the
// config file, and a config file holding a token only when others cannot read it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "ctl/settings.hpp"

namespace gw::ctl {
namespace {

class SettingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv("GATEWAY_URL");
    ::unsetenv("GATEWAY_TOKEN");
    const char* base = std::getenv("TMPDIR");
    path_ =
        std::string(base && *base ? base : "/tmp") + "/gwctl-config-" + std::to_string(::getpid());
  }
  void TearDown() override {
    std::remove(path_.c_str());
    ::unsetenv("GATEWAY_URL");
    ::unsetenv("GATEWAY_TOKEN");
  }
  void writeConfig(const std::string& text, mode_t mode) {
    std::ofstream(path_) << text;
    ::chmod(path_.c_str(), mode);
  }
  std::string path_;
};

TEST_F(SettingsTest, FlagsWinOverEnvironmentWhichWinsOverTheFile) {
  writeConfig("url = http://file:1\ntoken = file-token\n", 0600);
  ::setenv("GATEWAY_URL", "http://env:2/", 1);

  auto fromEnv = resolveSettings({std::nullopt, std::nullopt, path_});
  EXPECT_EQ(fromEnv.url, "http://env:2");
  EXPECT_EQ(fromEnv.token, "file-token");

  auto fromFlags = resolveSettings({"http://flag:3", "flag-token", path_});
  EXPECT_EQ(fromFlags.url, "http://flag:3");
  EXPECT_EQ(fromFlags.token, "flag-token");
}

TEST_F(SettingsTest, RefusesAConfigFileWithATokenThatOthersCanRead) {
  writeConfig("token = file-token\n", 0640);
  try {
    resolveSettings({std::nullopt, std::nullopt, path_});
    FAIL() << "a group-readable config file was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("mode is 0640"));
    EXPECT_THAT(e.what(), ::testing::Not(::testing::HasSubstr("file-token")));
  }
}

TEST_F(SettingsTest, NamesEveryPlaceATokenCanComeFromWhenThereIsNone) {
  writeConfig("url = http://file:1\n", 0644);
  EXPECT_THROW(
      {
        try {
          resolveSettings({std::nullopt, std::nullopt, path_});
        } catch (const std::runtime_error& e) {
          EXPECT_THAT(e.what(), ::testing::HasSubstr("GATEWAY_TOKEN"));
          throw;
        }
      },
      std::runtime_error);
}

TEST_F(SettingsTest, RejectsUnknownKeysAndUrlsWithoutScheme) {
  writeConfig("tokn = x\n", 0600);
  EXPECT_THROW(resolveSettings({std::nullopt, "t", path_}), std::runtime_error);
  EXPECT_THROW(resolveSettings({"127.0.0.1:8080", "t", std::nullopt}), std::runtime_error);
}

}  // namespace
}  // namespace gw::ctl
