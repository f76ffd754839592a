#include "common/spare_descriptor.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace gw::net {

namespace {
int openReserve() {
  return ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}
}  // namespace

SpareDescriptor::SpareDescriptor() : fd_(openReserve()) {}

SpareDescriptor::~SpareDescriptor() {
  if (fd_ >= 0) ::close(fd_);
}

bool SpareDescriptor::shed(int listenFd) {
  if (fd_ < 0) {
    fd_ = openReserve();  // descriptors may have been released since
    return false;
  }
  ::close(fd_);
  const int c = ::accept4(listenFd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (c >= 0) ::close(c);
  fd_ = openReserve();
  return c >= 0;
}

}  // namespace gw::net
