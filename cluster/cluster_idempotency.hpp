#pragma once
// Idempotency-Key answers shared by every node of the cluster (admin/idempotency.hpp), so
// that a client's retry reaches whichever node a load balancer picks and is answered the
// same way:
//
//   P idempotency/answers/<slot>   the kept answer (store codec), under a lease that ends
//                                  an hour after the idempotency window
//   P idempotency/running/<slot>   the node running a request under the key, under that
//                                  node's membership lease (gone with the node)
//
// <slot> is the hex of the org-and-key digest. Neither is replicated into LMDB: they are
// read from etcd when a request with an Idempotency-Key comes. Control thread only.
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include <boost/asio/io_context.hpp>

#include "cluster/etcd_client.hpp"
#include "cluster/keyspace.hpp"
#include "modules/admin/idempotency.hpp"

namespace gw::cluster {

class EtcdIdempotencyStore final : public admin::IdempotencyStore {
 public:
  // `lease`: this node's membership lease (0 while it has none: begin() then refuses).
  EtcdIdempotencyStore(boost::asio::io_context& io, EtcdClient& etcd, Keyspace keys,
                       std::string nodeId, std::function<int64_t()> lease);

  boost::asio::awaitable<std::optional<store::IdempotentAnswer>> find(
      const std::string& slot) override;
  boost::asio::awaitable<bool> begin(const std::string& slot) override;
  boost::asio::awaitable<void> end(const std::string& slot,
                                   const store::IdempotentAnswer* answer) override;
  void abandon(const std::string& slot) override;

  std::string answerKey(const std::string& slot) const;
  std::string runningKey(const std::string& slot) const;

 private:
  boost::asio::io_context& io_;
  EtcdClient& etcd_;
  Keyspace keys_;
  std::string nodeId_;
  std::function<int64_t()> lease_;
  // Deletes the running key of this node's run of `slot` (compared on its token), in the
  // background; best effort: the key goes with the node's lease anyway.
  void release(const std::string& slot, std::string token);

  // The answer key's mod revision find() saw (0: none), which begin() compares, so that a
  // run starts only where no answer has been kept since. Kept only until begin(), for a
  // look-up that found no answer in the window.
  std::map<std::string, int64_t> seen_;
  // This node's runs: slot -> the running key's value (node id and a counter), so that only
  // the run that put a running key deletes it.
  std::map<std::string, std::string> runs_;
  uint64_t counter_ = 0;
};

}  // namespace gw::cluster
