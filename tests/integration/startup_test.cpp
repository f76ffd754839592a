// gatewayd's refusals at start, through the real process: each failure has the exit code
// docs/operations.md gives it and a message saying what to do, and no token appears in the
// output. A second gatewayd on a data directory in use is refused (two once ran side by
// side and diverged: one deleted an agent the other still routed to).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <regex>

#include "harness/gateway_fixture.hpp"

namespace gw::integration {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr int kBadSetting = 2;
constexpr int kDataDir = 3;
constexpr int kCannotListen = 4;

class StartupTest : public GatewayTest {
 protected:
  GatewayOptions offline() {
    GatewayOptions go;
    go.twilioUrl = "http://127.0.0.1:9";
    go.dataDir = makeTempDir() + "/data";
    go.adminToken = adminToken();
    return go;
  }
  // Starts gatewayd expecting it to refuse; returns its exit status, its output kept.
  ExitStatus refused(GatewayOptions go, std::string* output) {
    GatewayProcess gw(std::string(GW_BIN_DIR) + "/gatewayd", std::move(go));
    ExitStatus status = gw.startExpectingExit();
    *output = gw.output();
    EXPECT_THAT(*output, Not(HasSubstr("listening on")));
    EXPECT_FALSE(containsSecret(*output)) << "a token reached the log: " << redact(*output);
    return status;
  }
  void expectExit(const ExitStatus& status, int code) {
    EXPECT_TRUE(status.exited) << status.describe();
    EXPECT_EQ(status.code, code) << status.describe();
  }
};

TEST_F(StartupTest, BadFlagIsExit2) {
  auto go = offline();
  go.extraArgs = {"--store-map-size", "lots"};
  std::string out;
  expectExit(refused(go, &out), kBadSetting);
  EXPECT_THAT(out, HasSubstr("option --store-map-size: expected a size"));
}

TEST_F(StartupTest, ShortAdminTokenIsExit2WithoutShowingIt) {
  auto go = offline();
  go.adminToken = "short-secret";
  registerSecret("short-secret");
  std::string out;
  expectExit(refused(go, &out), kBadSetting);
  EXPECT_THAT(out, HasSubstr("GATEWAY_ADMIN_TOKEN: the token is shorter than 16 characters"));
  EXPECT_FALSE(std::filesystem::exists(go.dataDir)) << "nothing may be created";
}

TEST_F(StartupTest, SameTokenForTwoOrgsInTokensFileIsExit2) {
  std::string shared = randomAdminToken();
  auto go = offline();
  go.adminToken = "";
  go.tokensFile =
      writeTokensFile({{shared, "org-a"}, {randomAdminToken(), "org-b"}, {shared, "org-c"}});
  std::string out;
  expectExit(refused(go, &out), kBadSetting);
  EXPECT_THAT(out, HasSubstr("the same token as tokens file"));
  EXPECT_THAT(out, HasSubstr("(org 'org-a'); give every org a token of its own"));
  EXPECT_FALSE(std::filesystem::exists(go.dataDir)) << "nothing may be created";
}

TEST_F(StartupTest, AdminTokenAlsoInTokensFileIsExit2) {
  auto go = offline();
  go.tokensFile = writeTokensFile({{adminToken(), "org-a"}});
  std::string out;
  expectExit(refused(go, &out), kBadSetting);
  EXPECT_THAT(out, HasSubstr("GATEWAY_ADMIN_TOKEN: the same token as tokens file"));
}

TEST_F(StartupTest, BadSipSettingIsExit2) {
  auto go = offline();
  go.extraArgs = {"--sip-listen", "localhost:5060"};
  std::string out;
  expectExit(refused(go, &out), kBadSetting);
}

TEST_F(StartupTest, StoreThatCannotOpenIsExit3) {
  auto go = offline();
  std::filesystem::create_directories(go.dataDir);
  std::ofstream(go.dataDir + "/data.mdb") << std::string(8192, 'x');  // not LMDB
  std::string out;
  expectExit(refused(go, &out), kDataDir);
  EXPECT_THAT(out, HasSubstr("cannot open the store in " + go.dataDir));
}

TEST_F(StartupTest, DataDirThatIsAFileIsExit3) {
  auto go = offline();
  std::filesystem::create_directories(std::filesystem::path(go.dataDir).parent_path());
  std::ofstream(go.dataDir) << "not a directory";
  std::string out;
  expectExit(refused(go, &out), kDataDir);
  EXPECT_THAT(out, HasSubstr(go.dataDir));
}

TEST_F(StartupTest, AdminPortInUseIsExit4) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  auto go = offline();
  go.extraArgs = {"--admin-listen", "127.0.0.1:" + std::to_string(ntohs(addr.sin_port))};
  std::string out;
  ExitStatus status = refused(go, &out);
  ::close(fd);
  expectExit(status, kCannotListen);
  EXPECT_THAT(out, HasSubstr("cannot listen on 127.0.0.1:"));
}

TEST_F(StartupTest, SecondGatewayOnTheSameDataDirIsRefused) {
  auto go = offline();
  auto& first = startGateway(go);
  ASSERT_EQ(call(first, "POST", "/api/v1/agents",
                 objectBody({{"name", "Desk"}, {"sipUri", "sip:desk@10.0.0.5"}}))
                .status,
            201);

  std::string out;
  ExitStatus status = refused(go, &out);

  expectExit(status, kDataDir);
  EXPECT_THAT(out,
              HasSubstr("the data directory " + go.dataDir + " is in use by another gatewayd"));
  EXPECT_THAT(out, HasSubstr("give this one its own --data-dir"));
  EXPECT_TRUE(first.running());
  EXPECT_EQ(call(first, "GET", "/healthz", std::nullopt, "").status, 200);
  // Once the first has stopped, the directory is free again.
  ASSERT_TRUE(first.stop().value_or(ExitStatus{}).clean());
  first.start();
  EXPECT_EQ(intMember(parseJson(call(first, "GET", "/api/v1/agents").body), "totalCount"), 1);
}

// A single node's data directory started as a cluster node would have its registry replaced
// by the cluster's (the replica's first sync makes it equal to etcd): refused, data intact.
TEST_F(StartupTest, SingleNodeDataDirectoryIsRefusedAsAClusterNode) {
  auto go = offline();
  auto& single = startGateway(go);
  ASSERT_EQ(call(single, "POST", "/api/v1/agents",
                 objectBody({{"name", "Desk"}, {"sipUri", "sip:desk@10.0.0.5"}}))
                .status,
            201);
  ASSERT_TRUE(single.stop().value_or(ExitStatus{}).clean());

  auto clustered = go;
  clustered.extraArgs = {"--etcd-endpoints", "http://127.0.0.1:9"};
  std::string out;
  expectExit(refused(clustered, &out), kDataDir);
  EXPECT_THAT(out, HasSubstr("holds a single node's registry (0 providers, 1 agents)"));
  EXPECT_THAT(out, HasSubstr("without --etcd-endpoints"));

  single.start();  // as a single node again: nothing was lost
  EXPECT_EQ(intMember(parseJson(call(single, "GET", "/api/v1/agents").body), "totalCount"), 1);
}

// A SIGTERM that arrives while gatewayd is still starting (its first line is logged, the
// store, the listeners and the SIP workers are not up yet) stops it cleanly with exit 0
// once start-up is through: it used to arrive before the handler existed and kill it.
TEST_F(StartupTest, TerminateDuringStartUpIsACleanStop) {
  const std::string dataDir = makeTempDir() + "/data";
  for (int attempt = 0; attempt < 5; ++attempt) {
    ProcessSpec spec;
    spec.name = "gatewayd";
    spec.path = std::string(GW_BIN_DIR) + "/gatewayd";
    spec.args = {"--data-dir",
                 dataDir,
                 "--admin-listen",
                 "127.0.0.1:0",
                 "--sip-listen",
                 "127.0.0.1:0",
                 "--twilio-api-url",
                 "http://127.0.0.1:9",
                 "--twilio-trunking-url",
                 "http://127.0.0.1:9"};
    spec.scrubEnvPrefixes = {"GATEWAY_", "TWILIO_"};
    spec.env.emplace_back("GATEWAY_ADMIN_TOKEN", adminToken());
    ChildProcess gatewayd(spec);
    ASSERT_TRUE(gatewayd.waitForLine(std::regex("file descriptor limit"), std::chrono::seconds(10)))
        << redact(gatewayd.output());
    ASSERT_EQ(::kill(gatewayd.pid(), SIGTERM), 0);
    auto status = gatewayd.waitForExit(std::chrono::seconds(20));
    ASSERT_TRUE(status.has_value()) << "still running after SIGTERM";
    EXPECT_TRUE(status->exited) << "attempt " << attempt << ": " << status->describe() << "\n"
                                << redact(gatewayd.output());
    EXPECT_EQ(status->code, 0) << redact(gatewayd.output());
    if (HasFailure()) break;
    EXPECT_THAT(gatewayd.output(), HasSubstr("stopped"));
  }
}

}  // namespace
}  // namespace gw::integration
