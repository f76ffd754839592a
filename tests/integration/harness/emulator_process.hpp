#pragma once
// A twilio-emulator child process and typed access to its unauthenticated control routes.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/child_process.hpp"
#include "harness/http_client.hpp"
#include "harness/test_values.hpp"

namespace gw::integration {

struct EmulatorOptions {
  std::vector<TwilioAccount> accounts;
  int numbers = 5;  // per account
  int latencyMs = 0;
  double errorRate = 0;  // fraction of Twilio requests answered 500/503
  uint64_t seed = 1;
  int maxConcurrency = 0;  // 0: no limit; else 429/20429 beyond this many in flight
};

struct EmulatorNumber {
  std::string sid;
  std::string phoneNumber;
  std::optional<std::string> trunkSid;  // nullopt: on no trunk
  bool operator==(const EmulatorNumber&) const = default;
};

// GET /emulator/stats: "<METHOD> <route pattern>" -> HTTP status -> count.
struct EmulatorStats {
  std::map<std::string, std::map<int, uint64_t>> requests;
  uint64_t total = 0;
  uint64_t inFlightMax = 0;

  // Requests to the Twilio API routes (the control routes under /emulator/ excluded).
  uint64_t twilioRequests() const;
  // Twilio API requests whose route contains `fragment` and whose method is `method`.
  uint64_t requestsTo(std::string_view method, std::string_view fragment) const;
  // Twilio API responses with this status.
  uint64_t responsesWithStatus(int status) const;
  // Twilio API responses with a status of 500 or more.
  uint64_t serverErrors() const;
};

class EmulatorProcess {
 public:
  EmulatorProcess(std::string binary, EmulatorOptions options);
  ~EmulatorProcess();

  // Starts it and waits for its "listening on" line. Throws on failure.
  void start();
  std::optional<ExitStatus> stop();
  // SIGKILL: Twilio vanishes mid-request, its connections reset.
  ExitStatus kill();
  bool running() const { return process_ && process_->running(); }
  // Set when the current run ended without stop().
  std::optional<ExitStatus> unexpectedExit() const;

  const EmulatorOptions& options() const { return options_; }
  // "http://127.0.0.1:PORT", both the 2010-04-01 API and Trunking v1.
  const std::string& baseUrl() const { return baseUrl_; }
  std::string output() const;

  // Control routes; each throws std::runtime_error on an unexpected answer.
  std::vector<EmulatorNumber> numbers(const std::string& accountSid);
  std::vector<EmulatorNumber> addNumbers(const std::string& accountSid, int count);
  EmulatorStats stats();
  void resetStats();
  // POST /emulator/faults: the next `times` requests to the Twilio route `method` `route`
  // (the pattern as the stats name it, e.g. "DELETE", "/v1/Trunks/{Sid}") are answered
  // `status` in Twilio's error shape, without being carried out.
  void failNext(const std::string& method, const std::string& route, int status, int times = 1);
  // GET /emulator/faults: how many requests the pending faults will still fail.
  uint64_t pendingFaults();

  // What the account's owner does in the Twilio console (control routes): take a number off
  // its trunk, move it to trunk `trunkSid` (a new trunk when empty; returns the trunk),
  // release it from the account, rotate the account's auth token.
  void detachNumber(const std::string& accountSid, const std::string& pnSid);
  std::string moveNumber(const std::string& accountSid, const std::string& pnSid,
                         const std::string& trunkSid = "");
  void releaseNumber(const std::string& accountSid, const std::string& pnSid);
  void rotateToken(const std::string& accountSid, const std::string& authToken);

  // GET /v1/Trunks/{TK} as the account: the HTTP status (200, 404...).
  long trunkStatus(const TwilioAccount& account, const std::string& trunkSid);
  // Trunking v1 as the account, as a customer would use it; each throws unless Twilio's
  // documented success status comes back.
  // POST /v1/Trunks: the new trunk's SID.
  std::string createTrunk(const TwilioAccount& account, const std::string& friendlyName);
  // POST /v1/Trunks/{TK}/PhoneNumbers.
  void attachNumber(const TwilioAccount& account, const std::string& trunkSid,
                    const std::string& pnSid);
  // GET /v1/Trunks/{TK}/PhoneNumbers, every page: the SIDs on the trunk.
  std::vector<std::string> trunkNumbers(const TwilioAccount& account, const std::string& trunkSid);
  // GET /v1/Trunks, every page: the SIDs of the account's trunks.
  std::vector<std::string> trunks(const TwilioAccount& account);

 private:
  std::string binary_;
  EmulatorOptions options_;
  std::unique_ptr<ChildProcess> process_;
  bool stopRequested_ = false;
  std::string earlierOutput_;
  std::string baseUrl_;
  HttpClient http_;

  std::string basicAuth(const TwilioAccount& account);
  // Every page of a Trunking v1 list as the account: the items' SIDs.
  std::vector<std::string> listSids(const TwilioAccount& account, const std::string& path,
                                    const char* key);
};

std::vector<std::string> sidsOf(const std::vector<EmulatorNumber>& numbers);

}  // namespace gw::integration
