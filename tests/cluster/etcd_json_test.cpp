// The etcd JSON gateway's wire format on canned text, without etcd: base64, answers, error
// bodies, watch messages, and the watch stream's splitter at every byte boundary.
#include "cluster/etcd_json.hpp"

#include <gtest/gtest.h>

namespace gw::cluster::etcd_json {
namespace {

TEST(EtcdClientJson, Base64RoundTripsEveryLength) {
  std::string bytes;
  for (int i = 0; i < 40; ++i) {
    auto decoded = base64Decode(base64Encode(bytes));
    ASSERT_TRUE(decoded) << i;
    EXPECT_EQ(*decoded, bytes);
    bytes += static_cast<char>(i * 37 + 200);
  }
  EXPECT_EQ(base64Encode("foo"), "Zm9v");
  EXPECT_EQ(base64Encode("fo"), "Zm8=");
  EXPECT_EQ(base64Encode("f"), "Zg==");
  EXPECT_FALSE(base64Decode("Zm9"));
  EXPECT_FALSE(base64Decode("Z=9v"));
  EXPECT_FALSE(base64Decode("Zm9v!A=="));
}

TEST(EtcdClientJson, DecodesRangeAnswer) {
  auto r = decodeRange(
      R"({"header":{"cluster_id":"1","revision":"42"},"kvs":[{"key":"YQ==","create_revision":"3",)"
      R"("mod_revision":"40","version":"2","value":"eA==","lease":"7"},{"key":"Yg==",)"
      R"("create_revision":"5","mod_revision":"5","version":"1"}],"more":true,"count":"3"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->revision, 42);
  EXPECT_TRUE(r->more);
  EXPECT_EQ(r->count, 3);
  ASSERT_EQ(r->kvs.size(), 2u);
  EXPECT_EQ(r->kvs[0].key, "a");
  EXPECT_EQ(r->kvs[0].value, "x");
  EXPECT_EQ(r->kvs[0].createRevision, 3);
  EXPECT_EQ(r->kvs[0].modRevision, 40);
  EXPECT_EQ(r->kvs[0].version, 2);
  EXPECT_EQ(r->kvs[0].lease, 7);
  EXPECT_EQ(r->kvs[1].value, "");
  EXPECT_EQ(r->kvs[1].lease, 0);

  auto empty = decodeRange(R"({"header":{"revision":"9"}})");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->revision, 9);
  EXPECT_TRUE(empty->kvs.empty());
  EXPECT_FALSE(empty->more);

  EXPECT_FALSE(decodeRange("not json"));
  EXPECT_FALSE(decodeRange(R"({"kvs":[{"key":"%%%"}]})"));
  EXPECT_FALSE(decodeRange(R"({"header":{"revision":"12x"}})"));
}

TEST(EtcdClientJson, DecodesTxnAnswer) {
  auto t = decodeTxn(
      R"({"header":{"revision":"8"},"succeeded":true,"responses":[{"response_put":{"header":{}}},)"
      R"({"response_range":{"header":{},"kvs":[{"key":"YQ==","value":"eA=="}],"count":"1"}},)"
      R"({"response_delete_range":{"header":{},"deleted":"1"}}]})");
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->succeeded);
  EXPECT_EQ(t->revision, 8);
  ASSERT_EQ(t->ranges.size(), 3u);
  EXPECT_TRUE(t->ranges[0].empty());
  ASSERT_EQ(t->ranges[1].size(), 1u);
  EXPECT_EQ(t->ranges[1][0].value, "x");
  EXPECT_TRUE(t->ranges[2].empty());

  auto failed = decodeTxn(R"({"header":{"revision":"8"}})");
  ASSERT_TRUE(failed);
  EXPECT_FALSE(failed->succeeded);
}

TEST(EtcdClientJson, DecodesLeaseAnswers) {
  EXPECT_EQ(decodeLeaseGrant(R"({"header":{},"ID":"7587","TTL":"10"})"), 7587);
  EXPECT_FALSE(decodeLeaseGrant(R"({"header":{}})"));
  EXPECT_EQ(decodeLeaseKeepAlive(R"({"result":{"header":{},"ID":"7587","TTL":"9"}})"), 9);
  EXPECT_EQ(decodeLeaseKeepAlive(R"({"result":{"header":{},"ID":"7587"}})"), 0);
}

TEST(EtcdClientJson, DecodesErrors) {
  auto compacted = decodeError(
      400, R"({"error":"etcdserver: mvcc: required revision has been compacted","code":11,)"
           R"("message":"etcdserver: mvcc: required revision has been compacted"})");
  EXPECT_EQ(compacted.error.kind, EtcdError::Kind::kCompacted);
  EXPECT_EQ(compacted.grpcCode, 11);

  auto tooMany =
      decodeError(400, R"({"error":"etcdserver: too many operations in txn request","code":3})");
  EXPECT_EQ(tooMany.error.kind, EtcdError::Kind::kRejected);
  EXPECT_EQ(tooMany.error.message, "etcdserver: too many operations in txn request");

  auto noLeader = decodeError(503, R"({"error":"etcdserver: no leader","code":14})");
  EXPECT_EQ(noLeader.grpcCode, 14);

  auto garbage = decodeError(502, "<html>bad gateway</html>");
  EXPECT_EQ(garbage.error.kind, EtcdError::Kind::kRejected);
  EXPECT_NE(garbage.error.message.find("502"), std::string::npos);
}

TEST(EtcdClientJson, SplitsWatchMessageByRevision) {
  auto m = decodeWatchMessage(R"({"result":{"header":{"revision":"12"},"events":[)"
                              R"({"kv":{"key":"YQ==","mod_revision":"10","value":"MQ=="}},)"
                              R"({"type":"DELETE","kv":{"key":"Yg==","mod_revision":"10"}},)"
                              R"({"kv":{"key":"Yw==","mod_revision":"12","value":"Mw=="}}]}})");
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->created);
  EXPECT_EQ(m->headerRevision, 12);
  ASSERT_EQ(m->batches.size(), 2u);
  EXPECT_EQ(m->batches[0].revision, 10);
  ASSERT_EQ(m->batches[0].events.size(), 2u);
  EXPECT_EQ(m->batches[0].events[0].type, WatchEvent::Type::kPut);
  EXPECT_EQ(m->batches[0].events[0].kv.value, "1");
  EXPECT_EQ(m->batches[0].events[1].type, WatchEvent::Type::kDelete);
  EXPECT_EQ(m->batches[0].events[1].kv.key, "b");
  EXPECT_EQ(m->batches[1].revision, 12);
  EXPECT_EQ(m->batches[1].events[0].kv.key, "c");

  auto created = decodeWatchMessage(R"({"result":{"header":{"revision":"5"},"created":true}})");
  ASSERT_TRUE(created);
  EXPECT_TRUE(created->created);
  EXPECT_TRUE(created->batches.empty());

  auto compacted = decodeWatchMessage(
      R"({"result":{"header":{"revision":"30"},"canceled":true,"compact_revision":"20"}})");
  ASSERT_TRUE(compacted);
  EXPECT_TRUE(compacted->canceled);
  EXPECT_EQ(compacted->compactRevision, 20);

  auto error = decodeWatchMessage(
      R"({"error":{"grpc_code":14,"http_code":503,"message":"etcdserver: no leader"}})");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->error, "etcdserver: no leader");

  EXPECT_FALSE(decodeWatchMessage(R"({"result":{"events":[{"type":"BOGUS","kv":{}}]}})"));
  EXPECT_FALSE(decodeWatchMessage("{\"result\":"));
}

TEST(EtcdClientJson, EncodesRequests) {
  EXPECT_EQ(encodePut("a", "x", 0), R"({"key":"YQ==","value":"eA=="})");
  EXPECT_EQ(encodePut("a", "x", 5), R"({"key":"YQ==","value":"eA==","lease":"5"})");
  RangeRequest r;
  r.key = "a";
  r.rangeEnd = "b";
  r.limit = 2;
  r.revision = 7;
  r.keysOnly = true;
  EXPECT_EQ(encodeRange(r),
            R"({"key":"YQ==","range_end":"Yg==","limit":"2","revision":"7","keys_only":true})");
  TxnRequest t;
  t.compare = {Compare::absent("a"), Compare::modifiedBefore("b", 9)};
  t.success = {Op::put("a", "x"), Op::del("c", "d"), Op::get("e")};
  EXPECT_EQ(encodeTxn(t),
            R"({"compare":[{"result":"EQUAL","target":"VERSION","key":"YQ==","version":"0"},)"
            R"({"result":"LESS","target":"MOD","key":"Yg==","mod_revision":"9"}],)"
            R"("success":[{"request_put":{"key":"YQ==","value":"eA=="}},)"
            R"({"request_delete_range":{"key":"Yw==","range_end":"ZA=="}},)"
            R"({"request_range":{"key":"ZQ=="}}],"failure":[]})");
  EXPECT_EQ(encodeWatchCreate("a", "b", 3),
            R"({"create_request":{"key":"YQ==","range_end":"Yg==","start_revision":"3",)"
            R"("progress_notify":true}})");
}

// The watch stream as etcd sends it; every way of cutting it gives the same messages.
TEST(EtcdClientJson, StreamSplitterIsIndependentOfHowBytesArrive) {
  const std::string stream =
      "{\"result\":{\"header\":{\"revision\":\"5\"},\"created\":true}}\n"
      "{\"result\":{\"header\":{\"revision\":\"6\"},\"events\":[{\"kv\":{\"key\":\"YQ==\","
      "\"mod_revision\":\"6\"}}]}}\n\n"
      "{\"result\":{\"header\":{\"revision\":\"7\"},\"events\":[{\"type\":\"DELETE\",\"kv\":"
      "{\"key\":\"YQ==\",\"mod_revision\":\"7\"}}]}}\r\n"
      "{\"result\":{\"header\":{\"revision\":\"7\"}}}\n";
  StreamSplitter whole;
  const std::vector<std::string> expected = whole.feed(stream);
  ASSERT_EQ(expected.size(), 4u);
  EXPECT_EQ(whole.buffered(), 0u);
  for (const auto& line : expected) EXPECT_TRUE(decodeWatchMessage(line)) << line;

  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    StreamSplitter s;
    auto got = s.feed(stream.substr(0, cut));
    auto rest = s.feed(stream.substr(cut));
    got.insert(got.end(), rest.begin(), rest.end());
    EXPECT_EQ(got, expected) << "cut at " << cut;
  }
  StreamSplitter bytewise;
  std::vector<std::string> got;
  for (char c : stream) {
    auto lines = bytewise.feed(std::string_view(&c, 1));
    got.insert(got.end(), lines.begin(), lines.end());
  }
  EXPECT_EQ(got, expected);
  // An unfinished message stays buffered.
  StreamSplitter partial;
  EXPECT_TRUE(partial.feed("{\"result\":{}").empty());
  EXPECT_EQ(partial.buffered(), 12u);
}

}  // namespace
}  // namespace gw::cluster::etcd_json
