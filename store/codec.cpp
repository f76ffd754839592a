#include "store/codec.hpp"

#include <cstdint>
#include <cstring>

#include "store/store.hpp"

namespace gw::store::codec {
namespace {

constexpr uint8_t kProviderFormat = 1;
constexpr uint8_t kNumberFormat = 1;

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
  std::string take() { return std::move(out_); }

 private:
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  std::string out_;
};

class Reader {
 public:
  Reader(std::string_view in, uint8_t format, const char* what) : in_(in), what_(what) {
    if (in_.empty()) corrupt();
    if (static_cast<uint8_t>(in_[0]) != format) {
      throw StoreError(std::string("store: ") + what_ + " record has format " +
                       std::to_string(static_cast<uint8_t>(in_[0])) +
                       " which this version does not read");
    }
    pos_ = 1;
  }
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
  size_t pos_ = 0;
};

}  // namespace

std::string encode(const Provider& p) {
  return Writer(kProviderFormat)
      .str(p.id)
      .str(p.orgId)
      .str(p.name)
      .str(p.providerType)
      .str(p.accountSid)
      .str(p.authToken)
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
      .take();
}

Provider decodeProvider(std::string_view bytes) {
  Reader r(bytes, kProviderFormat, "provider");
  Provider p;
  p.id = r.str();
  p.orgId = r.str();
  p.name = r.str();
  p.providerType = r.str();
  p.accountSid = r.str();
  p.authToken = r.str();
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
  r.end();
  return p;
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

}  // namespace gw::store::codec
