// bench-import-e2e: the import path end to end. For each scenario it starts a fresh
// twilio-emulator and gatewayd (both from this program's directory, port 0, loopback
// only), creates a provider for the emulator's account, drives imports over the admin
// HTTP API and prints numbers per second, request latency and the Twilio requests used
// (the emulator's /emulator/stats) against the bound N + ceil(M/1000) + 2 of issue 4.
//
// Child processes and temp dirs are owned by RAII objects: every exit path (success,
// error, exception, SIGINT/SIGTERM) stops the children (SIGTERM, then SIGKILL after a
// grace period) and removes the directories. Every wait is bounded in count and time.
#include <curl/curl.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include "bench/common/process_cpu.hpp"
#include "tests/support/temp_dir.hpp"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;
using gw::testsupport::TempDir;

constexpr Millis kStartupTimeout{30'000};
constexpr Millis kStopGrace{10'000};
constexpr Millis kPollInterval{10};
constexpr Millis kControlTimeout{60'000};  // provider creation, stats, number lists
constexpr Millis kImportTimeout{900'000};  // one import request, whatever the latency
constexpr size_t kTwilioPageSize = 1000;   // what the gateway asks for when listing

volatile sig_atomic_t g_interrupted = 0;
void onSignal(int) {
  g_interrupted = 1;
}

struct BenchError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void checkInterrupted() {
  if (g_interrupted) throw BenchError("interrupted");
}

std::string randomHex(size_t chars) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device rd;
  std::string s;
  for (size_t i = 0; i < chars; ++i) s += kHex[rd() & 0xf];
  return s;
}

std::string selfDir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw BenchError("cannot read /proc/self/exe: " + ec.message());
  return exe.parent_path().string();
}

// A child process whose stdout and stderr go to a log file. Stopped (SIGTERM, wait, then
// SIGKILL) by stop() or the destructor; it also gets SIGTERM if this program dies.
class ChildProcess {
 public:
  ChildProcess(std::string name, const std::vector<std::string>& argv,
               const std::vector<std::string>& extraEnv, std::string logPath)
      : name_(std::move(name)), logPath_(std::move(logPath)) {
    // Everything the child needs is built before fork(): it only calls async-signal-safe
    // functions afterwards.
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<char*> env;
    for (char** e = environ; e && *e; ++e) {
      // A variable set here replaces the inherited one (gatewayd keeps the first it sees).
      std::string_view inherited(*e);
      bool replaced = std::any_of(extraEnv.begin(), extraEnv.end(), [&](const std::string& x) {
        return inherited.substr(0, inherited.find('=') + 1) == x.substr(0, x.find('=') + 1);
      });
      if (!replaced) env.push_back(*e);
    }
    for (const auto& e : extraEnv) env.push_back(const_cast<char*>(e.c_str()));
    env.push_back(nullptr);
    int logFd = ::open(logPath_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (logFd < 0) throw BenchError("cannot create " + logPath_ + ": " + strerror(errno));
    const pid_t parent = getpid();

    pid_ = fork();
    if (pid_ < 0) {
      ::close(logFd);
      throw BenchError("fork: " + std::string(strerror(errno)));
    }
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (getppid() != parent) _exit(126);  // the parent died before prctl took effect
      dup2(logFd, STDOUT_FILENO);
      dup2(logFd, STDERR_FILENO);
      execve(args[0], args.data(), env.data());
      static const char kMsg[] = "bench-import-e2e: execve failed\n";
      (void)!write(STDERR_FILENO, kMsg, sizeof kMsg - 1);
      _exit(127);
    }
    ::close(logFd);
  }
  ~ChildProcess() { stop(); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Waits for the "listening on http://HOST:PORT" log line and returns the base URL.
  std::string waitForListening() {
    const auto deadline = Clock::now() + kStartupTimeout;
    static constexpr std::string_view kMarker = "listening on http://";
    while (Clock::now() < deadline) {
      checkInterrupted();
      std::string log = readLog();
      if (auto at = log.find(kMarker); at != std::string::npos) {
        auto start = at + kMarker.size() - std::string_view("http://").size();
        auto end = log.find_first_of(" \r\n", start);
        if (end != std::string::npos) return log.substr(start, end - start);
      }
      if (!running()) throw BenchError(name_ + " exited during start-up:\n" + logTail());
      std::this_thread::sleep_for(kPollInterval);
    }
    throw BenchError(name_ + " did not report its address within " +
                     std::to_string(kStartupTimeout.count()) + " ms:\n" + logTail());
  }

  bool running() {
    if (pid_ <= 0) return false;
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_ || (r < 0 && errno == ECHILD)) {
      pid_ = -1;
      return false;
    }
    return true;
  }

  void stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    const auto deadline = Clock::now() + kStopGrace;
    while (Clock::now() < deadline) {
      if (!running()) return;
      std::this_thread::sleep_for(kPollInterval);
    }
    // gatewayd answers its in-flight requests before it stops; an interrupted import may
    // take longer than the grace period.
    std::fprintf(stderr, "bench-import-e2e: %s still running %lld ms after SIGTERM; killing it\n",
                 name_.c_str(), static_cast<long long>(kStopGrace.count()));
    kill(pid_, SIGKILL);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }

  // User + system CPU time the process has used so far, 0 if gone.
  double cpuSeconds() const { return gw::bench::processCpuSeconds(pid_); }

  std::string logTail(size_t bytes = 3000) const {
    std::string log = readLog();
    return log.size() > bytes ? log.substr(log.size() - bytes) : log;
  }

 private:
  std::string readLog() const {
    std::ifstream in(logPath_, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  std::string name_;
  std::string logPath_;
  pid_t pid_ = -1;
};

struct Reply {
  long status = 0;
  std::string body;
};

// One curl easy handle per server: its connection is kept alive between requests.
class HttpClient {
 public:
  explicit HttpClient(std::string baseUrl) : base_(std::move(baseUrl)), easy_(curl_easy_init()) {
    if (!easy_) throw BenchError("curl_easy_init failed");
  }
  ~HttpClient() { curl_easy_cleanup(easy_); }
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  Reply send(const std::string& method, const std::string& path, const std::string& body,
             const std::string& bearer, Millis timeout) {
    checkInterrupted();
    Reply reply;
    std::string url = base_ + path;
    curl_slist* headers = nullptr;
    auto addHeader = [&headers](const std::string& line) {
      curl_slist* grown = curl_slist_append(headers, line.c_str());
      if (!grown) throw BenchError("curl_slist_append: out of memory");
      headers = grown;
    };
    CURLcode rc = CURLE_OK;
    auto set = [&](CURLoption opt, auto value) {
      if (rc == CURLE_OK) rc = curl_easy_setopt(easy_, opt, value);
    };
    try {
      addHeader("Expect:");
      if (!body.empty()) addHeader("Content-Type: application/json");
      if (!bearer.empty()) addHeader("Authorization: Bearer " + bearer);
      curl_easy_reset(easy_);  // keeps the connection cache
      set(CURLOPT_URL, url.c_str());
      set(CURLOPT_NOSIGNAL, 1L);
      set(CURLOPT_HTTPHEADER, headers);
      set(CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
      set(CURLOPT_CONNECTTIMEOUT_MS, 5000L);
      set(CURLOPT_WRITEFUNCTION, &HttpClient::onBody);
      set(CURLOPT_WRITEDATA, &reply.body);
      set(CURLOPT_NOPROGRESS, 0L);
      set(CURLOPT_XFERINFOFUNCTION, &HttpClient::onProgress);
      if (method == "POST") {
        set(CURLOPT_POST, 1L);
        set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
        set(CURLOPT_POSTFIELDS, body.c_str());
      } else if (method != "GET") {
        set(CURLOPT_CUSTOMREQUEST, method.c_str());
      }
      if (rc == CURLE_OK) rc = curl_easy_perform(easy_);
      if (rc == CURLE_OK) rc = curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &reply.status);
    } catch (...) {
      curl_slist_free_all(headers);
      throw;
    }
    curl_easy_setopt(easy_, CURLOPT_HTTPHEADER, nullptr);
    curl_slist_free_all(headers);
    checkInterrupted();
    if (rc != CURLE_OK) {
      throw BenchError(method + " " + url + ": " + curl_easy_strerror(rc));
    }
    return reply;
  }

 private:
  static size_t onBody(char* data, size_t size, size_t n, void* userp) {
    static_cast<std::string*>(userp)->append(data, size * n);
    return size * n;
  }
  static int onProgress(void*, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return g_interrupted ? 1 : 0;  // aborts the transfer on SIGINT/SIGTERM
  }

  std::string base_;
  CURL* easy_;
};

rapidjson::Document parseJson(const Reply& r, const std::string& what) {
  rapidjson::Document d;
  d.Parse(r.body.data(), r.body.size());
  if (d.HasParseError())
    throw BenchError(what + ": the answer is not JSON: " + r.body.substr(0, 300));
  return d;
}

void expectStatus(const Reply& r, long status, const std::string& what) {
  if (r.status != status) {
    throw BenchError(what + ": HTTP " + std::to_string(r.status) + " (expected " +
                     std::to_string(status) + "): " + r.body.substr(0, 500));
  }
}

struct Scenario {
  std::string name;
  size_t requests;
  size_t sidsPerRequest;
  int latencyMs;
};

struct Result {
  Scenario scenario;
  size_t accountNumbers = 0;  // M
  double seconds = 0;
  std::vector<double> requestSeconds;
  uint64_t imported = 0;
  uint64_t failed = 0;
  uint64_t twilioRequests = 0;
  uint64_t twilioInFlightMax = 0;
  uint64_t twilioThrottled = 0;  // Twilio requests the emulator answered 429
  uint64_t bound = 0;            // sum over requests of N + ceil(M/1000) + 2
  double gatewayCpu = 0;         // seconds of CPU used by gatewayd during the imports
  double emulatorCpu = 0;        // and by the emulator
};

struct Options {
  bool quick = false;
  std::vector<std::string> scenarios;  // empty: all
  size_t concurrency = 16;             // gatewayd --twilio-concurrency
  size_t maxConcurrency = 0;           // gatewayd --twilio-max-concurrency; 0: its default
  size_t twilioLimit = 0;              // emulator --max-concurrency L; 0: no limit
};

std::vector<Scenario> allScenarios(bool quick) {
  const size_t one = quick ? 500 : 10'000;
  const size_t each = quick ? 50 : 10'000;
  return {
      {"one-request-0ms", 1, one, 0},
      {"one-request-50ms", 1, one, 50},
      {"ten-requests-0ms", 10, each, 0},
      {"ten-requests-50ms", 10, each, 50},
  };
}

std::string importBody(const std::vector<std::string>& sids, size_t from, size_t count) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("phoneNumberSids");
  w.StartArray();
  for (size_t i = from; i < from + count; ++i) {
    w.String(sids[i].data(), static_cast<rapidjson::SizeType>(sids[i].size()));
  }
  w.EndArray();
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

Result runScenario(const Scenario& sc, const Options& opt, const std::string& binDir,
                   const std::string& runDir) {
  Result res;
  res.scenario = sc;
  res.accountNumbers = sc.requests * sc.sidsPerRequest;
  const std::string dir = runDir + "/" + sc.name;
  std::filesystem::create_directories(dir + "/data");

  const std::string accountSid = "AC" + randomHex(32);
  const std::string authToken = randomHex(32);
  const std::string adminToken = randomHex(40);

  std::vector<std::string> emulatorArgs = {binDir + "/twilio-emulator",
                                           "--listen",
                                           "127.0.0.1:0",
                                           "--account",
                                           accountSid + ":" + authToken,
                                           "--numbers",
                                           std::to_string(res.accountNumbers),
                                           "--latency-ms",
                                           std::to_string(sc.latencyMs)};
  if (opt.twilioLimit > 0) {
    emulatorArgs.insert(emulatorArgs.end(), {"--max-concurrency", std::to_string(opt.twilioLimit)});
  }
  ChildProcess emulator("twilio-emulator", emulatorArgs, {}, dir + "/emulator.log");
  const std::string emulatorUrl = emulator.waitForListening();

  std::vector<std::string> gatewayArgs = {binDir + "/gatewayd",
                                          "--data-dir",
                                          dir + "/data",
                                          "--admin-listen",
                                          "127.0.0.1:0",
                                          "--twilio-api-url",
                                          emulatorUrl,
                                          "--twilio-trunking-url",
                                          emulatorUrl,
                                          "--twilio-concurrency",
                                          std::to_string(opt.concurrency),
                                          "--store-sync",
                                          "true"};
  if (opt.maxConcurrency > 0) {
    gatewayArgs.insert(gatewayArgs.end(),
                       {"--twilio-max-concurrency", std::to_string(opt.maxConcurrency)});
  }
  ChildProcess gateway("gatewayd", gatewayArgs, {"GATEWAY_ADMIN_TOKEN=" + adminToken},
                       dir + "/gatewayd.log");
  const std::string gatewayUrl = gateway.waitForListening();

  HttpClient emu(emulatorUrl);
  HttpClient gw(gatewayUrl);

  // The account's SIDs, in the emulator's order.
  std::vector<std::string> sids;
  {
    Reply r =
        emu.send("GET", "/emulator/accounts/" + accountSid + "/numbers", "", "", kControlTimeout);
    expectStatus(r, 200, "listing the emulator's numbers");
    auto d = parseJson(r, "listing the emulator's numbers");
    if (!d.IsArray()) throw BenchError("the emulator's number list is not an array");
    for (const auto& n : d.GetArray()) {
      if (n.IsObject() && n.HasMember("sid") && n["sid"].IsString())
        sids.emplace_back(n["sid"].GetString());
    }
    if (sids.size() != res.accountNumbers) {
      throw BenchError("the emulator holds " + std::to_string(sids.size()) + " numbers, expected " +
                       std::to_string(res.accountNumbers));
    }
  }

  std::string providerId;
  {
    std::string body = R"({"accountSid":")" + accountSid + R"(","authToken":")" + authToken +
                       R"(","name":"bench"})";
    Reply r = gw.send("POST", "/api/v1/providers/twilio", body, adminToken, kControlTimeout);
    expectStatus(r, 201, "creating the provider");
    auto d = parseJson(r, "creating the provider");
    if (!d.IsObject() || !d.HasMember("id") || !d["id"].IsString()) {
      throw BenchError("the created provider has no id: " + r.body.substr(0, 300));
    }
    providerId = d["id"].GetString();
  }
  expectStatus(emu.send("POST", "/emulator/stats/reset", "", "", kControlTimeout), 204,
               "resetting the emulator's stats");

  const std::string importPath = "/api/v1/providers/twilio/" + providerId + "/import-numbers";
  const uint64_t pagesPerListing = (res.accountNumbers + kTwilioPageSize - 1) / kTwilioPageSize;
  const double gatewayCpu0 = gateway.cpuSeconds();
  const double emulatorCpu0 = emulator.cpuSeconds();
  const auto start = Clock::now();
  for (size_t i = 0; i < sc.requests; ++i) {
    std::string body = importBody(sids, i * sc.sidsPerRequest, sc.sidsPerRequest);
    const auto t0 = Clock::now();
    Reply r = gw.send("POST", importPath, body, adminToken, kImportTimeout);
    res.requestSeconds.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
    expectStatus(r, 200, "import request " + std::to_string(i + 1));
    auto d = parseJson(r, "import request " + std::to_string(i + 1));
    if (!d.IsObject() || !d.HasMember("successCount") || !d["successCount"].IsUint64() ||
        !d.HasMember("failedCount") || !d["failedCount"].IsUint64()) {
      throw BenchError("unexpected import result: " + r.body.substr(0, 300));
    }
    res.imported += d["successCount"].GetUint64();
    res.failed += d["failedCount"].GetUint64();
    res.bound += sc.sidsPerRequest + pagesPerListing + 2;
  }
  res.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  res.gatewayCpu = gateway.cpuSeconds() - gatewayCpu0;
  res.emulatorCpu = emulator.cpuSeconds() - emulatorCpu0;

  {
    Reply r = emu.send("GET", "/emulator/stats", "", "", kControlTimeout);
    expectStatus(r, 200, "reading the emulator's stats");
    auto d = parseJson(r, "reading the emulator's stats");
    if (!d.IsObject() || !d.HasMember("total") || !d["total"].IsUint64()) {
      throw BenchError("unexpected emulator stats: " + r.body.substr(0, 300));
    }
    res.twilioRequests = d["total"].GetUint64();
    if (d.HasMember("inFlightMax") && d["inFlightMax"].IsUint64()) {
      res.twilioInFlightMax = d["inFlightMax"].GetUint64();
    }
    // {"requests":{"POST /v1/Trunks/{Sid}/PhoneNumbers":{"201":9990,"429":10}},...}
    if (d.HasMember("requests") && d["requests"].IsObject()) {
      for (const auto& route : d["requests"].GetObject()) {
        if (!route.value.IsObject()) continue;
        auto n = route.value.FindMember("429");
        if (n != route.value.MemberEnd() && n->value.IsUint64()) {
          res.twilioThrottled += n->value.GetUint64();
        }
      }
    }
  }
  gateway.stop();
  emulator.stop();
  return res;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// With the emulator limiting the account to L requests in flight: the Twilio requests
// that did work (all but the 429s) per second against the L / latency that L allows, and
// the share of requests answered 429. Targets: >= 90 % of what L allows, <= 2 % 429s.
// Returns how many were missed (not judged at --quick sizes or without latency).
int printLimitResults(const std::vector<Result>& results, const Options& opt) {
  int missed = 0;
  std::printf("\ntargets (adaptive concurrency), emulator limit L = %zu, gatewayd C = %zu%s:\n",
              opt.twilioLimit, opt.concurrency, opt.quick ? " (--quick sizes: not judged)" : "");
  for (const Result& r : results) {
    const auto& s = r.scenario;
    if (s.latencyMs <= 0) continue;
    const uint64_t useful = r.twilioRequests - r.twilioThrottled;
    const double allowed = static_cast<double>(opt.twilioLimit) * 1000.0 / s.latencyMs;
    const double achieved = static_cast<double>(useful) / r.seconds;
    const double share = r.twilioRequests ? static_cast<double>(r.twilioThrottled) /
                                                static_cast<double>(r.twilioRequests)
                                          : 0.0;
    const bool judged = !opt.quick;
    const bool rateOk = achieved >= 0.9 * allowed;
    const bool shareOk = share <= 0.02;
    if (judged && !rateOk) ++missed;
    if (judged && !shareOk) ++missed;
    const uint64_t n = s.requests * s.sidsPerRequest;
    std::printf(
        "  %-18s %.3f s; %llu useful Twilio requests (%.4f per SID) at %.1f/s = %.1f %% of "
        "L / %d ms = %.0f/s (>= 90 %%: %s); 429s %llu of %llu = %.2f %% (<= 2 %%: %s)\n",
        s.name.c_str(), r.seconds, static_cast<unsigned long long>(useful),
        static_cast<double>(useful) / static_cast<double>(n), achieved, 100.0 * achieved / allowed,
        s.latencyMs, allowed, rateOk ? "met" : (judged ? "MISSED" : "missed, not judged"),
        static_cast<unsigned long long>(r.twilioThrottled),
        static_cast<unsigned long long>(r.twilioRequests), 100.0 * share,
        shareOk ? "met" : (judged ? "MISSED" : "missed, not judged"));
  }
  return missed;
}

// Prints the results and each target's verdict; returns how many bounds were missed. At
// --quick sizes only the Twilio request bound is judged: the time targets are set for
// 10,000-SID requests, and a smoke run on a busy machine says nothing about them.
int printResults(const std::vector<Result>& results, const Options& opt) {
  int missed = 0;
  auto verdict = [&](bool met, bool judged) {
    if (met) return "met";
    if (!judged) return "missed (not judged at --quick sizes)";
    ++missed;
    return "MISSED";
  };
  std::printf("\n%-18s %7s %12s %9s %11s %28s %9s %8s %9s %8s %6s %7s %7s\n", "scenario", "latency",
              "SIDs", "wall s", "numbers/s", "request s (min/median/max)", "imported", "failed",
              "Twilio rq", "bound", "inflt", "gw cpu", "emu cpu");
  for (const Result& r : results) {
    const auto& s = r.scenario;
    char sids[32];
    std::snprintf(sids, sizeof sids, "%zux%zu", s.requests, s.sidsPerRequest);
    char lat[48];
    std::snprintf(lat, sizeof lat, "%.3f/%.3f/%.3f",
                  *std::min_element(r.requestSeconds.begin(), r.requestSeconds.end()),
                  median(r.requestSeconds),
                  *std::max_element(r.requestSeconds.begin(), r.requestSeconds.end()));
    std::printf(
        "%-18s %5dms %12s %9.3f %11.0f %28s %9llu %8llu %9llu %8llu %6llu %7.2f %7.2f\n",
        s.name.c_str(), s.latencyMs, sids, r.seconds, static_cast<double>(r.imported) / r.seconds,
        lat, static_cast<unsigned long long>(r.imported), static_cast<unsigned long long>(r.failed),
        static_cast<unsigned long long>(r.twilioRequests), static_cast<unsigned long long>(r.bound),
        static_cast<unsigned long long>(r.twilioInFlightMax), r.gatewayCpu, r.emulatorCpu);
  }

  if (opt.twilioLimit > 0) return missed + printLimitResults(results, opt);
  std::printf("\ntargets (issue 4), concurrency C = %zu%s:\n", opt.concurrency,
              opt.quick ? " (--quick sizes: the targets are set for 10,000-SID requests)" : "");
  for (const Result& r : results) {
    const auto& s = r.scenario;
    const uint64_t n = s.requests * s.sidsPerRequest;
    const bool requestsOk = r.twilioRequests <= r.bound && r.twilioRequests <= 2 * n;
    std::printf(
        "  %-18s Twilio requests %llu <= N + ceil(M/1000) + 2 = %llu per request, "
        "summed (and <= 2N = %llu): %s\n",
        s.name.c_str(), static_cast<unsigned long long>(r.twilioRequests),
        static_cast<unsigned long long>(r.bound), static_cast<unsigned long long>(2 * n),
        verdict(requestsOk, true));
    if (s.requests == 1 && s.latencyMs == 0) {
      std::printf("  %-18s end to end %.3f s <= 1.0 s: %s\n", s.name.c_str(), r.seconds,
                  verdict(r.seconds <= 1.0, !opt.quick));
    } else if (s.latencyMs > 0) {
      const double ideal = static_cast<double>(r.twilioRequests) * s.latencyMs / 1000.0 /
                           static_cast<double>(opt.concurrency);
      std::printf("  %-18s %.3f s <= 1.15 x (%llu x %d ms / %zu) = %.3f s: %s (%.2f x ideal)\n",
                  s.name.c_str(), r.seconds, static_cast<unsigned long long>(r.twilioRequests),
                  s.latencyMs, opt.concurrency, 1.15 * ideal,
                  verdict(r.seconds <= 1.15 * ideal, !opt.quick), r.seconds / ideal);
    }
  }
  return missed;
}

const char kUsage[] =
    "Usage: bench-import-e2e [--quick] [--scenario NAME]... [--concurrency C]\n"
    "                        [--max-concurrency M] [--twilio-limit L]\n"
    "  Starts twilio-emulator and gatewayd (from this program's directory) on loopback for\n"
    "  each scenario and imports numbers over the admin API.\n"
    "  --quick          small sizes (500 SIDs per scenario) for smoke runs\n"
    "  --scenario NAME  run only this scenario (repeatable): one-request-0ms,\n"
    "                   one-request-50ms, ten-requests-0ms, ten-requests-50ms\n"
    "  --concurrency C  gatewayd --twilio-concurrency (default 16)\n"
    "  --max-concurrency M  gatewayd --twilio-max-concurrency (default: gatewayd's)\n"
    "  --twilio-limit L the emulator answers 429 beyond L requests in flight per account\n"
    "                   (--max-concurrency L); judges throughput against L / latency and\n"
    "                   the share of 429s instead of the time bound\n"
    "  Exits 1 when a number was not imported or a bound was missed (at --quick sizes only\n"
    "  the Twilio request bound is judged; the time targets are set for 10,000 SIDs).\n";

std::optional<Options> parseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quick") {
      o.quick = true;
    } else if (a == "--scenario" && i + 1 < argc) {
      o.scenarios.emplace_back(argv[++i]);
    } else if (a == "--concurrency" && i + 1 < argc) {
      char* end = nullptr;
      unsigned long c = std::strtoul(argv[++i], &end, 10);
      if (*end != '\0' || c < 1 || c > 1024) {
        std::fprintf(stderr, "bench-import-e2e: --concurrency expects 1 to 1024\n");
        return std::nullopt;
      }
      o.concurrency = c;
    } else if ((a == "--max-concurrency" || a == "--twilio-limit") && i + 1 < argc) {
      char* end = nullptr;
      unsigned long c = std::strtoul(argv[++i], &end, 10);
      if (*end != '\0' || c < 1 || c > 1024) {
        std::fprintf(stderr, "bench-import-e2e: %s expects 1 to 1024\n", a.c_str());
        return std::nullopt;
      }
      (a == "--twilio-limit" ? o.twilioLimit : o.maxConcurrency) = c;
    } else if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else {
      std::fprintf(stderr, "bench-import-e2e: unknown argument %s\n%s", a.c_str(), kUsage);
      return std::nullopt;
    }
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  auto opt = parseArgs(argc, argv);
  if (!opt) return 2;

  std::vector<Scenario> selected;
  for (const Scenario& s : allScenarios(opt->quick)) {
    if (opt->scenarios.empty() ||
        std::find(opt->scenarios.begin(), opt->scenarios.end(), s.name) != opt->scenarios.end()) {
      selected.push_back(s);
    }
  }
  if (selected.size() < (opt->scenarios.empty() ? 1 : opt->scenarios.size())) {
    std::fprintf(stderr, "bench-import-e2e: unknown scenario name\n%s", kUsage);
    return 2;
  }

  struct sigaction sa {};
  sa.sa_handler = onSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);

  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    std::fprintf(stderr, "bench-import-e2e: curl_global_init failed\n");
    return 1;
  }
  int rc = 0;
  try {
    const std::string binDir = selfDir();
    TempDir runDir("gw-bench-e2e");
    std::vector<Result> results;
    for (const Scenario& s : selected) {
      std::fprintf(stderr, "bench-import-e2e: %s: %zu x %zu SIDs, emulator latency %d ms\n",
                   s.name.c_str(), s.requests, s.sidsPerRequest, s.latencyMs);
      results.push_back(runScenario(s, *opt, binDir, runDir.path()));
      const Result& r = results.back();
      if (r.imported != s.requests * s.sidsPerRequest) {
        std::fprintf(stderr, "bench-import-e2e: %s: %llu of %zu numbers imported\n", s.name.c_str(),
                     static_cast<unsigned long long>(r.imported), s.requests * s.sidsPerRequest);
        rc = 1;
      }
    }
    if (const int missed = printResults(results, *opt); missed > 0) {
      std::fprintf(stderr, "bench-import-e2e: %d bound(s) MISSED (see the targets above)\n",
                   missed);
      rc = 1;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench-import-e2e: %s\n", e.what());
    rc = 1;
  }
  curl_global_cleanup();
  return rc;
}
