// Twilio auth tokens at rest: encrypted in the data directory under the master key,
// re-encrypted by `gatewayd rotate-key`, and a wrong or missing key refused at start.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "harness/gateway_fixture.hpp"

namespace gw::integration {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr int kExitDataDir = 3;
constexpr int kExitMasterKey = 5;

std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Every file under `dir` that holds `secret`'s bytes.
std::vector<std::string> filesHolding(const std::string& dir, const std::string& secret) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && readFile(e.path()).find(secret) != std::string::npos) {
      out.push_back(e.path().filename().string());
    }
  }
  return out;
}

// The key ids of a master key file ("<id> <hex>" lines).
std::vector<std::string> keyIds(const std::string& path) {
  std::vector<std::string> ids;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    ids.push_back(line.substr(0, line.find(' ')));
  }
  return ids;
}

class SecretsTest : public GatewayTest {
 protected:
  ExitStatus rotateKey(const std::string& dataDir) {
    ProcessSpec spec;
    spec.name = "gatewayd rotate-key";
    spec.path = std::string(GW_BIN_DIR) + "/gatewayd";
    spec.args = {"rotate-key", "--data-dir", dataDir};
    spec.scrubEnvPrefixes = {"GATEWAY_", "TWILIO_"};
    ChildProcess p(spec);
    auto status = p.waitForExit(30s);
    rotateOutput_ = p.output();
    if (!status) return p.kill();
    return *status;
  }

  std::string rotateOutput_;
};

TEST_F(SecretsTest, NoFileInTheDataDirectoryHoldsTheAuthToken) {
  auto s = startWithProvider(2);
  ASSERT_EQ(importNumbers(*s.gateway, s.providerId, sidsOf(s.numbers)).successCount, 2);
  ASSERT_TRUE(s.gateway->stop().value_or(ExitStatus{}).clean());

  const std::string& dir = s.gateway->options().dataDir;
  EXPECT_THAT(filesHolding(dir, s.account.token), ::testing::IsEmpty());
  struct stat st {};
  ASSERT_EQ(::stat((dir + "/master-key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  // The token still works after a restart: it decrypts.
  s.gateway->start();
  EXPECT_EQ(getProvider(*s.gateway, s.providerId)["accountSid"].GetString(), s.account.sid);
}

TEST_F(SecretsTest, RotateKeyReencryptsTheTokensUnderANewKey) {
  auto s = startWithProvider(2);
  auto sids = sidsOf(s.numbers);
  ASSERT_EQ(importNumbers(*s.gateway, s.providerId, {sids[0]}).successCount, 1);
  ASSERT_TRUE(s.gateway->stop().value_or(ExitStatus{}).clean());
  const std::string dir = s.gateway->options().dataDir;
  const std::string keyFile = dir + "/master-key";
  const std::string oldKeys = readFile(keyFile);
  ASSERT_EQ(keyIds(keyFile), std::vector<std::string>{"1"});

  auto status = rotateKey(dir);

  ASSERT_TRUE(status.clean()) << status.describe() << "\n" << rotateOutput_;
  EXPECT_EQ(keyIds(keyFile), std::vector<std::string>{"2"});
  EXPECT_THAT(filesHolding(dir, s.account.token), ::testing::IsEmpty());
  EXPECT_EQ(rotateOutput_.find(s.account.token), std::string::npos);

  // The new key reads the token: the import of the second number authenticates at Twilio.
  s.gateway->start();
  EXPECT_EQ(importNumbers(*s.gateway, s.providerId, {sids[1]}).successCount, 1);
  ASSERT_TRUE(s.gateway->stop().value_or(ExitStatus{}).clean());

  // The old key no longer reads anything: a clear refusal with its own exit code.
  std::string oldKeyFile = makeTempDir() + "/old-master-key";
  {
    std::ofstream out(oldKeyFile);
    out << oldKeys;
  }
  s.gateway->options().env = {{"GATEWAY_MASTER_KEY_FILE", oldKeyFile}};
  auto refused = s.gateway->startExpectingExit();
  EXPECT_TRUE(refused.exited && refused.code == kExitMasterKey) << refused.describe();
  EXPECT_THAT(s.gateway->output(), ::testing::HasSubstr("not in the master key file"));
}

TEST_F(SecretsTest, RotateKeyRefusesADataDirectoryInUse) {
  auto s = startWithProvider(1);
  const std::string dir = s.gateway->options().dataDir;
  const std::string keysBefore = readFile(dir + "/master-key");

  auto status = rotateKey(dir);

  EXPECT_TRUE(status.exited && status.code == kExitDataDir) << status.describe();
  EXPECT_THAT(rotateOutput_, ::testing::HasSubstr("in use by another gatewayd"));
  EXPECT_EQ(readFile(dir + "/master-key"), keysBefore);
  // The running gatewayd still reads its provider's token: the import authenticates.
  EXPECT_EQ(importNumbers(*s.gateway, s.providerId, sidsOf(s.numbers)).successCount, 1);
}

TEST_F(SecretsTest, AMissingOrWrongKeyFileStopsTheStart) {
  auto s = startWithProvider(1);
  ASSERT_TRUE(s.gateway->stop().value_or(ExitStatus{}).clean());
  const std::string dir = s.gateway->options().dataDir;

  s.gateway->options().env = {{"GATEWAY_MASTER_KEY_FILE", dir + "/no-such-key"}};
  auto missing = s.gateway->startExpectingExit();
  EXPECT_TRUE(missing.exited && missing.code == kExitMasterKey) << missing.describe();

  // Same key id, other key bytes: the tag check refuses it.
  std::string other = makeTempDir() + "/other-key";
  {
    std::ofstream out(other);
    out << "1 " << std::string(64, 'a') << "\n";
  }
  s.gateway->options().env = {{"GATEWAY_MASTER_KEY_FILE", other}};
  auto wrong = s.gateway->startExpectingExit();
  EXPECT_TRUE(wrong.exited && wrong.code == kExitMasterKey) << wrong.describe();
  EXPECT_THAT(s.gateway->output(), ::testing::HasSubstr("does not authenticate"));

  // The right key still starts it: the refusals changed nothing.
  s.gateway->options().env.clear();
  s.gateway->start();
  EXPECT_EQ(getProvider(*s.gateway, s.providerId)["accountSid"].GetString(), s.account.sid);
}

}  // namespace
}  // namespace gw::integration
