#include "store/codec.hpp"

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "store/secret_box.hpp"
#include "store/store.hpp"

namespace gw::store::codec {
namespace {

// Provider format 2 (schema 3) appends allowedAddresses to format 1; format 1 records,
// written before schema 3, still decode (with the default ranges) so that migration 2 -> 3
// can read them.
// Format 3 is format 2 with the auth token sealed (secret_box.hpp); clear-text records of
// formats 1 and 2 are sealed when a store opens with a key.
constexpr uint8_t kProviderFormat = 2;
constexpr uint8_t kOldestProviderFormat = 1;
constexpr uint8_t kNewestProviderFormat = kSealedProviderFormat;
constexpr uint8_t kNumberFormat = 1;
constexpr uint8_t kAgentFormat = 1;
constexpr uint8_t kIdempotentAnswerFormat = 1;

class Writer {
 public:
  explicit Writer(uint8_t format) { out_.push_back(static_cast<char>(format)); }
  Writer& str(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    out_.append(s);
    return *this;
  }
  Writer& i64(int64_t v) {
    uint64_t u = static_cast<uint64_t>(v);
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>((u >> (8 * i)) & 0xff));
    return *this;
  }
  Writer& flag(bool b) {
    out_.push_back(b ? 1 : 0);
    return *this;
  }
  Writer& strs(const std::vector<std::string>& list) {
    u32(static_cast<uint32_t>(list.size()));
    for (const auto& s : list) str(s);
    return *this;
  }
  std::string take() { return std::move(out_); }

 private:
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  std::string out_;
};

class Reader {
 public:
  // Accepts the formats [oldest, newest]; format() tells which one the record has.
  Reader(std::string_view in, uint8_t oldest, uint8_t newest, const char* what)
      : in_(in), what_(what) {
    if (in_.empty()) corrupt();
    format_ = static_cast<uint8_t>(in_[0]);
    if (format_ < oldest || format_ > newest) {
      throw StoreError(std::string("store: ") + what_ + " record has format " +
                       std::to_string(format_) + " which this version does not read");
    }
    pos_ = 1;
  }
  Reader(std::string_view in, uint8_t format, const char* what)
      : Reader(in, format, format, what) {}
  uint8_t format() const { return format_; }
  std::string str() {
    std::string s;
    str(s);
    return s;
  }
  void str(std::string& out) {
    uint32_t n = static_cast<uint32_t>(u64(4));
    need(n);
    out.assign(in_.data() + pos_, n);
    pos_ += n;
  }
  void strs(std::vector<std::string>& out) {
    uint64_t n = u64(4);
    // Every string takes at least its 4-byte length: a larger count is a corrupt record,
    // refused before it can reserve memory.
    if (n > (in_.size() - pos_) / 4) corrupt();
    out.resize(n);
    for (auto& s : out) str(s);
  }
  int64_t i64() { return static_cast<int64_t>(u64(8)); }
  bool flag() {
    need(1);
    return in_[pos_++] != 0;
  }
  // Bytes left over mean a record this code does not understand: refuse rather than
  // silently drop fields when the record is written back.
  void end() {
    if (pos_ != in_.size()) {
      throw StoreError(std::string("store: ") + what_ + " record is longer than its format");
    }
  }

 private:
  uint64_t u64(size_t bytes) {
    need(bytes);
    uint64_t v = 0;
    for (size_t i = 0; i < bytes; ++i) {
      v |= static_cast<uint64_t>(static_cast<uint8_t>(in_[pos_ + i])) << (8 * i);
    }
    pos_ += bytes;
    return v;
  }
  void need(size_t n) {
    if (in_.size() - pos_ < n) corrupt();
  }
  [[noreturn]] void corrupt() {
    throw StoreError(std::string("store: truncated ") + what_ + " record");
  }
  std::string_view in_;
  const char* what_;
  uint8_t format_ = 0;
  size_t pos_ = 0;
};

}  // namespace

namespace {
// Ties a sealed token to its record: copied into another provider's record it no longer
// authenticates.
std::string tokenAad(std::string_view providerId) {
  return "gatewayd provider auth token\n" + std::string(providerId);
}
}  // namespace

std::string encode(const Provider& p, const SecretBox* box) {
  const std::string token = box ? box->seal(p.authToken, tokenAad(p.id)) : p.authToken;
  return Writer(box ? kSealedProviderFormat : kProviderFormat)
      .str(p.id)
      .str(p.orgId)
      .str(p.name)
      .str(p.providerType)
      .str(p.accountSid)
      .str(token)
      .str(p.region)
      .flag(p.supportsCallTransfer)
      .str(p.trunkSid)
      .flag(p.trunkCreatedByGateway)
      .str(p.originationUrlSid)
      .str(p.terminationUri)
      .str(p.verificationStatus)
      .i64(p.createdMs)
      .i64(p.updatedMs)
      .i64(p.lastVerifiedMs)
      .strs(p.allowedAddresses)
      .take();
}

std::string encode(const Provider& p) {
  return encode(p, nullptr);
}

uint8_t providerFormat(std::string_view bytes) {
  return bytes.empty() ? 0 : static_cast<uint8_t>(bytes[0]);
}

namespace {

Provider decodeProviderRecord(std::string_view bytes, const SecretBox* box, bool openToken) {
  Reader r(bytes, kOldestProviderFormat, kNewestProviderFormat, "provider");
  Provider p;
  p.id = r.str();
  p.orgId = r.str();
  p.name = r.str();
  p.providerType = r.str();
  p.accountSid = r.str();
  p.authToken = r.str();
  if (!openToken) {
    p.authToken.clear();
  } else if (r.format() >= kSealedProviderFormat) {
    if (!box) {
      throw SecretError("store: provider " + p.id +
                        " has an encrypted auth token and the store was opened without a "
                        "master key");
    }
    auto token = box->open(p.authToken, tokenAad(p.id));
    if (!token) {
      throw SecretError("store: cannot decrypt the auth token of provider " + p.id + ": " +
                        token.error().message);
    }
    p.authToken = std::move(*token);
  }
  p.region = r.str();
  p.supportsCallTransfer = r.flag();
  p.trunkSid = r.str();
  p.trunkCreatedByGateway = r.flag();
  p.originationUrlSid = r.str();
  p.terminationUri = r.str();
  p.verificationStatus = r.str();
  p.createdMs = r.i64();
  p.updatedMs = r.i64();
  p.lastVerifiedMs = r.i64();
  if (r.format() >= 2) {
    r.strs(p.allowedAddresses);
  } else {
    p.allowedAddresses = defaultAllowedAddresses();
  }
  r.end();
  return p;
}

}  // namespace

Provider decodeProvider(std::string_view bytes, const SecretBox* box) {
  return decodeProviderRecord(bytes, box, true);
}

Provider decodeProviderWithoutToken(std::string_view bytes) {
  return decodeProviderRecord(bytes, nullptr, false);
}

Provider decodeProvider(std::string_view bytes) {
  return decodeProvider(bytes, nullptr);
}

std::string encode(const PhoneNumber& n) {
  return Writer(kNumberFormat)
      .str(n.id)
      .str(n.orgId)
      .str(n.providerId)
      .str(n.phoneNumberSid)
      .str(n.phoneNumber)
      .str(n.displayName)
      .str(n.description)
      .str(n.incomingCallsAgentId)
      .i64(n.createdMs)
      .i64(n.updatedMs)
      .take();
}

void decodeNumber(std::string_view bytes, PhoneNumber& n) {
  Reader r(bytes, kNumberFormat, "phone number");
  r.str(n.id);
  r.str(n.orgId);
  r.str(n.providerId);
  r.str(n.phoneNumberSid);
  r.str(n.phoneNumber);
  r.str(n.displayName);
  r.str(n.description);
  r.str(n.incomingCallsAgentId);
  n.createdMs = r.i64();
  n.updatedMs = r.i64();
  r.end();
}

PhoneNumber decodeNumber(std::string_view bytes) {
  PhoneNumber n;
  decodeNumber(bytes, n);
  return n;
}

std::string encode(const Agent& a) {
  return Writer(kAgentFormat)
      .str(a.id)
      .str(a.orgId)
      .str(a.name)
      .str(a.sipUri)
      .str(a.mode)
      .str(a.outboundPhoneNumberId)
      .i64(a.createdMs)
      .i64(a.updatedMs)
      .take();
}

Agent decodeAgent(std::string_view bytes) {
  Reader r(bytes, kAgentFormat, "agent");
  Agent a;
  a.id = r.str();
  a.orgId = r.str();
  a.name = r.str();
  a.sipUri = r.str();
  a.mode = r.str();
  a.outboundPhoneNumberId = r.str();
  a.createdMs = r.i64();
  a.updatedMs = r.i64();
  r.end();
  return a;
}

std::string encode(const IdempotentAnswer& a) {
  return Writer(kIdempotentAnswerFormat)
      .str(a.fingerprint)
      .i64(a.createdMs)
      .i64(a.status)
      .strs(a.headers)
      .str(a.body)
      .take();
}

IdempotentAnswer decodeIdempotentAnswer(std::string_view bytes) {
  Reader r(bytes, kIdempotentAnswerFormat, "idempotent answer");
  IdempotentAnswer a;
  a.fingerprint = r.str();
  a.createdMs = r.i64();
  a.status = static_cast<int>(r.i64());
  r.strs(a.headers);
  a.body = r.str();
  r.end();
  return a;
}

// Records are JSON objects: {"status", "verifiedMs", "issues": [{code, message,
// phoneNumberSid, phoneNumberId}]}; readers ignore members they do not know.
std::string encode(const Verification& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  auto str = [&w](const char* key, const std::string& value) {
    w.Key(key);
    w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  };
  w.StartObject();
  str("status", v.status);
  w.Key("verifiedMs");
  w.Int64(v.verifiedMs);
  w.Key("issues");
  w.StartArray();
  for (const auto& i : v.issues) {
    w.StartObject();
    str("code", i.code);
    str("message", i.message);
    str("phoneNumberSid", i.phoneNumberSid);
    str("phoneNumberId", i.phoneNumberId);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

namespace {

std::string jsonMember(const rapidjson::Value& o, const char* key) {
  auto it = o.FindMember(key);
  return it != o.MemberEnd() && it->value.IsString()
             ? std::string(it->value.GetString(), it->value.GetStringLength())
             : std::string();
}

}  // namespace

Verification decodeVerification(std::string_view providerId, std::string_view bytes) {
  rapidjson::Document d;
  d.Parse(bytes.data(), bytes.size());
  if (d.HasParseError() || !d.IsObject()) {
    throw StoreError("store: the verification record of provider " + std::string(providerId) +
                     " is corrupt");
  }
  Verification v;
  v.providerId = providerId;
  v.status = jsonMember(d, "status");
  if (d.HasMember("verifiedMs") && d["verifiedMs"].IsInt64())
    v.verifiedMs = d["verifiedMs"].GetInt64();
  if (d.HasMember("issues") && d["issues"].IsArray()) {
    for (const auto& i : d["issues"].GetArray()) {
      if (!i.IsObject()) continue;
      v.issues.push_back({jsonMember(i, "code"), jsonMember(i, "message"),
                          jsonMember(i, "phoneNumberSid"), jsonMember(i, "phoneNumberId")});
    }
  }
  return v;
}

}  // namespace gw::store::codec
