#include "gateway/data_dir_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>

namespace gw::gateway {

namespace {

// The pid the holder wrote, for the message; empty when unreadable.
std::string holderPid(int fd) {
  char buf[32] = {};
  ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return {};
  std::string pid(buf, static_cast<size_t>(n));
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  return pid.find_first_not_of("0123456789") == std::string::npos ? pid : std::string();
}

}  // namespace

Result<DataDirLock> DataDirLock::acquire(const std::string& dataDir) {
  std::error_code ec;
  std::filesystem::create_directories(dataDir, ec);
  if (ec) return Error{0, "cannot create the data directory " + dataDir + ": " + ec.message()};
  const std::string path = dataDir + "/gatewayd.lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Error{0, "cannot open " + path + ": " + std::strerror(errno)};
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    std::string pid = err == EWOULDBLOCK ? holderPid(fd) : std::string();
    ::close(fd);
    if (err != EWOULDBLOCK) return Error{0, "cannot lock " + path + ": " + std::strerror(err)};
    return Error{0, "the data directory " + dataDir + " is in use by another gatewayd" +
                        (pid.empty() ? std::string() : " (pid " + pid + ")") +
                        "; stop that one first, or give this one its own --data-dir"};
  }
  // Only for the message above: the lock itself is the flock, not the file's content.
  std::string pid = std::to_string(::getpid()) + "\n";
  const bool noted = ::ftruncate(fd, 0) == 0 &&
                     ::pwrite(fd, pid.data(), pid.size(), 0) == static_cast<ssize_t>(pid.size());
  (void)noted;  // the lock is held all the same; a refusal's message then lacks the pid
  return DataDirLock(fd);
}

DataDirLock::~DataDirLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace gw::gateway
