#pragma once
// Real etcd processes for tests: a cluster of one or more members on free loopback ports,
// each with its own temporary data directory. Members can be killed (SIGKILL) and started
// again on the same ports and data, to test what clients do when etcd goes away.
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace gw::testing {

class EtcdCluster {
 public:
  // Starts `members` members as one new cluster and waits until every one is healthy.
  // Throws std::runtime_error when etcd cannot be started or does not become healthy.
  // progressNotify: how often etcd sends watch progress notices (0: etcd's default, ten
  // minutes).
  explicit EtcdCluster(size_t members = 1,
                       std::chrono::milliseconds progressNotify = std::chrono::milliseconds(0));
  ~EtcdCluster();  // kills every member and removes the data directories
  EtcdCluster(const EtcdCluster&) = delete;
  EtcdCluster& operator=(const EtcdCluster&) = delete;

  size_t size() const;
  std::vector<std::string> clientUrls() const;  // "http://127.0.0.1:P", one per member
  std::string endpoints() const;                // the client URLs joined with ","

  void kill(size_t member);  // SIGKILL; a member already down is left alone
  // SIGSTOP and SIGCONT: a frozen member keeps its sockets open and answers nothing, as a
  // hung process or a host cut off without a reset does.
  void freeze(size_t member);
  void thaw(size_t member);
  // Starts a member that is down again, with its data directory; waits until it is healthy
  // when enough members run to form a quorum, else until it listens for clients.
  void start(size_t member);
  void killAll();
  void startAll();  // every member that is down, then waits until all are healthy
  bool running(size_t member) const;
  bool healthy(size_t member) const;  // GET <client>/health says {"health":"true"}

 private:
  struct Member;
  void launch(size_t member);
  void waitHealthy(size_t member) const;
  void waitListening(size_t member) const;

  std::chrono::milliseconds progressNotify_;
  std::string root_;
  std::string initialCluster_;
  std::vector<std::unique_ptr<Member>> members_;
};

}  // namespace gw::testing
