#include "harness/gateway_fixture.hpp"

#include <stdlib.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "harness/openapi_headers.hpp"

namespace gw::integration {
namespace {

constexpr size_t kPrintedOutputLimit = 16 * 1024;
constexpr int kMaxTake = 1000;

std::string binary(const char* name) {
  return std::string(GW_BIN_DIR) + "/" + name;
}

std::string tail(const std::string& text) {
  if (text.size() <= kPrintedOutputLimit) return text;
  return "...\n" + text.substr(text.size() - kPrintedOutputLimit);
}

// How deep gatewayd lets a body nest (docs/api.md).
constexpr int kMaxBodyDepth = 64;

bool startsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// Arrays and objects nested in a JSON text, counted outside strings.
int nestingDepth(std::string_view json) {
  int depth = 0, deepest = 0;
  bool inString = false;
  for (size_t i = 0; i < json.size(); ++i) {
    char c = json[i];
    if (inString) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        inString = false;
    } else if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

// Whether the OpenAPI proxy passes this request on unchanged. It answers a request that needs
// a token and has no bearer token itself, parses and re-serializes JSON bodies (a malformed,
// non-UTF-8 or overly deep one would arrive changed or not at all) and fails on HEAD; those
// requests go to gatewayd directly, unchecked.
bool proxyCarries(const HttpRequest& req, const std::string& path) {
  if (req.method == "HEAD") return false;
  bool bearer = false, json = false;
  for (const auto& h : req.headers) {
    bearer = bearer || startsWith(h, "Authorization: Bearer ");
    json = json || startsWith(h, "Content-Type: application/json");
  }
  if (!bearer && startsWith(path, "/api/") && !startsWith(path, "/api/v1/openapi.json")) {
    return false;
  }
  if (!req.body || !json) return true;
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag>(
      req.body->data(), req.body->size());
  return !doc.HasParseError() && nestingDepth(*req.body) <= kMaxBodyDepth;
}

const OpenApiHeaders& documentedHeaders() {
  static const OpenApiHeaders headers(openApiSpecPath());
  return headers;
}

}  // namespace

void PrintTo(const StateSnapshot& s, std::ostream* os) {
  *os << "{stored: [";
  for (const auto& n : s.storedNumbers) *os << n << "; ";
  *os << "], twilio: [";
  for (const auto& n : s.twilioNumbers) {
    *os << n.sid << " " << n.phoneNumber << " trunk " << n.trunkSid.value_or("null") << "; ";
  }
  *os << "]}";
}

GatewayTest::GatewayTest() : adminToken_(randomAdminToken()) {}

GatewayTest::~GatewayTest() = default;

void GatewayTest::TearDown() {
  // Gateways first: stopping one lets its in-flight Twilio calls finish against the emulator.
  for (auto& gw : gateways_) {
    if (auto died = gw->unexpectedExit()) {
      ADD_FAILURE() << "gatewayd ended while the test still used it: " << died->describe();
    }
    if (gw->running()) {
      auto status = gw->stop();
      EXPECT_TRUE(status.has_value()) << "gatewayd did not exit within the deadline after SIGTERM";
      if (status) {
        EXPECT_TRUE(status->clean()) << "gatewayd after SIGTERM: " << status->describe();
      }
    }
    EXPECT_FALSE(containsSecret(gw->output()))
        << "gatewayd's output contains a secret (an auth token or admin token)";
    if (auto violations = gw->proxyViolations(); !violations.empty()) {
      ADD_FAILURE() << "responses that break api/openapi.json:\n" << redact(violations);
    }
  }
  for (auto& emu : emulators_) {
    if (auto died = emu->unexpectedExit()) {
      ADD_FAILURE() << "twilio-emulator ended while the test still used it: " << died->describe();
    }
    if (emu->running()) {
      auto status = emu->stop();
      EXPECT_TRUE(status.has_value()) << "twilio-emulator did not exit after SIGTERM";
      if (status) {
        EXPECT_TRUE(status->clean()) << "twilio-emulator after SIGTERM: " << status->describe();
      }
    }
  }
  if (HasFailure()) {
    for (size_t i = 0; i < gateways_.size(); ++i) {
      std::cerr << "----- gatewayd #" << i << " output -----\n"
                << tail(redact(gateways_[i]->output())) << "\n";
    }
    for (size_t i = 0; i < gateways_.size(); ++i) {
      if (!gateways_[i]->proxied()) continue;
      std::cerr << "----- prism in front of gatewayd #" << i << " -----\n"
                << tail(redact(gateways_[i]->proxyOutput())) << "\n";
    }
    for (size_t i = 0; i < emulators_.size(); ++i) {
      std::cerr << "----- twilio-emulator #" << i << " output -----\n"
                << tail(redact(emulators_[i]->output())) << "\n";
    }
  }
  gateways_.clear();
  emulators_.clear();
  for (const auto& dir : tempDirs_) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  tempDirs_.clear();
}

std::string GatewayTest::makeTempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/gw-it-XXXXXX";
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed for " + pattern);
  tempDirs_.push_back(pattern);
  return pattern;
}

std::string GatewayTest::writeTokensFile(
    const std::vector<std::pair<std::string, std::string>>& tokenOrg) {
  std::string path = makeTempDir() + "/tokens";
  std::ofstream out(path);
  out << "# admin tokens of the test\n";
  for (const auto& [token, org] : tokenOrg) out << token << " " << org << "\n";
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path);
  std::filesystem::permissions(
      path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  return path;
}

EmulatorProcess& GatewayTest::startEmulator(EmulatorOptions options) {
  emulators_.push_back(
      std::make_unique<EmulatorProcess>(binary("twilio-emulator"), std::move(options)));
  emulators_.back()->start();
  return *emulators_.back();
}

GatewayProcess& GatewayTest::startGateway(GatewayOptions options) {
  if (options.dataDir.empty()) options.dataDir = makeTempDir() + "/data";
  if (options.twilioUrl.empty()) {
    if (emulators_.empty()) throw std::logic_error("start an emulator before the gateway");
    options.twilioUrl = emulators_.front()->baseUrl();
  }
  if (!options.adminToken) options.adminToken = adminToken_;
  gateways_.push_back(std::make_unique<GatewayProcess>(binary("gatewayd"), std::move(options)));
  gateways_.back()->start();
  return *gateways_.back();
}

GatewayTest::Setup GatewayTest::startWithProvider(int numbers, GatewayOptions gatewayOptions,
                                                  EmulatorOptions emulatorOptions) {
  Setup s;
  s.account = randomAccount();
  emulatorOptions.accounts.push_back(s.account);
  emulatorOptions.numbers = numbers;
  s.emulator = &startEmulator(std::move(emulatorOptions));
  gatewayOptions.twilioUrl = s.emulator->baseUrl();
  s.gateway = &startGateway(std::move(gatewayOptions));
  s.providerId = createProvider(*s.gateway, s.account);
  s.numbers = s.emulator->numbers(s.account.sid);
  if (s.numbers.size() != static_cast<size_t>(numbers)) {
    throw std::runtime_error("the emulator lists " + std::to_string(s.numbers.size()) +
                             " numbers, expected " + std::to_string(numbers));
  }
  return s;
}

std::string GatewayTest::authHeader(const Token& token) const {
  const std::string& t = token ? *token : adminToken_;
  return t.empty() ? std::string() : "Authorization: Bearer " + t;
}

HttpResponse GatewayTest::call(GatewayProcess& gw, const std::string& method,
                               const std::string& path, std::optional<std::string> body,
                               Token token) {
  HttpRequest req;
  req.method = method;
  if (auto h = authHeader(token); !h.empty()) req.headers.push_back(h);
  if (body) {
    req.headers.push_back("Content-Type: application/json");
    req.body = std::move(body);
  }
  return send(gw, std::move(req), path);
}

HttpResponse GatewayTest::callWithHeaders(GatewayProcess& gw, const std::string& method,
                                          const std::string& path, std::optional<std::string> body,
                                          const std::vector<std::string>& headers, Token token) {
  HttpRequest req;
  req.method = method;
  if (auto h = authHeader(token); !h.empty()) req.headers.push_back(h);
  if (body) {
    req.headers.push_back("Content-Type: application/json");
    req.body = std::move(body);
  }
  for (const auto& h : headers) req.headers.push_back(h);
  return send(gw, std::move(req), path);
}

HttpResponse GatewayTest::callWithContentType(GatewayProcess& gw, const std::string& method,
                                              const std::string& path, std::string body,
                                              const std::string& contentType, Token token) {
  HttpRequest req;
  req.method = method;
  if (auto h = authHeader(token); !h.empty()) req.headers.push_back(h);
  if (!contentType.empty()) req.headers.push_back("Content-Type: " + contentType);
  req.body = std::move(body);
  return send(gw, std::move(req), path);
}

HttpResponse GatewayTest::postProvider(
    GatewayProcess& gw, const TwilioAccount& account,
    const std::vector<std::pair<std::string, std::string>>& extra, Token token) {
  std::vector<std::pair<std::string, std::string>> members = {{"accountSid", account.sid},
                                                              {"authToken", account.token}};
  members.insert(members.end(), extra.begin(), extra.end());
  return call(gw, "POST", "/api/v1/providers/twilio", objectBody(members), std::move(token));
}

std::string GatewayTest::createProvider(
    GatewayProcess& gw, const TwilioAccount& account,
    const std::vector<std::pair<std::string, std::string>>& extra, Token token) {
  auto resp = postProvider(gw, account, extra, std::move(token));
  if (resp.status != 201) throw std::runtime_error("creating a provider: " + resp.describe());
  auto id = stringMember(parseJson(resp.body), "id");
  if (!id) throw std::runtime_error("created provider has no id: " + resp.describe());
  return *id;
}

rapidjson::Document GatewayTest::getProvider(GatewayProcess& gw, const std::string& id,
                                             Token token) {
  auto resp = call(gw, "GET", "/api/v1/providers/twilio/" + id, std::nullopt, std::move(token));
  if (resp.status != 200)
    throw std::runtime_error("getting provider " + id + ": " + resp.describe());
  return parseJson(resp.body);
}

rapidjson::Document GatewayTest::explainRoute(GatewayProcess& gw, const std::string& to,
                                              const std::string& source, Token token) {
  auto resp =
      call(gw, "GET", "/api/v1/routes/explain?to=" + urlEncode(to) + "&source=" + urlEncode(source),
           std::nullopt, std::move(token));
  if (resp.status != 200) throw std::runtime_error("explaining " + to + ": " + resp.describe());
  return parseJson(resp.body);
}

std::string GatewayTest::providerTrunk(GatewayProcess& gw, const std::string& id, Token token) {
  auto trunk = stringMember(getProvider(gw, id, std::move(token)), "trunkSid");
  if (!trunk) throw std::runtime_error("provider " + id + " has no trunkSid");
  return *trunk;
}

HttpRequest GatewayTest::importRequest(GatewayProcess& gw, const std::string& providerId,
                                       const std::vector<std::string>& sids, Token token) const {
  HttpRequest req;
  req.method = "POST";
  if (auto h = authHeader(token); !h.empty()) req.headers.push_back(h);
  req.headers.push_back("Content-Type: application/json");
  req.body = sidsBody(sids);
  const std::string path = "/api/v1/providers/twilio/" + providerId + "/import-numbers";
  req.url = (gw.proxied() && proxyCarries(req, path) ? gw.baseUrl() : gw.directUrl()) + path;
  return req;
}

HttpResponse GatewayTest::postImport(GatewayProcess& gw, const std::string& providerId,
                                     const std::vector<std::string>& sids, Token token) {
  HttpRequest req = importRequest(gw, providerId, sids, std::move(token));
  return send(gw, std::move(req), "/api/v1/providers/twilio/" + providerId + "/import-numbers");
}

HttpResponse GatewayTest::send(GatewayProcess& gw, HttpRequest req, const std::string& path) {
  const bool proxied = gw.proxied() && proxyCarries(req, path);
  req.url = (proxied ? gw.baseUrl() : gw.directUrl()) + path;
  HttpResponse resp = http_.send(req);
  if (proxied) {
    for (const auto& name : documentedHeaders().undocumented(req.method, path, resp)) {
      ADD_FAILURE() << req.method << " " << path << " answered " << resp.status << " with header "
                    << name << ", which api/openapi.json does not describe";
    }
  }
  return resp;
}

ImportResult GatewayTest::importNumbers(GatewayProcess& gw, const std::string& providerId,
                                        const std::vector<std::string>& sids, Token token) {
  auto resp = postImport(gw, providerId, sids, std::move(token));
  if (resp.status != 200) throw std::runtime_error("import: " + resp.describe());
  return parseImportResult(resp.body);
}

NumberPage GatewayTest::listNumbers(GatewayProcess& gw, const std::string& query, Token token) {
  auto resp = call(gw, "GET", "/api/v1/sip-phone-numbers" + (query.empty() ? "" : "?" + query),
                   std::nullopt, std::move(token));
  if (resp.status != 200) throw std::runtime_error("listing numbers: " + resp.describe());
  return parseNumberPage(resp.body);
}

std::vector<NumberRecord> GatewayTest::allNumbers(GatewayProcess& gw, Token token) {
  std::vector<NumberRecord> out;
  for (int64_t skip = 0;; skip += kMaxTake) {
    auto page = listNumbers(
        gw, "skip=" + std::to_string(skip) + "&take=" + std::to_string(kMaxTake), token);
    out.insert(out.end(), page.items.begin(), page.items.end());
    if (page.items.empty() || static_cast<int64_t>(out.size()) >= page.totalCount) break;
  }
  return out;
}

StateSnapshot GatewayTest::snapshot(GatewayProcess& gw, EmulatorProcess& emulator,
                                    const std::vector<TwilioAccount>& accounts, Token token) {
  StateSnapshot s;
  for (const auto& n : allNumbers(gw, std::move(token))) {
    s.storedNumbers.push_back(n.id + " " + n.phoneNumberSid + " " + n.providerId);
  }
  std::sort(s.storedNumbers.begin(), s.storedNumbers.end());
  for (const auto& a : accounts) {
    auto numbers = emulator.numbers(a.sid);
    s.twilioNumbers.insert(s.twilioNumbers.end(), numbers.begin(), numbers.end());
  }
  return s;
}

std::vector<std::string> sidsOnTrunk(const std::vector<EmulatorNumber>& numbers,
                                     const std::string& trunkSid) {
  std::vector<std::string> out;
  for (const auto& n : numbers) {
    if (n.trunkSid == trunkSid) out.push_back(n.sid);
  }
  return out;
}

}  // namespace gw::integration
