#pragma once
// The exclusive claim of one gatewayd on its data directory: flock() on
// <data-dir>/gatewayd.lock, held until the object is destroyed (or the process dies, when
// the kernel releases it). Two gateways on one LMDB environment would each keep their own
// routing table and SIP directory, and diverge. Taken on the control thread at start,
// before the store is opened or a token file is written.
#include <string>

#include "common/result.hpp"

namespace gw::gateway {

class DataDirLock {
 public:
  // Creates the directory if needed. The error names the directory, the process holding
  // it when known, and what to do.
  static Result<DataDirLock> acquire(const std::string& dataDir);

  DataDirLock(DataDirLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  DataDirLock& operator=(DataDirLock&&) = delete;
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;
  ~DataDirLock();

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace gw::gateway
