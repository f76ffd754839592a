#include "cluster/etcd_json.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>
#include <charconv>

namespace gw::cluster::etcd_json {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;
using Value = rapidjson::Value;

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void writeBytes(Writer& w, const char* name, const std::string& bytes) {
  w.Key(name);
  std::string b64 = base64Encode(bytes);
  w.String(b64.data(), static_cast<rapidjson::SizeType>(b64.size()));
}

void writeInt(Writer& w, const char* name, int64_t n) {
  w.Key(name);
  std::string s = std::to_string(n);
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

std::string finish(const rapidjson::StringBuffer& buf) {
  return std::string(buf.GetString(), buf.GetSize());
}

// int64 fields come as strings ("12"); numbers are accepted too. Absent: 0 (proto3 omits
// default values).
bool readInt(const Value& obj, const char* name, int64_t& out) {
  out = 0;
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd()) return true;
  if (it->value.IsString()) {
    std::string_view s(it->value.GetString(), it->value.GetStringLength());
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size();
  }
  if (it->value.IsInt64()) {
    out = it->value.GetInt64();
    return true;
  }
  return false;
}

bool readBytes(const Value& obj, const char* name, std::string& out) {
  out.clear();
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd()) return true;
  if (!it->value.IsString()) return false;
  auto decoded = base64Decode({it->value.GetString(), it->value.GetStringLength()});
  if (!decoded) return false;
  out = std::move(*decoded);
  return true;
}

bool readBool(const Value& obj, const char* name) {
  auto it = obj.FindMember(name);
  return it != obj.MemberEnd() && it->value.IsBool() && it->value.GetBool();
}

bool readKv(const Value& v, KeyValue& kv) {
  return v.IsObject() && readBytes(v, "key", kv.key) && readBytes(v, "value", kv.value) &&
         readInt(v, "create_revision", kv.createRevision) &&
         readInt(v, "mod_revision", kv.modRevision) && readInt(v, "version", kv.version) &&
         readInt(v, "lease", kv.lease);
}

bool readKvs(const Value& obj, std::vector<KeyValue>& out) {
  auto it = obj.FindMember("kvs");
  if (it == obj.MemberEnd()) return true;
  if (!it->value.IsArray()) return false;
  for (const auto& v : it->value.GetArray()) {
    KeyValue kv;
    if (!readKv(v, kv)) return false;
    out.push_back(std::move(kv));
  }
  return true;
}

bool readHeaderRevision(const Value& obj, int64_t& out) {
  out = 0;
  auto it = obj.FindMember("header");
  if (it == obj.MemberEnd()) return true;
  return it->value.IsObject() && readInt(it->value, "revision", out);
}

std::optional<rapidjson::Document> parseObject(std::string_view body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
  return doc;
}

const char* targetName(Compare::Target t) {
  switch (t) {
    case Compare::Target::kVersion:
      return "VERSION";
    case Compare::Target::kCreate:
      return "CREATE";
    case Compare::Target::kMod:
      return "MOD";
    case Compare::Target::kValue:
      return "VALUE";
    case Compare::Target::kLease:
      return "LEASE";
  }
  return "MOD";
}

const char* resultName(Compare::Result r) {
  switch (r) {
    case Compare::Result::kEqual:
      return "EQUAL";
    case Compare::Result::kGreater:
      return "GREATER";
    case Compare::Result::kLess:
      return "LESS";
    case Compare::Result::kNotEqual:
      return "NOT_EQUAL";
  }
  return "EQUAL";
}

void writeCompare(Writer& w, const Compare& c) {
  w.StartObject();
  w.Key("result");
  w.String(resultName(c.result));
  w.Key("target");
  w.String(targetName(c.target));
  writeBytes(w, "key", c.key);
  if (!c.rangeEnd.empty()) writeBytes(w, "range_end", c.rangeEnd);
  switch (c.target) {
    case Compare::Target::kVersion:
      writeInt(w, "version", c.number);
      break;
    case Compare::Target::kCreate:
      writeInt(w, "create_revision", c.number);
      break;
    case Compare::Target::kMod:
      writeInt(w, "mod_revision", c.number);
      break;
    case Compare::Target::kValue:
      writeBytes(w, "value", c.value);
      break;
    case Compare::Target::kLease:
      writeInt(w, "lease", c.number);
      break;
  }
  w.EndObject();
}

void writeOp(Writer& w, const Op& op) {
  w.StartObject();
  switch (op.kind) {
    case Op::Kind::kPut:
      w.Key("request_put");
      w.StartObject();
      writeBytes(w, "key", op.key);
      writeBytes(w, "value", op.value);
      if (op.lease != 0) writeInt(w, "lease", op.lease);
      w.EndObject();
      break;
    case Op::Kind::kDelete:
      w.Key("request_delete_range");
      w.StartObject();
      writeBytes(w, "key", op.key);
      if (!op.rangeEnd.empty()) writeBytes(w, "range_end", op.rangeEnd);
      w.EndObject();
      break;
    case Op::Kind::kRange:
      w.Key("request_range");
      w.StartObject();
      writeBytes(w, "key", op.key);
      if (!op.rangeEnd.empty()) writeBytes(w, "range_end", op.rangeEnd);
      w.EndObject();
      break;
  }
  w.EndObject();
}

void writeOps(Writer& w, const char* name, const std::vector<Op>& ops) {
  w.Key(name);
  w.StartArray();
  for (const auto& op : ops) writeOp(w, op);
  w.EndArray();
}

// Splits a message's events into one batch per revision (kv.mod_revision), in order.
bool readEvents(const Value& result, std::vector<WatchBatch>& batches) {
  auto it = result.FindMember("events");
  if (it == result.MemberEnd()) return true;
  if (!it->value.IsArray()) return false;
  for (const auto& v : it->value.GetArray()) {
    if (!v.IsObject()) return false;
    WatchEvent event;
    auto type = v.FindMember("type");
    if (type != v.MemberEnd()) {
      if (!type->value.IsString()) return false;
      std::string_view t(type->value.GetString(), type->value.GetStringLength());
      if (t == "DELETE") {
        event.type = WatchEvent::Type::kDelete;
      } else if (t != "PUT") {
        return false;
      }
    }
    auto kv = v.FindMember("kv");
    if (kv == v.MemberEnd() || !readKv(kv->value, event.kv)) return false;
    int64_t rev = event.kv.modRevision;
    if (batches.empty() || batches.back().revision != rev) {
      batches.push_back(WatchBatch{rev, {}});
    }
    batches.back().events.push_back(std::move(event));
  }
  return true;
}

}  // namespace

std::string base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  auto at = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(bytes[k])); };
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t n = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i + 1 == bytes.size()) {
    uint32_t n = at(i) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    uint32_t n = (at(i) << 16) | (at(i + 1) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

std::optional<std::string> base64Decode(std::string_view text) {
  static const std::array<int8_t, 256> kIndex = [] {
    std::array<int8_t, 256> t{};
    t.fill(-1);
    for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(kAlphabet[i])] = int8_t(i);
    return t;
  }();
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    bool last = i + 4 == text.size();
    int pad = 0;
    uint32_t n = 0;
    for (size_t k = 0; k < 4; ++k) {
      char c = text[i + k];
      if (c == '=' && last && k >= 2) {
        ++pad;
        n <<= 6;
        continue;
      }
      int v = kIndex[static_cast<unsigned char>(c)];
      if (v < 0 || pad > 0) return std::nullopt;
      n = (n << 6) | static_cast<uint32_t>(v);
    }
    out += static_cast<char>((n >> 16) & 0xff);
    if (pad < 2) out += static_cast<char>((n >> 8) & 0xff);
    if (pad < 1) out += static_cast<char>(n & 0xff);
  }
  return out;
}

std::string encodeRange(const RangeRequest& request) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  writeBytes(w, "key", request.key);
  if (!request.rangeEnd.empty()) writeBytes(w, "range_end", request.rangeEnd);
  if (request.limit > 0) writeInt(w, "limit", request.limit);
  if (request.revision > 0) writeInt(w, "revision", request.revision);
  if (request.keysOnly) {
    w.Key("keys_only");
    w.Bool(true);
  }
  if (request.countOnly) {
    w.Key("count_only");
    w.Bool(true);
  }
  w.EndObject();
  return finish(buf);
}

std::string encodePut(const std::string& key, const std::string& value, int64_t lease) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  writeBytes(w, "key", key);
  writeBytes(w, "value", value);
  if (lease != 0) writeInt(w, "lease", lease);
  w.EndObject();
  return finish(buf);
}

std::string encodeTxn(const TxnRequest& request) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("compare");
  w.StartArray();
  for (const auto& c : request.compare) writeCompare(w, c);
  w.EndArray();
  writeOps(w, "success", request.success);
  writeOps(w, "failure", request.failure);
  w.EndObject();
  return finish(buf);
}

std::string encodeLeaseGrant(int64_t ttlSeconds) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  writeInt(w, "TTL", ttlSeconds);
  w.EndObject();
  return finish(buf);
}

std::string encodeLeaseId(int64_t lease) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  writeInt(w, "ID", lease);
  w.EndObject();
  return finish(buf);
}

std::string encodeWatchCreate(const std::string& key, const std::string& rangeEnd,
                              int64_t startRevision) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("create_request");
  w.StartObject();
  writeBytes(w, "key", key);
  if (!rangeEnd.empty()) writeBytes(w, "range_end", rangeEnd);
  if (startRevision > 0) writeInt(w, "start_revision", startRevision);
  w.Key("progress_notify");
  w.Bool(true);
  w.EndObject();
  w.EndObject();
  return finish(buf);
}

std::optional<RangeResponse> decodeRange(std::string_view body) {
  auto doc = parseObject(body);
  if (!doc) return std::nullopt;
  RangeResponse out;
  out.more = readBool(*doc, "more");
  if (!readHeaderRevision(*doc, out.revision) || !readKvs(*doc, out.kvs) ||
      !readInt(*doc, "count", out.count)) {
    return std::nullopt;
  }
  return out;
}

std::optional<int64_t> decodeHeaderRevision(std::string_view body) {
  auto doc = parseObject(body);
  int64_t rev = 0;
  if (!doc || !readHeaderRevision(*doc, rev)) return std::nullopt;
  return rev;
}

std::optional<TxnResponse> decodeTxn(std::string_view body) {
  auto doc = parseObject(body);
  if (!doc) return std::nullopt;
  TxnResponse out;
  out.succeeded = readBool(*doc, "succeeded");
  if (!readHeaderRevision(*doc, out.revision)) return std::nullopt;
  auto it = doc->FindMember("responses");
  if (it == doc->MemberEnd()) return out;
  if (!it->value.IsArray()) return std::nullopt;
  for (const auto& r : it->value.GetArray()) {
    if (!r.IsObject()) return std::nullopt;
    std::vector<KeyValue> kvs;
    auto range = r.FindMember("response_range");
    if (range != r.MemberEnd() && (!range->value.IsObject() || !readKvs(range->value, kvs))) {
      return std::nullopt;
    }
    out.ranges.push_back(std::move(kvs));
  }
  return out;
}

std::optional<int64_t> decodeLeaseGrant(std::string_view body) {
  auto doc = parseObject(body);
  int64_t id = 0;
  if (!doc || !readInt(*doc, "ID", id) || id == 0) return std::nullopt;
  return id;
}

std::optional<int64_t> decodeLeaseKeepAlive(std::string_view body) {
  auto doc = parseObject(body);
  if (!doc) return std::nullopt;
  auto it = doc->FindMember("result");
  if (it == doc->MemberEnd() || !it->value.IsObject()) return std::nullopt;
  int64_t ttl = 0;
  if (!readInt(it->value, "TTL", ttl)) return std::nullopt;
  return ttl;
}

ErrorAnswer decodeError(int httpStatus, std::string_view body) {
  ErrorAnswer out;
  out.error.kind = EtcdError::Kind::kRejected;
  out.error.message = "etcd answered HTTP " + std::to_string(httpStatus);
  auto doc = parseObject(body);
  if (!doc) return out;
  const Value* obj = &*doc;
  // The watch stream wraps its errors in {"error":{...}}.
  auto inner = doc->FindMember("error");
  if (inner != doc->MemberEnd() && inner->value.IsObject()) obj = &inner->value;
  for (const char* name : {"error", "message"}) {
    auto m = obj->FindMember(name);
    if (m != obj->MemberEnd() && m->value.IsString() && m->value.GetStringLength() > 0) {
      out.error.message = m->value.GetString();
      break;
    }
  }
  for (const char* name : {"code", "grpc_code"}) {
    auto c = obj->FindMember(name);
    if (c != obj->MemberEnd() && c->value.IsInt()) {
      out.grpcCode = c->value.GetInt();
      break;
    }
  }
  if (out.error.message.find("required revision has been compacted") != std::string::npos) {
    out.error.kind = EtcdError::Kind::kCompacted;
  }
  return out;
}

std::optional<WatchMessage> decodeWatchMessage(std::string_view line) {
  auto doc = parseObject(line);
  if (!doc) return std::nullopt;
  WatchMessage out;
  auto result = doc->FindMember("result");
  if (result == doc->MemberEnd()) {
    out.error = decodeError(200, line).error.message;
    return out;
  }
  const Value& r = result->value;
  if (!r.IsObject()) return std::nullopt;
  out.created = readBool(r, "created");
  out.canceled = readBool(r, "canceled");
  if (!readInt(r, "compact_revision", out.compactRevision) ||
      !readHeaderRevision(r, out.headerRevision) || !readEvents(r, out.batches)) {
    return std::nullopt;
  }
  return out;
}

std::vector<std::string> StreamSplitter::feed(std::string_view bytes) {
  std::vector<std::string> out;
  pending_.append(bytes);
  size_t start = 0;
  for (size_t nl = pending_.find('\n'); nl != std::string::npos; nl = pending_.find('\n', start)) {
    std::string_view line(pending_.data() + start, nl - start);
    while (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) out.emplace_back(line);
    start = nl + 1;
  }
  pending_.erase(0, start);
  return out;
}

}  // namespace gw::cluster::etcd_json
