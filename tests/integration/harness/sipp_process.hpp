#pragma once
// SIPp (`sipp`, Debian package sip-tester) as a child process of a black-box test: a UAC that
// places calls against the gateway, or a UAS that plays an agent in the background on a port
// chosen free beforehand. Scenarios live in tests/sip/scenarios/. Each run gets its own
// temporary directory for sipp's traces (unexpected messages, every message sent and
// received, the scenario's <log> actions), which the result carries for assertion messages.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "harness/child_process.hpp"

namespace gw::integration {

enum class SipTransport { kUdp, kTcp };
void PrintTo(SipTransport t, std::ostream* os);  // "udp" or "tcp" in test names and messages

struct SippOptions {
  // A file name under tests/sip/scenarios/ or a path.
  std::string scenario;
  // "HOST:PORT" the UAC sends to; empty for a UAS.
  std::string remote;
  // -s: the Request-URI user part of a UAC's INVITE (the called number).
  std::string service = "service";
  // -i and -bind_local: the address in Via/Contact/SDP, and the one sipp binds. A UAS that
  // plays an agent uses 127.0.0.2, so the gateway can tell it from the caller on 127.0.0.1.
  std::string localIp = "127.0.0.1";
  // -p; 0 picks a port free for UDP and TCP on localIp.
  uint16_t localPort = 0;
  SipTransport transport = SipTransport::kUdp;
  int calls = 1;  // -m: sipp exits after this many calls
  // -timeout with -timeout_error: sipp gives up, failing, after this long.
  std::chrono::seconds timeout{10};
  // -key NAME VALUE: the scenario's [NAME] keywords. The UAC scenarios' From user is
  // [caller_id], "+15005550006" unless given here.
  std::vector<std::pair<std::string, std::string>> keys;
};

struct SippResult {
  ExitStatus status;
  std::string output;    // stdout and stderr: its final screens and "events occurred"
  std::string logs;      // -trace_logs: lines written by the scenario's <log> actions
  std::string errors;    // -trace_err: unexpected messages
  std::string messages;  // -trace_msg: every message sent and received

  // sipp's exit code 0: every call ran the scenario to its end.
  bool ok() const { return status.clean(); }
  // The value of the last "NAME=value" line the scenario logged.
  std::optional<std::string> logged(std::string_view name) const;
  // Everything above, for an assertion message (bounded in size).
  std::string describe() const;
};

class SippProcess {
 public:
  // Starts sipp; throws std::runtime_error when it cannot be started.
  explicit SippProcess(SippOptions options);
  ~SippProcess();
  SippProcess(const SippProcess&) = delete;
  SippProcess& operator=(const SippProcess&) = delete;

  // For a UAS: waits until its port is bound (UDP) or listening (TCP). Throws when sipp
  // exits first or the deadline passes.
  void waitUntilListening(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  const SippOptions& options() const { return options_; }
  uint16_t port() const { return options_.localPort; }
  // "IP:PORT" of this sipp.
  std::string address() const;
  // A SIP URI reaching this sipp, e.g. "sip:agent@127.0.0.2:40123" (";transport=tcp" added
  // over TCP): the sipUri of an agent played by this UAS.
  std::string sipUri(std::string_view user = "agent") const;

  // Waits for sipp to exit (its own -timeout plus a margin; then it is killed) and collects
  // its traces.
  SippResult wait();

 private:
  SippOptions options_;
  std::string dir_;
  std::unique_ptr<ChildProcess> process_;
};

// Runs a UAC to its end.
SippResult runSipp(SippOptions options);

// The sipp executable: $SIPP when set, else `sipp` on PATH. Throws when there is none.
std::string sippBinary();
// tests/sip/scenarios/<name>.
std::string scenarioPath(std::string_view name);
// A port that is free for both UDP and TCP on `ip` at the time of the call.
uint16_t freeSipPort(const std::string& ip);
// A UDP port P on `ip` such that P and P + 2 are free at the time of the call.
uint16_t freeMediaPort(const std::string& ip);

}  // namespace gw::integration
