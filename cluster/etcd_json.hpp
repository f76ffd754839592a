#pragma once
// The etcd v3 JSON gateway's wire format: request bodies, answers, error bodies and the
// watch stream's messages. Keys and values travel base64-encoded, int64 as JSON strings.
// Internal to the etcd client; separate so that tests can decode canned text without etcd.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/etcd_client.hpp"

namespace gw::cluster::etcd_json {

std::string base64Encode(std::string_view bytes);
std::optional<std::string> base64Decode(std::string_view text);

// Request bodies.
std::string encodeRange(const RangeRequest& request);
std::string encodePut(const std::string& key, const std::string& value, int64_t lease);
std::string encodeTxn(const TxnRequest& request);
std::string encodeLeaseGrant(int64_t ttlSeconds);
std::string encodeLeaseId(int64_t lease);  // keepalive and revoke
std::string encodeWatchCreate(const std::string& key, const std::string& rangeEnd,
                              int64_t startRevision);

// Answers of HTTP 200. nullopt: the body is not what etcd sends.
std::optional<RangeResponse> decodeRange(std::string_view body);
std::optional<int64_t> decodeHeaderRevision(std::string_view body);  // put
std::optional<TxnResponse> decodeTxn(std::string_view body);
std::optional<int64_t> decodeLeaseGrant(std::string_view body);      // the lease id
std::optional<int64_t> decodeLeaseKeepAlive(std::string_view body);  // the TTL left

// An answer with an error status: {"error":"...","code":N,"message":"..."}. kRejected with
// etcd's message, or kCompacted for a compacted revision.
struct ErrorAnswer {
  EtcdError error;
  int grpcCode = 0;  // 14: etcd could not serve the request (no leader, timed out)
};
ErrorAnswer decodeError(int httpStatus, std::string_view body);

// One message of the watch stream.
struct WatchMessage {
  bool created = false;
  bool canceled = false;
  int64_t compactRevision = 0;
  int64_t headerRevision = 0;
  std::vector<WatchBatch> batches;   // the events split by revision, in order
  std::optional<std::string> error;  // the stream's {"error":{...}} message
};
std::optional<WatchMessage> decodeWatchMessage(std::string_view line);

// Splits the watch stream into its messages: each is one JSON object followed by "\n". Bytes
// may arrive in any pieces; a message is returned once its "\n" has arrived.
class StreamSplitter {
 public:
  // Appends `bytes` and returns every message completed by them (without the "\n"; empty
  // lines are skipped).
  std::vector<std::string> feed(std::string_view bytes);
  size_t buffered() const { return pending_.size(); }

 private:
  std::string pending_;
};

}  // namespace gw::cluster::etcd_json
