#pragma once
// A child process for black-box tests: its own process group, stdin from /dev/null, stdout
// and stderr captured through a pipe that a thread drains into a buffer. The destructor
// kills the whole group if the process is still running, so a failed test leaves nothing
// behind; PR_SET_PDEATHSIG does the same if the test binary itself dies.
#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace gw::integration {

struct ExitStatus {
  bool exited = false;  // exit() or return from main: `code` is meaningful
  int code = -1;
  int signal = 0;  // the signal that killed it, when !exited

  bool clean() const { return exited && code == 0; }
  std::string describe() const;
};

struct ProcessSpec {
  std::string name;  // a short label for messages, e.g. "gatewayd"
  std::string path;
  std::vector<std::string> args;
  // Set on top of a copy of this process's environment...
  std::vector<std::pair<std::string, std::string>> env;
  // ...from which variables starting with one of these prefixes were removed first.
  std::vector<std::string> scrubEnvPrefixes;
  // RLIMIT_FSIZE for the child, with SIGXFSZ ignored: a write past it fails with EFBIG as
  // on a full disk. 0: no limit set.
  uint64_t fileSizeLimitBytes = 0;
};

class ChildProcess {
 public:
  // Throws std::runtime_error when the process cannot be started.
  explicit ChildProcess(const ProcessSpec& spec);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  const std::string& name() const { return name_; }
  pid_t pid() const { return pid_; }

  // Waits until a complete output line matches `re`; returns the sub-matches ([0] is the
  // whole match), or nullopt when the deadline passes or the process closes its output.
  std::optional<std::vector<std::string>> waitForLine(const std::regex& re,
                                                      std::chrono::milliseconds timeout);
  // nullopt when the process is still running at the deadline.
  std::optional<ExitStatus> waitForExit(std::chrono::milliseconds timeout);
  // SIGTERM to the process, then waitForExit.
  std::optional<ExitStatus> terminate(std::chrono::milliseconds timeout);
  // SIGKILL to the process group, then waits (a killed process always goes).
  ExitStatus kill();

  bool running();
  std::optional<ExitStatus> exitStatus() const { return status_; }
  // Everything the process wrote so far (stdout and stderr interleaved).
  std::string output() const;

 private:
  void drain();
  bool reap(bool block);

  std::string name_;
  pid_t pid_ = -1;
  int readFd_ = -1;
  std::optional<ExitStatus> status_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::string output_;  // guarded by mutex_
  bool eof_ = false;    // guarded by mutex_
  std::thread drainer_;
};

}  // namespace gw::integration
