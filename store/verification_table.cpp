#include "store/verification_table.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "store/store.hpp"

namespace gw::store {
namespace {

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

std::string member(const rapidjson::Value& o, const char* key) {
  auto it = o.FindMember(key);
  return it != o.MemberEnd() && it->value.IsString()
             ? std::string(it->value.GetString(), it->value.GetStringLength())
             : std::string();
}

Verification decode(std::string_view providerId, std::string_view bytes) {
  rapidjson::Document d;
  d.Parse(bytes.data(), bytes.size());
  if (d.HasParseError() || !d.IsObject()) {
    throw StoreError("store: the verification record of provider " + std::string(providerId) +
                     " is corrupt");
  }
  Verification v;
  v.providerId = providerId;
  v.status = member(d, "status");
  if (d.HasMember("verifiedMs") && d["verifiedMs"].IsInt64())
    v.verifiedMs = d["verifiedMs"].GetInt64();
  if (d.HasMember("issues") && d["issues"].IsArray()) {
    for (const auto& i : d["issues"].GetArray()) {
      if (!i.IsObject()) continue;
      v.issues.push_back({member(i, "code"), member(i, "message"), member(i, "phoneNumberSid"),
                          member(i, "phoneNumberId")});
    }
  }
  return v;
}

}  // namespace

void VerificationTable::put(MDB_txn* txn, const Verification& v) const {
  if (v.providerId.empty()) throw StoreError("store: a verification needs a provider id");
  entries_.put(txn, v.providerId, encode(v));
}

std::optional<Verification> VerificationTable::get(MDB_txn* txn,
                                                   std::string_view providerId) const {
  auto bytes = entries_.get(txn, providerId);
  if (!bytes) return std::nullopt;
  return decode(providerId, *bytes);
}

bool VerificationTable::remove(MDB_txn* txn, std::string_view providerId) const {
  return entries_.del(txn, providerId);
}

}  // namespace gw::store
