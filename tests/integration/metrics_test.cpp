// GET /metrics, GET /readyz and gatewayd --version against the real gatewayd and Twilio
// emulator: the scrape needs an admin token, promtool accepts it, and its numbers move as
// imports, admin calls and SIP requests (OPTIONS, an INVITE to an unknown number) run.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "harness/gateway_fixture.hpp"

namespace gw::integration {
namespace {

using Clock = std::chrono::steady_clock;
using LabelSet = std::map<std::string, std::string>;

struct Sample {
  std::string name;
  LabelSet labels;
  double value = 0;
};

// Reads the sample lines of a text-format scrape (label values may hold '{', '}' and
// escaped quotes). A line that does not parse fails the test.
std::vector<Sample> parseScrape(const std::string& text) {
  std::vector<Sample> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    const std::string line = text.substr(pos, eol - pos);
    pos = eol + 1;
    if (line.empty() || line[0] == '#') continue;
    Sample s;
    size_t i = line.find_first_of("{ ");
    s.name = line.substr(0, i);
    if (i != std::string::npos && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        size_t eq = line.find("=\"", i);
        if (eq == std::string::npos) break;
        std::string key = line.substr(i, eq - i), value;
        i = eq + 2;
        while (i < line.size() && line[i] != '"') {
          if (line[i] == '\\' && i + 1 < line.size()) ++i;
          value += line[i++];
        }
        s.labels[key] = value;
        ++i;  // closing quote
        if (i < line.size() && line[i] == ',') ++i;
      }
      ++i;  // '}'
    }
    EXPECT_TRUE(i < line.size() && line[i] == ' ') << "malformed sample line: " << line;
    if (i >= line.size()) continue;
    s.value = std::stod(line.substr(i + 1));
    out.push_back(std::move(s));
  }
  return out;
}

// The sum of every series of `name` whose labels include `match`.
double total(const std::vector<Sample>& samples, const std::string& name,
             const LabelSet& match = {}) {
  double sum = 0;
  for (const Sample& s : samples) {
    if (s.name != name) continue;
    bool ok = true;
    for (const auto& [k, v] : match) {
      auto it = s.labels.find(k);
      ok = ok && it != s.labels.end() && it->second == v;
    }
    if (ok) sum += s.value;
  }
  return sum;
}

struct Command {
  int exitCode = -1;
  std::string output;
};
Command runCommand(const std::string& command) {
  Command c;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (!p) return c;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) c.output.append(buf, n);
  const int status = ::pclose(p);
  c.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return c;
}

// One SIP request over UDP from 127.0.0.1; the first answer, or "" by the deadline.
std::string sipOverUdp(uint16_t port, const std::string& method, const std::string& uri) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  from.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<const sockaddr*>(&from), sizeof from);
  socklen_t len = sizeof from;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&from), &len);
  const std::string local = "127.0.0.1:" + std::to_string(ntohs(from.sin_port));
  const std::string request = method + " " + uri + " SIP/2.0\r\nVia: SIP/2.0/UDP " + local +
                              ";branch=z9hG4bKmetrics" + method + "\r\nMax-Forwards: 70\r\n" +
                              "From: <sip:probe@" + local + ">;tag=1\r\nTo: <" + uri + ">\r\n" +
                              "Call-ID: metrics-" + method + "\r\nCSeq: 1 " + method + "\r\n" +
                              "Contact: <sip:probe@" + local + ">\r\nContent-Length: 0\r\n\r\n";
  sockaddr_in to = from;
  to.sin_port = htons(port);
  ::sendto(fd, request.data(), request.size(), 0, reinterpret_cast<const sockaddr*>(&to),
           sizeof to);
  std::string got;
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 5000) == 1) {
    char buf[4096];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) got.assign(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return got;
}

class MetricsScrapeTest : public GatewayTest {
 protected:
  void SetUp() override {
    GatewayOptions options;
    options.publicSipUri.reset();
    options.extraArgs = {"--sip-trusted-cidr", "127.0.0.0/8", "--sip-workers", "2"};
    // A tenant besides the default org (whose token the fixture uses, and which may scrape).
    options.tokensFile = writeTokensFile({{tenantToken_, "tenant-1"}});
    s_ = startWithProvider(3, options);
  }

  std::string scrape() {
    auto r = call(*s_.gateway, "GET", "/metrics");
    EXPECT_EQ(r.status, 200) << r.describe();
    EXPECT_EQ(r.header("Content-Type").value_or(""), "text/plain; version=0.0.4; charset=utf-8");
    return r.body;
  }

  // promtool reads the scrape from stdin; its exit status and complaints.
  Command promtool(const std::string& scrapeText) {
    const std::string path = makeTempDir() + "/scrape.txt";
    std::ofstream(path) << scrapeText;
    return runCommand("promtool check metrics < " + path);
  }

  Setup s_;
  const std::string tenantToken_ = randomAdminToken();
};

TEST_F(MetricsScrapeTest, ScrapeNeedsAnAdminTokenAndPassesPromtool) {
  auto anonymous = call(*s_.gateway, "GET", "/metrics", std::nullopt, std::string());
  EXPECT_EQ(anonymous.status, 401) << anonymous.describe();
  EXPECT_EQ(anonymous.header("WWW-Authenticate").value_or(""), "Bearer");
  // The labels name every org's Twilio accounts: a tenant's own token does not read them.
  auto tenant = call(*s_.gateway, "GET", "/metrics", std::nullopt, tenantToken_);
  EXPECT_EQ(tenant.status, 403) << tenant.describe();
  EXPECT_EQ(tenant.body.find("gateway_"), std::string::npos);

  const std::string text = scrape();
  const Command check = promtool(text);
  EXPECT_EQ(check.exitCode, 0) << "promtool check metrics: " << check.output << "\n" << text;
  const auto samples = parseScrape(text);
  EXPECT_EQ(total(samples, "gateway_build_info", {{"version", "0.1.0"}}), 1) << text;
  EXPECT_EQ(total(samples, "gateway_sip_workers"), 2);
  EXPECT_GT(total(samples, "gateway_store_used_bytes"), 0);
  EXPECT_GT(total(samples, "gateway_store_limit_bytes"), 0);
  EXPECT_GT(total(samples, "gateway_routing_table_memory_bytes"), 0);
  // Creating the provider in SetUp went to Twilio and through the admin API.
  EXPECT_GE(total(samples, "gateway_twilio_requests_total", {{"operation", "create_trunk"}}), 1);
  EXPECT_EQ(total(samples, "gateway_admin_requests_total",
                  {{"route", "/api/v1/providers/twilio"}, {"method", "POST"}, {"status", "201"}}),
            1)
      << text;
}

TEST_F(MetricsScrapeTest, NumbersMoveWithImportsAdminCallsAndSip) {
  const auto before = parseScrape(scrape());
  const uint16_t sipPort = s_.gateway->sipAddress().port;

  // One SID found and imported, one unknown to the account.
  auto result = importNumbers(*s_.gateway, s_.providerId, {s_.numbers[0].sid, randomSid("PN")});
  ASSERT_EQ(result.successCount, 1);
  auto list = call(*s_.gateway, "GET", "/api/v1/sip-phone-numbers");
  ASSERT_EQ(list.status, 200) << list.describe();
  auto missing = call(*s_.gateway, "GET", "/api/v1/sip-phone-numbers/no-such-id");
  EXPECT_GE(missing.status, 400);
  const std::string options = sipOverUdp(sipPort, "OPTIONS", "sip:127.0.0.1");
  EXPECT_NE(options.find("SIP/2.0 200"), std::string::npos) << options;
  const std::string invite = sipOverUdp(sipPort, "INVITE", "sip:+15005550999@127.0.0.1");
  EXPECT_NE(invite.find("SIP/2.0 404"), std::string::npos) << invite;

  const std::string text = scrape();
  const Command check = promtool(text);
  EXPECT_EQ(check.exitCode, 0) << "promtool check metrics: " << check.output << "\n" << text;
  const auto after = parseScrape(text);
  auto moved = [&](const std::string& name, const LabelSet& labels = {}) {
    return total(after, name, labels) - total(before, name, labels);
  };
  EXPECT_EQ(moved("gateway_import_requests_total", {{"outcome", "partial"}}), 1) << text;
  EXPECT_EQ(moved("gateway_import_requests_total"), 1);
  EXPECT_EQ(moved("gateway_import_numbers_imported_total"), 1);
  EXPECT_EQ(moved("gateway_import_sid_errors_total", {{"kind", "not_found"}}), 1) << text;
  EXPECT_EQ(moved("gateway_import_sid_errors_total"), 1);
  EXPECT_GE(moved("gateway_twilio_requests_total", {{"operation", "attach_number"}}), 1) << text;
  EXPECT_GE(moved("gateway_twilio_request_duration_seconds_count"), 2);
  EXPECT_EQ(total(after, "gateway_routing_table_numbers"), 1);
  EXPECT_EQ(moved("gateway_admin_requests_total",
                  {{"route", "/api/v1/sip-phone-numbers"}, {"method", "GET"}, {"status", "200"}}),
            1);
  EXPECT_EQ(moved("gateway_admin_requests_total", {{"route", "/api/v1/sip-phone-numbers/{id}"}}), 1)
      << text;
  EXPECT_EQ(moved("gateway_admin_request_duration_seconds_count",
                  {{"route", "/api/v1/sip-phone-numbers"}, {"method", "GET"}}),
            1);
  EXPECT_EQ(moved("gateway_sip_requests_total", {{"method", "OPTIONS"}}), 1) << text;
  EXPECT_EQ(moved("gateway_sip_requests_total", {{"method", "INVITE"}}), 1);
  EXPECT_EQ(moved("gateway_sip_unknown_number_invites_total"), 1);
  EXPECT_EQ(moved("gateway_sip_responses_sent_total", {{"code", "404"}}), 1);
  EXPECT_EQ(moved("gateway_sip_responses_sent_total", {{"code", "200"}}), 1);
  EXPECT_EQ(moved("gateway_sip_acl_denials_total"), 0);
  // Both scrapes were admin requests themselves: the first is counted in the second.
  EXPECT_GE(total(after, "gateway_admin_requests_total", {{"route", "/metrics"}}), 1);
}

TEST_F(MetricsScrapeTest, ReadyzHealthzAndVersion) {
  auto ready = call(*s_.gateway, "GET", "/readyz", std::nullopt, std::string());
  EXPECT_EQ(ready.status, 200) << ready.describe();
  EXPECT_EQ(
      ready.body,
      R"({"status":"ready","writes":"available","checks":{"store":"ready","routingTable":"ready",)"
      R"("sip":"ready"}})");
  auto health = call(*s_.gateway, "GET", "/healthz", std::nullopt, std::string());
  EXPECT_EQ(health.status, 200) << health.describe();

  const Command version = runCommand(std::string(GW_BIN_DIR) + "/gatewayd --version");
  EXPECT_EQ(version.exitCode, 0) << version.output;
  EXPECT_EQ(version.output.rfind("gatewayd 0.1.0", 0), 0u) << version.output;
  const auto samples = parseScrape(scrape());
  for (const Sample& s : samples) {
    if (s.name != "gateway_build_info") continue;
    // The same build: --version shows what the metric's labels say.
    const std::string git = s.labels.at("git");
    const std::string expected =
        "gatewayd " + s.labels.at("version") + (git.empty() ? "" : " (git " + git + ")") + "\n";
    EXPECT_EQ(version.output, expected);
  }
}

}  // namespace
}  // namespace gw::integration
