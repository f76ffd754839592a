#include "harness/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace gw::integration {
namespace {

using Clock = std::chrono::steady_clock;

// While waiting for an exit, the waiter wakes at least this often to call waitpid().
constexpr std::chrono::milliseconds kReapPollInterval{5};

void writeAll(int fd, const char* text) {
  size_t n = std::strlen(text);
  while (n > 0) {
    ssize_t w = ::write(fd, text, n);
    if (w <= 0) return;
    text += w;
    n -= static_cast<size_t>(w);
  }
}

std::vector<std::string> buildEnvironment(const ProcessSpec& spec) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string kv = *e;
    std::string name = kv.substr(0, kv.find('='));
    bool drop = false;
    for (const auto& prefix : spec.scrubEnvPrefixes) {
      if (name.rfind(prefix, 0) == 0) drop = true;
    }
    for (const auto& [k, v] : spec.env) {
      if (name == k) drop = true;
    }
    if (!drop) env.push_back(std::move(kv));
  }
  for (const auto& [k, v] : spec.env) env.push_back(k + "=" + v);
  return env;
}

std::vector<char*> pointersTo(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

std::string ExitStatus::describe() const {
  if (exited) return "exit code " + std::to_string(code);
  return "killed by signal " + std::to_string(signal) + " (" + ::strsignal(signal) + ")";
}

ChildProcess::ChildProcess(const ProcessSpec& spec) : name_(spec.name) {
  // Everything the child needs is built before fork(): between fork and exec only
  // async-signal-safe calls are allowed, and other threads of the test may hold locks.
  std::vector<std::string> argStrings{spec.path};
  argStrings.insert(argStrings.end(), spec.args.begin(), spec.args.end());
  std::vector<std::string> envStrings = buildEnvironment(spec);
  std::vector<char*> argv = pointersTo(argStrings);
  std::vector<char*> envp = pointersTo(envStrings);
  std::string execFailed = "cannot execute " + spec.path + "\n";
  const rlim_t fileSizeLimit = spec.fileSizeLimitBytes;

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
  }
  int devNull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (devNull < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    throw std::runtime_error(std::string("open /dev/null: ") + std::strerror(errno));
  }
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    ::close(devNull);
    throw std::runtime_error(std::string("fork: ") + std::strerror(err));
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the test died before we got here
    // Dispositions and the mask survive exec: start from the defaults.
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int s : {SIGPIPE, SIGTERM, SIGINT, SIGHUP}) ::sigaction(s, &dfl, nullptr);
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (fileSizeLimit != 0) {
      struct sigaction ign {};
      ign.sa_handler = SIG_IGN;
      ::sigaction(SIGXFSZ, &ign, nullptr);
      const struct rlimit limit { fileSizeLimit, fileSizeLimit };
      if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) ::_exit(127);
    }
    if (::dup2(devNull, 0) < 0 || ::dup2(fds[1], 1) < 0 || ::dup2(fds[1], 2) < 0) ::_exit(127);
    // Descriptors the test opened without O_CLOEXEC (sockets of other clients) stay out.
    ::syscall(SYS_close_range, 3U, ~0U, 0U);
    ::execve(argv[0], argv.data(), envp.data());
    writeAll(2, execFailed.c_str());
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also in the parent, so the group exists before we signal it
  ::close(fds[1]);
  ::close(devNull);
  pid_ = pid;
  readFd_ = fds[0];
  drainer_ = std::thread([this] { drain(); });
}

ChildProcess::~ChildProcess() {
  // Only a group whose leader is not yet reaped is signalled: after the reap its id may
  // belong to someone else. gatewayd and the emulator start no processes of their own.
  if (!status_ && !reap(false)) kill();
  if (drainer_.joinable()) drainer_.join();
  if (readFd_ >= 0) ::close(readFd_);
}

void ChildProcess::drain() {
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(readFd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    std::lock_guard lock(mutex_);
    if (n <= 0) {
      eof_ = true;
      changed_.notify_all();
      return;
    }
    output_.append(buf, static_cast<size_t>(n));
    changed_.notify_all();
  }
}

bool ChildProcess::reap(bool block) {
  if (status_) return true;
  int ws = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &ws, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r != pid_) return false;
  ExitStatus s;
  if (WIFEXITED(ws)) {
    s.exited = true;
    s.code = WEXITSTATUS(ws);
  } else if (WIFSIGNALED(ws)) {
    s.signal = WTERMSIG(ws);
  }
  status_ = s;
  return true;
}

std::optional<std::vector<std::string>> ChildProcess::waitForLine(
    const std::regex& re, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  size_t scanned = 0;  // output_ before this offset holds no matching complete line
  std::unique_lock lock(mutex_);
  for (;;) {
    for (;;) {
      size_t nl = output_.find('\n', scanned);
      bool last = nl == std::string::npos;
      if (last && !eof_) break;  // wait for the rest of the line
      std::string line = output_.substr(scanned, last ? std::string::npos : nl - scanned);
      std::smatch m;
      if (std::regex_search(line, m, re)) {
        std::vector<std::string> groups;
        for (const auto& g : m) groups.push_back(g.str());
        return groups;
      }
      if (last) return std::nullopt;  // closed its output without the line
      scanned = nl + 1;
    }
    if (changed_.wait_until(lock, deadline) == std::cv_status::timeout) return std::nullopt;
  }
}

std::optional<ExitStatus> ChildProcess::waitForExit(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    if (reap(false)) {
      // The reap can come before the drain thread has read the last output: wait for the
      // pipe's EOF too, so output() holds everything the process wrote (bounded, in case
      // the pipe was inherited by something still running).
      std::unique_lock lock(mutex_);
      changed_.wait_until(lock, std::max(deadline, Clock::now() + std::chrono::seconds(2)),
                          [this] { return eof_; });
      return status_;
    }
    if (Clock::now() >= deadline) return std::nullopt;
    // Woken early by output (the pipe's EOF usually announces the exit).
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, kReapPollInterval);
  }
}

std::optional<ExitStatus> ChildProcess::terminate(std::chrono::milliseconds timeout) {
  if (!reap(false)) ::kill(pid_, SIGTERM);
  return waitForExit(timeout);
}

ExitStatus ChildProcess::kill() {
  if (!reap(false)) {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    reap(true);
  }
  return *status_;
}

bool ChildProcess::running() {
  return !reap(false);
}

std::string ChildProcess::output() const {
  std::lock_guard lock(mutex_);
  return output_;
}

}  // namespace gw::integration
