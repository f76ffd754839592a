#pragma once
// The base fixture of the black-box tests: it starts real twilio-emulator and gatewayd
// processes on loopback (port 0, a temporary data directory each), talks to them over HTTP,
// and at teardown stops them with SIGTERM and expects a clean exit. On failure it prints
// their output, with every secret the test handed out redacted.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <rapidjson/document.h>

#include "harness/emulator_process.hpp"
#include "harness/gateway_process.hpp"
#include "harness/http_client.hpp"
#include "harness/json_util.hpp"
#include "harness/test_values.hpp"

namespace gw::integration {

// Who a call authenticates as: the fixture's admin token (org "default") unless a token is
// given; an empty token sends no Authorization header at all.
using Token = std::optional<std::string>;

// What a rejected request must leave untouched: the stored numbers and the Twilio side.
struct StateSnapshot {
  std::vector<std::string> storedNumbers;  // "<id> <sid> <providerId>", sorted
  std::vector<EmulatorNumber> twilioNumbers;
  bool operator==(const StateSnapshot&) const = default;
};
void PrintTo(const StateSnapshot& s, std::ostream* os);

class GatewayTest : public ::testing::Test {
 protected:
  GatewayTest();
  ~GatewayTest() override;
  void TearDown() override;

  const std::string& adminToken() const { return adminToken_; }
  HttpClient& http() { return http_; }

  std::string makeTempDir();
  // A tokens file of "<token> <orgId>" lines in a temporary directory.
  std::string writeTokensFile(const std::vector<std::pair<std::string, std::string>>& tokenOrg);

  EmulatorProcess& startEmulator(EmulatorOptions options);
  // Unset fields of `options` are filled in: a new data directory, the first emulator's
  // URL, the fixture's admin token (pass an empty adminToken for none).
  GatewayProcess& startGateway(GatewayOptions options = {});

  // One account with `numbers` numbers, one gatewayd, one provider for the account.
  struct Setup {
    TwilioAccount account;
    EmulatorProcess* emulator = nullptr;
    GatewayProcess* gateway = nullptr;
    std::string providerId;
    std::vector<EmulatorNumber> numbers;  // as the emulator listed them before any import
  };
  Setup startWithProvider(int numbers, GatewayOptions gatewayOptions = {},
                          EmulatorOptions emulatorOptions = {});

  // The admin API; `body`, when given, is sent as application/json.
  HttpResponse call(GatewayProcess& gw, const std::string& method, const std::string& path,
                    std::optional<std::string> body = std::nullopt, Token token = std::nullopt);
  // The same, with more header lines ("Name: value").
  HttpResponse callWithHeaders(GatewayProcess& gw, const std::string& method,
                               const std::string& path, std::optional<std::string> body,
                               const std::vector<std::string>& headers, Token token = std::nullopt);
  HttpResponse callWithContentType(GatewayProcess& gw, const std::string& method,
                                   const std::string& path, std::string body,
                                   const std::string& contentType, Token token = std::nullopt);

  // POST /api/v1/providers/twilio; `extra` members are added to accountSid and authToken.
  HttpResponse postProvider(GatewayProcess& gw, const TwilioAccount& account,
                            const std::vector<std::pair<std::string, std::string>>& extra = {},
                            Token token = std::nullopt);
  // The same, throwing unless 201; the new provider's id.
  std::string createProvider(GatewayProcess& gw, const TwilioAccount& account,
                             const std::vector<std::pair<std::string, std::string>>& extra = {},
                             Token token = std::nullopt);
  // GET /api/v1/providers/twilio/{id}, throwing unless 200.
  rapidjson::Document getProvider(GatewayProcess& gw, const std::string& id,
                                  Token token = std::nullopt);

  // The trunkSid of a provider, throwing when it cannot be read.
  std::string providerTrunk(GatewayProcess& gw, const std::string& id, Token token = std::nullopt);

  // The import request, for threads that send it through their own HttpClient.
  HttpRequest importRequest(GatewayProcess& gw, const std::string& providerId,
                            const std::vector<std::string>& sids, Token token = std::nullopt) const;
  HttpResponse postImport(GatewayProcess& gw, const std::string& providerId,
                          const std::vector<std::string>& sids, Token token = std::nullopt);
  // The same, throwing unless 200.
  ImportResult importNumbers(GatewayProcess& gw, const std::string& providerId,
                             const std::vector<std::string>& sids, Token token = std::nullopt);

  // GET /api/v1/sip-phone-numbers?<query>, throwing unless 200.
  NumberPage listNumbers(GatewayProcess& gw, const std::string& query = "",
                         Token token = std::nullopt);
  // Every stored number visible to the token (all pages).
  std::vector<NumberRecord> allNumbers(GatewayProcess& gw, Token token = std::nullopt);

  // GET /api/v1/routes/explain: what the SIP workers answer an INVITE for `to` from
  // `source`; throws unless 200.
  rapidjson::Document explainRoute(GatewayProcess& gw, const std::string& to,
                                   const std::string& source, Token token = std::nullopt);

  StateSnapshot snapshot(GatewayProcess& gw, EmulatorProcess& emulator,
                         const std::vector<TwilioAccount>& accounts, Token token = std::nullopt);

 private:
  std::string authHeader(const Token& token) const;
  // Sends `req` to `path` of gw, through its OpenAPI proxy when that can carry it; a
  // response the proxy saw must not carry a header the document does not name.
  HttpResponse send(GatewayProcess& gw, HttpRequest req, const std::string& path);

  std::string adminToken_;
  HttpClient http_;
  std::vector<std::string> tempDirs_;
  std::vector<std::unique_ptr<EmulatorProcess>> emulators_;
  std::vector<std::unique_ptr<GatewayProcess>> gateways_;
};

// The numbers of `numbers` whose trunk is `trunkSid`, as SIDs.
std::vector<std::string> sidsOnTrunk(const std::vector<EmulatorNumber>& numbers,
                                     const std::string& trunkSid);

}  // namespace gw::integration
