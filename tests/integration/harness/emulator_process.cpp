#include "harness/emulator_process.hpp"

#include <sstream>
#include <stdexcept>

#include "harness/json_util.hpp"

namespace gw::integration {
namespace {

const std::regex kListening{R"(listening on http://([0-9.]+):([0-9]+))"};
constexpr std::chrono::seconds kStartTimeout{30};
constexpr std::chrono::seconds kStopTimeout{20};

bool isControlRoute(const std::string& key) {
  return key.find(" /emulator/") != std::string::npos;
}

std::vector<EmulatorNumber> parseNumbers(const HttpResponse& resp) {
  auto doc = parseJson(resp.body);
  if (!doc.IsArray()) throw std::runtime_error("emulator numbers: expected an array");
  std::vector<EmulatorNumber> out;
  for (const auto& v : doc.GetArray()) {
    EmulatorNumber n;
    n.sid = stringMember(v, "sid").value_or("");
    n.phoneNumber = stringMember(v, "phoneNumber").value_or("");
    n.trunkSid = stringMember(v, "trunkSid");
    out.push_back(std::move(n));
  }
  return out;
}

std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < in.size(); i += 3) {
    uint32_t chunk = static_cast<uint32_t>(static_cast<unsigned char>(in[i])) << 16;
    if (i + 1 < in.size())
      chunk |= static_cast<uint32_t>(static_cast<unsigned char>(in[i + 1])) << 8;
    if (i + 2 < in.size()) chunk |= static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(chunk >> 18) & 63];
    out += kAlphabet[(chunk >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(chunk >> 6) & 63] : '=';
    out += i + 2 < in.size() ? kAlphabet[chunk & 63] : '=';
  }
  return out;
}

}  // namespace

uint64_t EmulatorStats::twilioRequests() const {
  uint64_t n = 0;
  for (const auto& [route, byStatus] : requests) {
    if (isControlRoute(route)) continue;
    for (const auto& [status, count] : byStatus) n += count;
  }
  return n;
}

uint64_t EmulatorStats::requestsTo(std::string_view method, std::string_view fragment) const {
  uint64_t n = 0;
  for (const auto& [route, byStatus] : requests) {
    if (isControlRoute(route)) continue;
    if (route.rfind(std::string(method) + " ", 0) != 0) continue;
    if (route.find(fragment) == std::string::npos) continue;
    for (const auto& [status, count] : byStatus) n += count;
  }
  return n;
}

uint64_t EmulatorStats::responsesWithStatus(int wanted) const {
  uint64_t n = 0;
  for (const auto& [route, byStatus] : requests) {
    if (isControlRoute(route)) continue;
    if (auto it = byStatus.find(wanted); it != byStatus.end()) n += it->second;
  }
  return n;
}

uint64_t EmulatorStats::serverErrors() const {
  uint64_t n = 0;
  for (const auto& [route, byStatus] : requests) {
    if (isControlRoute(route)) continue;
    for (const auto& [status, count] : byStatus) {
      if (status >= 500) n += count;
    }
  }
  return n;
}

EmulatorProcess::EmulatorProcess(std::string binary, EmulatorOptions options)
    : binary_(std::move(binary)), options_(std::move(options)) {}

EmulatorProcess::~EmulatorProcess() = default;

void EmulatorProcess::start() {
  if (process_) earlierOutput_ += process_->output();
  ProcessSpec spec;
  spec.name = "twilio-emulator";
  stopRequested_ = false;
  spec.path = binary_;
  spec.args = {"--listen",  "127.0.0.1:0",
               "--numbers", std::to_string(options_.numbers),
               "--seed",    std::to_string(options_.seed)};
  for (const auto& a : options_.accounts) {
    spec.args.push_back("--account");
    spec.args.push_back(a.sid + ":" + a.token);
  }
  if (options_.latencyMs > 0) {
    spec.args.push_back("--latency-ms");
    spec.args.push_back(std::to_string(options_.latencyMs));
  }
  if (options_.errorRate > 0) {
    std::ostringstream rate;
    rate << options_.errorRate;
    spec.args.push_back("--error-rate");
    spec.args.push_back(rate.str());
  }
  if (options_.maxConcurrency > 0) {
    spec.args.push_back("--max-concurrency");
    spec.args.push_back(std::to_string(options_.maxConcurrency));
  }
  spec.scrubEnvPrefixes = {"TWILIO_", "EMULATOR_"};
  process_ = std::make_unique<ChildProcess>(spec);
  auto m = process_->waitForLine(kListening, kStartTimeout);
  if (!m) {
    std::string why = process_->running() ? "no 'listening on' line in time"
                                          : "it exited: " + process_->kill().describe();
    throw std::runtime_error("twilio-emulator did not start (" + why + "); output:\n" +
                             redact(process_->output()));
  }
  baseUrl_ = "http://" + (*m)[1] + ":" + (*m)[2];
}

std::optional<ExitStatus> EmulatorProcess::stop() {
  if (!process_) return std::nullopt;
  stopRequested_ = true;
  return process_->terminate(kStopTimeout);
}

ExitStatus EmulatorProcess::kill() {
  if (!process_) return {};
  stopRequested_ = true;
  return process_->kill();
}

std::optional<ExitStatus> EmulatorProcess::unexpectedExit() const {
  if (!process_ || stopRequested_ || process_->running()) return std::nullopt;
  return process_->exitStatus();
}

std::string EmulatorProcess::output() const {
  return earlierOutput_ + (process_ ? process_->output() : std::string());
}

std::vector<EmulatorNumber> EmulatorProcess::numbers(const std::string& accountSid) {
  auto resp = http_.get(baseUrl_ + "/emulator/accounts/" + accountSid + "/numbers");
  if (resp.status != 200) {
    throw std::runtime_error("emulator numbers of " + accountSid + ": " + resp.describe());
  }
  return parseNumbers(resp);
}

std::vector<EmulatorNumber> EmulatorProcess::addNumbers(const std::string& accountSid, int count) {
  auto resp = http_.post(
      baseUrl_ + "/emulator/accounts/" + accountSid + "/numbers?count=" + std::to_string(count), "",
      "application/json");
  if (resp.status != 201) {
    throw std::runtime_error("emulator add numbers to " + accountSid + ": " + resp.describe());
  }
  return parseNumbers(resp);
}

void EmulatorProcess::detachNumber(const std::string& accountSid, const std::string& pnSid) {
  auto resp =
      http_.post(baseUrl_ + "/emulator/accounts/" + accountSid + "/numbers/" + pnSid + "/detach",
                 "", "application/json");
  if (resp.status != 200) throw std::runtime_error("emulator detach: " + resp.describe());
}

std::string EmulatorProcess::moveNumber(const std::string& accountSid, const std::string& pnSid,
                                        const std::string& trunkSid) {
  auto resp = http_.post(baseUrl_ + "/emulator/accounts/" + accountSid + "/numbers/" + pnSid +
                             "/move" + (trunkSid.empty() ? "" : "?trunkSid=" + trunkSid),
                         "", "application/json");
  if (resp.status != 200) throw std::runtime_error("emulator move: " + resp.describe());
  return stringMember(parseJson(resp.body), "trunkSid").value_or("");
}

void EmulatorProcess::releaseNumber(const std::string& accountSid, const std::string& pnSid) {
  auto resp = http_.del(baseUrl_ + "/emulator/accounts/" + accountSid + "/numbers/" + pnSid);
  if (resp.status != 204) throw std::runtime_error("emulator release: " + resp.describe());
}

void EmulatorProcess::rotateToken(const std::string& accountSid, const std::string& authToken) {
  auto resp = http_.post(
      baseUrl_ + "/emulator/accounts/" + accountSid + "/auth-token?authToken=" + authToken, "",
      "application/json");
  if (resp.status != 204) throw std::runtime_error("emulator token rotation: " + resp.describe());
}

EmulatorStats EmulatorProcess::stats() {
  auto resp = http_.get(baseUrl_ + "/emulator/stats");
  if (resp.status != 200) throw std::runtime_error("emulator stats: " + resp.describe());
  auto doc = parseJson(resp.body);
  EmulatorStats s;
  s.total = static_cast<uint64_t>(intMember(doc, "total").value_or(0));
  s.inFlightMax = static_cast<uint64_t>(intMember(doc, "inFlightMax").value_or(0));
  auto it = doc.FindMember("requests");
  if (it == doc.MemberEnd() || !it->value.IsObject()) {
    throw std::runtime_error("emulator stats: no 'requests' object: " + resp.describe());
  }
  for (const auto& route : it->value.GetObject()) {
    auto& byStatus = s.requests[route.name.GetString()];
    if (!route.value.IsObject()) continue;
    for (const auto& st : route.value.GetObject()) {
      if (st.value.IsUint64()) byStatus[std::stoi(st.name.GetString())] += st.value.GetUint64();
    }
  }
  return s;
}

void EmulatorProcess::resetStats() {
  auto resp = http_.post(baseUrl_ + "/emulator/stats/reset", "", "application/json");
  if (resp.status < 200 || resp.status > 299) {
    throw std::runtime_error("emulator stats reset: " + resp.describe());
  }
}

void EmulatorProcess::failNext(const std::string& method, const std::string& route, int status,
                               int times) {
  auto resp = http_.post(baseUrl_ + "/emulator/faults?method=" + urlEncode(method) +
                             "&route=" + urlEncode(route) + "&status=" + std::to_string(status) +
                             "&times=" + std::to_string(times),
                         "", "application/json");
  if (resp.status != 201) throw std::runtime_error("emulator fault: " + resp.describe());
}

uint64_t EmulatorProcess::pendingFaults() {
  auto resp = http_.get(baseUrl_ + "/emulator/faults");
  if (resp.status != 200) throw std::runtime_error("emulator faults: " + resp.describe());
  auto doc = parseJson(resp.body);
  if (!doc.IsArray()) throw std::runtime_error("emulator faults: expected an array");
  uint64_t n = 0;
  for (const auto& f : doc.GetArray())
    n += static_cast<uint64_t>(intMember(f, "remaining").value_or(0));
  return n;
}

long EmulatorProcess::trunkStatus(const TwilioAccount& account, const std::string& trunkSid) {
  std::string encoded = base64(account.sid + ":" + account.token);
  registerSecret(encoded);
  HttpRequest req;
  req.url = baseUrl_ + "/v1/Trunks/" + trunkSid;
  req.headers.push_back("Authorization: Basic " + encoded);
  auto resp = http_.send(req);
  if (!resp.error.empty()) throw std::runtime_error("emulator trunk fetch: " + resp.describe());
  return resp.status;
}

std::string EmulatorProcess::basicAuth(const TwilioAccount& account) {
  std::string encoded = base64(account.sid + ":" + account.token);
  registerSecret(encoded);
  return "Authorization: Basic " + encoded;
}

std::string EmulatorProcess::createTrunk(const TwilioAccount& account,
                                         const std::string& friendlyName) {
  auto resp = http_.post(baseUrl_ + "/v1/Trunks", "FriendlyName=" + urlEncode(friendlyName),
                         "application/x-www-form-urlencoded", {basicAuth(account)});
  if (resp.status != 201) throw std::runtime_error("emulator trunk create: " + resp.describe());
  auto sid = stringMember(parseJson(resp.body), "sid");
  if (!sid) throw std::runtime_error("emulator trunk create: no sid in " + resp.describe());
  return *sid;
}

void EmulatorProcess::attachNumber(const TwilioAccount& account, const std::string& trunkSid,
                                   const std::string& pnSid) {
  auto resp = http_.post(baseUrl_ + "/v1/Trunks/" + trunkSid + "/PhoneNumbers",
                         "PhoneNumberSid=" + urlEncode(pnSid), "application/x-www-form-urlencoded",
                         {basicAuth(account)});
  if (resp.status != 201) throw std::runtime_error("emulator attach: " + resp.describe());
}

std::vector<std::string> EmulatorProcess::listSids(const TwilioAccount& account,
                                                   const std::string& path, const char* key) {
  std::vector<std::string> out;
  std::string url = baseUrl_ + path + "?PageSize=1000";
  while (!url.empty()) {
    auto resp = http_.get(url, {basicAuth(account)});
    if (resp.status != 200) throw std::runtime_error("emulator " + path + ": " + resp.describe());
    auto doc = parseJson(resp.body);
    if (!doc.IsObject() || !doc.HasMember(key) || !doc[key].IsArray() || !doc.HasMember("meta") ||
        !doc["meta"].IsObject()) {
      throw std::runtime_error("emulator " + path + ": unexpected shape");
    }
    for (const auto& n : doc[key].GetArray()) out.push_back(stringMember(n, "sid").value_or(""));
    url = stringMember(doc["meta"], "next_page_url").value_or("");
  }
  return out;
}

std::vector<std::string> EmulatorProcess::trunkNumbers(const TwilioAccount& account,
                                                       const std::string& trunkSid) {
  return listSids(account, "/v1/Trunks/" + trunkSid + "/PhoneNumbers", "phone_numbers");
}

std::vector<std::string> EmulatorProcess::trunks(const TwilioAccount& account) {
  return listSids(account, "/v1/Trunks", "trunks");
}

std::vector<std::string> sidsOf(const std::vector<EmulatorNumber>& numbers) {
  std::vector<std::string> out;
  out.reserve(numbers.size());
  for (const auto& n : numbers) out.push_back(n.sid);
  return out;
}

}  // namespace gw::integration
