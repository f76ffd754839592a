#pragma once
// The spare-descriptor answer to accept() failing with EMFILE/ENFILE: the pending
// connection stays in the listen backlog, so the listener would be readable (and fail)
// again at once, and the client would wait for minutes. Holding one descriptor in reserve,
// the listener gives it up, accepts the connection, closes it (the client sees the close at
// once and the backlog drains) and takes the reserve again. Not thread-safe: one per
// listener, used on its thread.
namespace gw::net {

class SpareDescriptor {
 public:
  SpareDescriptor();
  ~SpareDescriptor();
  SpareDescriptor(const SpareDescriptor&) = delete;
  SpareDescriptor& operator=(const SpareDescriptor&) = delete;

  // Accepts one pending connection of `listenFd` and closes it at once. False when there
  // was no reserve to give up or nothing could be accepted.
  bool shed(int listenFd);

 private:
  int fd_ = -1;
};

}  // namespace gw::net
