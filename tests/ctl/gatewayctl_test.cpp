// gatewayctl run as a process against the real gatewayd and twilio-emulator: the import of
// a 20,000-SID file in chunks with a retry file and exit code, the resource commands with
// their JSON output, problem details shown to the user, and where the token comes from.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "ctl_process.hpp"
#include "harness/gateway_fixture.hpp"

namespace gw::integration {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class GatewayctlTest : public GatewayTest {
 protected:
  // Runs gatewayctl with the gateway's URL and the admin token in the environment.
  CtlResult ctl(GatewayProcess& gw, std::vector<std::string> args,
                std::vector<std::pair<std::string, std::string>> env = {}) {
    env.emplace_back("GATEWAY_URL", gw.baseUrl());
    env.emplace_back("GATEWAY_TOKEN", adminToken());
    return runCtl({std::move(args), std::move(env), home()});
  }
  GatewayProcess& startPlain() {
    EmulatorOptions eo;
    eo.accounts = {randomAccount()};
    eo.numbers = 1;
    startEmulator(eo);
    return startGateway();
  }
  const std::string& home() {
    if (home_.empty()) home_ = makeTempDir();
    return home_;
  }
  std::string writeFile(const std::string& name, const std::string& text) {
    std::string path = home() + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  static std::string readFile(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  // The "SID # reason" lines of a retry file, comments left out.
  static std::vector<std::string> retryLines(const std::string& path) {
    std::vector<std::string> out;
    std::istringstream in(readFile(path));
    for (std::string line; std::getline(in, line);) {
      if (!line.empty() && line[0] != '#') out.push_back(line);
    }
    return out;
  }

 private:
  std::string home_;
};

std::string line(const std::string& sid, const std::string& reason) {
  return sid + "  # " + reason;
}

TEST_F(GatewayctlTest, ImportsTwentyThousandSidsFromFileAndListsFailuresInRetryFile) {
  auto s = startWithProvider(20'000);
  const std::string unknown1 = randomSid("PN"), unknown2 = randomSid("PN");
  std::string text = "# numbers of the main account\n";
  for (size_t i = 0; i < s.numbers.size(); ++i) {
    text += s.numbers[i].sid + "\n";
    if (i == 5) text += unknown1 + "\n\n";
    if (i == 15'000) text += "PN-not-a-sid\n" + unknown2 + "\n";
  }
  const std::string file = writeFile("sids.txt", text);

  auto r = ctl(*s.gateway, {"--output", "json", "numbers", "import", "--provider", s.providerId,
                            "--file", file, "--progress", "lines"});

  ASSERT_TRUE(r.status.exited) << r.describe();
  EXPECT_EQ(r.status.code, 3) << "some SIDs failed: exit code 3\n" << r.describe();
  auto doc = parseJson(r.out);
  EXPECT_EQ(intMember(doc, "total"), 20'003) << r.describe();
  EXPECT_EQ(intMember(doc, "successCount"), 20'000) << r.describe();
  EXPECT_EQ(intMember(doc, "failedCount"), 3) << r.describe();
  EXPECT_EQ(stringMember(doc, "retryFile"), file + ".retry");
  EXPECT_THAT(retryLines(file + ".retry"),
              ::testing::UnorderedElementsAre(
                  line(unknown1, "Not found"), line(unknown2, "Not found"),
                  ::testing::StartsWith("PN-not-a-sid  # line 15005 is not a phone number SID")));
  // 20,002 well-formed SIDs: three requests (10,000 + 10,000 + 2), a progress line each.
  EXPECT_THAT(r.err, HasSubstr("import: 10000/20002 SIDs (49%)")) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("import: 20000/20002 SIDs (99%)")) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("import: 20002/20002 SIDs (100%), 3 failed")) << r.describe();
  EXPECT_EQ(listNumbers(*s.gateway, "take=1").totalCount, 20'000);
  EXPECT_EQ(s.emulator->stats().requestsTo("POST", "/PhoneNumbers"), 20'000u);

  // The retry file imports as it is: the unknown SIDs fail again, nothing else is sent.
  auto again = ctl(*s.gateway, {"numbers", "import", "--provider", s.providerId, "--file",
                                file + ".retry", "--retry-file", home() + "/again.retry"});
  EXPECT_EQ(again.status.code, 3) << again.describe();
  EXPECT_THAT(again.out, HasSubstr("imported 0 of 3 SIDs, 3 failed")) << again.describe();
  EXPECT_THAT(again.out, HasSubstr("2 x Not found")) << again.describe();
}

TEST_F(GatewayctlTest, ExitsZeroAndWritesNoRetryFileWhenEverySidIsImported) {
  auto s = startWithProvider(5);
  std::string text;
  for (const auto& n : s.numbers) text += n.sid + "\n";
  const std::string file = writeFile("all.txt", text);

  auto r = ctl(*s.gateway, {"numbers", "import", "--provider", s.providerId, "--file", file,
                            "--chunk-size", "2", "--progress", "bar"});

  EXPECT_TRUE(r.status.clean()) << r.describe();
  // The bar redraws in place: 2 of 5 done after the first of three requests, with an ETA.
  EXPECT_THAT(r.err, HasSubstr("\r[############..................] 2/5 SIDs (40%)"))
      << r.describe();
  EXPECT_THAT(r.err, ::testing::ContainsRegex("2/5 SIDs.*ETA [0-9]+:[0-9][0-9]")) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("] 5/5 SIDs (100%), 0 failed")) << r.describe();
  EXPECT_THAT(r.out, HasSubstr("imported 5 of 5 SIDs, 0 failed")) << r.describe();
  EXPECT_FALSE(std::filesystem::exists(file + ".retry"));
  EXPECT_EQ(listNumbers(*s.gateway).totalCount, 5);
}

TEST_F(GatewayctlTest, StopsWithExitOneAndListsEverySidWhenTheGatewayRefusesTheImport) {
  auto s = startWithProvider(3);
  std::string text;
  for (const auto& n : s.numbers) text += n.sid + "\n";
  const std::string file = writeFile("sids.txt", text);
  const std::string missingProvider = randomUuid();

  auto r = ctl(*s.gateway, {"numbers", "import", "--provider", missingProvider, "--file", file});

  EXPECT_EQ(r.status.code, 1) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("(HTTP 404, POST /api/v1/providers/twilio/" + missingProvider))
      << r.describe();
  auto lines = retryLines(file + ".retry");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_THAT(lines[0], ::testing::StartsWith(s.numbers[0].sid + "  # not imported: "));
  EXPECT_EQ(listNumbers(*s.gateway).totalCount, 0);
}

TEST_F(GatewayctlTest, ManagesProvidersAgentsLinksAndExplainsRoutes) {
  auto account = randomAccount();
  EmulatorOptions eo;
  eo.accounts = {account};
  eo.numbers = 2;
  auto& emulator = startEmulator(eo);
  auto& gw = startGateway();
  const auto numbers = emulator.numbers(account.sid);

  auto added = ctl(gw,
                   {"-o", "json", "providers", "add", "--account-sid", account.sid, "--name",
                    "ctl test", "--allowed-address", "127.0.0.0/8"},
                   {{"TWILIO_AUTH_TOKEN", account.token}});
  ASSERT_TRUE(added.status.clean()) << added.describe();
  const std::string provider = *stringMember(parseJson(added.out), "id");
  EXPECT_FALSE(containsSecret(added.out + added.err)) << added.describe();

  auto list = ctl(gw, {"providers", "list"});
  EXPECT_TRUE(list.status.clean()) << list.describe();
  EXPECT_THAT(list.out, HasSubstr(provider));
  EXPECT_THAT(list.out, HasSubstr("1 of 1"));

  const std::string file = writeFile("two.txt", numbers[0].sid + "\n" + numbers[1].sid + "\n");
  ASSERT_TRUE(
      ctl(gw, {"numbers", "import", "--provider", provider, "--file", file}).status.clean());

  auto agent = ctl(gw, {"-o", "json", "agents", "add", "--name", "desk", "--sip-uri",
                        "sip:desk@127.0.0.2:5070"});
  ASSERT_TRUE(agent.status.clean()) << agent.describe();
  const std::string agentId = *stringMember(parseJson(agent.out), "id");

  // By E.164 number rather than id.
  auto link = ctl(gw, {"-o", "json", "link", numbers[0].phoneNumber, agentId});
  ASSERT_TRUE(link.status.clean()) << link.describe();
  EXPECT_EQ(stringMember(parseJson(link.out), "incomingCallsAgentId"), agentId);

  auto explain =
      ctl(gw, {"-o", "json", "route", "explain", numbers[0].phoneNumber, "--source", "127.0.0.1"});
  ASSERT_TRUE(explain.status.clean()) << explain.describe();
  auto e = parseJson(explain.out);
  EXPECT_EQ(stringMember(e, "action"), "proxy") << explain.describe();
  auto table = ctl(gw, {"route", "explain", numbers[1].phoneNumber});
  EXPECT_THAT(table.out, HasSubstr("sip.status:")) << table.describe();
  EXPECT_THAT(table.out, HasSubstr("480")) << table.describe();

  auto patched = ctl(gw, {"-o", "json", "agents", "patch", agentId, "--mode", "redirect"});
  EXPECT_EQ(stringMember(parseJson(patched.out), "mode"), "redirect") << patched.describe();

  auto linked = ctl(gw, {"-o", "json", "numbers", "list", "--agent", agentId});
  EXPECT_EQ(intMember(parseJson(linked.out), "totalCount"), 1) << linked.describe();

  auto refused = ctl(gw, {"agents", "rm", agentId});
  EXPECT_EQ(refused.status.code, 1) << refused.describe();
  EXPECT_THAT(refused.err, HasSubstr("is linked to 1 phone number(s)")) << refused.describe();

  EXPECT_TRUE(ctl(gw, {"unlink", numbers[0].phoneNumber}).status.clean());
  EXPECT_TRUE(ctl(gw, {"agents", "rm", agentId}).status.clean());
  auto rm = ctl(gw, {"numbers", "rm", numbers[1].phoneNumber});
  EXPECT_TRUE(rm.status.clean()) << rm.describe();
  EXPECT_EQ(listNumbers(gw).totalCount, 1);
  EXPECT_TRUE(ctl(gw, {"providers", "rm", provider}).status.clean());
  EXPECT_EQ(listNumbers(gw).totalCount, 0);
}

TEST_F(GatewayctlTest, ShowsTheProblemDetailOfARefusedRequest) {
  auto& gw = startPlain();

  auto r = ctl(gw, {"agents", "add", "--name", "x", "--sip-uri", "sip:desk@10.0.0.5:0"});

  EXPECT_EQ(r.status.code, 1) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("HTTP 400")) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("sipUri: sipUri has an invalid port '0'")) << r.describe();
}

TEST_F(GatewayctlTest, RefusedTokenIsExplainedAndNeverPrinted) {
  auto& gw = startPlain();
  const std::string wrong = randomAdminToken();

  auto r = runCtl({{"--url", gw.baseUrl(), "--token", wrong, "agents", "list"}, {}, home()});

  EXPECT_EQ(r.status.code, 1) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("HTTP 401")) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("check --token, GATEWAY_TOKEN or the config file"));
  EXPECT_THAT(r.out + r.err, Not(HasSubstr(wrong)));
}

TEST_F(GatewayctlTest, ReadsTheConfigFileOnlyWhenOthersCannotReadIt) {
  auto& gw = startPlain();
  std::filesystem::create_directories(home() + "/.config/gatewayctl");
  const std::string config = home() + "/.config/gatewayctl/config";
  std::ofstream(config) << "# gatewayctl\nurl = " << gw.baseUrl() << "\ntoken = " << adminToken()
                        << "\n";
  ::chmod(config.c_str(), 0644);

  auto open = runCtl({{"agents", "list"}, {}, home()});
  EXPECT_EQ(open.status.code, 2) << open.describe();
  EXPECT_THAT(open.err, HasSubstr("Run: chmod 600 " + config)) << open.describe();
  EXPECT_THAT(open.out + open.err, Not(HasSubstr(adminToken())));

  ::chmod(config.c_str(), 0600);
  auto ok = runCtl({{"-o", "json", "agents", "list"}, {}, home()});
  EXPECT_TRUE(ok.status.clean()) << ok.describe();
  EXPECT_EQ(intMember(parseJson(ok.out), "totalCount"), 0) << ok.describe();
}

TEST_F(GatewayctlTest, ClusterStatusShowsTheSingleNode) {
  auto& gw = startPlain();

  auto json = ctl(gw, {"-o", "json", "cluster", "status"});
  ASSERT_TRUE(json.status.clean()) << json.describe();
  auto doc = parseJson(json.out);
  EXPECT_EQ(stringMember(doc, "mode"), "single") << json.describe();
  const std::string nodeId = stringMember(doc, "nodeId").value_or("");
  ASSERT_FALSE(nodeId.empty()) << json.describe();
  ASSERT_TRUE(doc["nodes"].IsArray() && doc["nodes"].Size() == 1) << json.describe();

  auto table = ctl(gw, {"cluster", "status"});
  ASSERT_TRUE(table.status.clean()) << table.describe();
  EXPECT_THAT(table.out, ::testing::StartsWith("NODE")) << table.describe();
  EXPECT_THAT(table.out, HasSubstr("LIVE  LEADER  SIP URI")) << table.describe();
  // The node's row: its id, live, no leader mark, no revision (no etcd).
  EXPECT_THAT(table.out, ::testing::ContainsRegex("\n" + nodeId + " +yes +sip:[^ ]+ +- +- +"))
      << table.describe();
  EXPECT_THAT(table.out, HasSubstr("single node " + nodeId + " (no --etcd-endpoints)"))
      << table.describe();

  // A gateway that does not answer: exit code 1, as for every command.
  auto down = runCtl(
      {{"--url", "http://127.0.0.1:1", "--token", adminToken(), "cluster", "status"}, {}, home()});
  EXPECT_EQ(down.status.code, 1) << down.describe();
}

}  // namespace
}  // namespace gw::integration
