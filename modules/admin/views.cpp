#include "modules/admin/views.hpp"

#include "common/clock.hpp"
#include "store/store.hpp"

namespace gw::admin {

namespace {

void writeIssues(JsonWriter& w, const store::Verification* v) {
  writeKey(w, "verificationDetails");
  w.StartArray();
  if (v != nullptr) {
    for (const auto& i : v->issues) {
      w.StartObject();
      writeString(w, "code", i.code);
      writeString(w, "message", i.message);
      writeStringOrNull(w, "phoneNumberSid", i.phoneNumberSid);
      writeStringOrNull(w, "phoneNumberId", i.phoneNumberId);
      w.EndObject();
    }
  }
  w.EndArray();
}

}  // namespace

void writeProvider(JsonWriter& w, const store::Provider& p, uint64_t phoneNumberCount,
                   const store::Verification* v) {
  w.StartObject();
  writeString(w, "id", p.id);
  writeString(w, "orgId", p.orgId);
  writeString(w, "name", p.name);
  writeString(w, "providerType", p.providerType);
  writeString(w, "accountSid", p.accountSid);
  writeStringOrNull(w, "trunkSid", p.trunkSid);
  writeStringOrNull(w, "terminationUri", p.terminationUri);
  writeStringOrNull(w, "region", p.region);
  writeKey(w, "allowedAddresses");
  w.StartArray();
  for (const auto& cidr : p.allowedAddresses)
    w.String(cidr.data(), static_cast<rapidjson::SizeType>(cidr.size()));
  w.EndArray();
  writeKey(w, "supportsCallTransfer");
  w.Bool(p.supportsCallTransfer);
  writeKey(w, "trunkCreatedByGateway");
  w.Bool(p.trunkCreatedByGateway);
  const int64_t verifiedMs = v != nullptr ? v->verifiedMs : p.lastVerifiedMs;
  writeString(w, "verificationStatus", v != nullptr ? v->status : p.verificationStatus);
  writeStringOrNull(w, "lastVerifiedAt", verifiedMs ? toIso8601(verifiedMs) : "");
  writeKey(w, "phoneNumberCount");
  w.Uint64(phoneNumberCount);
  writeIssues(w, v);
  writeString(w, "createdTime", toIso8601(p.createdMs));
  writeString(w, "lastUpdateTime", toIso8601(p.updatedMs));
  w.EndObject();
}

void writeNumber(JsonWriter& w, const store::PhoneNumber& n, std::string_view trunkStatus) {
  w.StartObject();
  writeString(w, "id", n.id);
  writeString(w, "orgId", n.orgId);
  writeString(w, "phoneNumber", n.phoneNumber);
  writeString(w, "phoneNumberSid", n.phoneNumberSid);
  writeString(w, "providerId", n.providerId);
  writeStringOrNull(w, "incomingCallsAgentId", n.incomingCallsAgentId);
  writeString(w, "displayName", n.displayName);
  writeStringOrNull(w, "description", n.description);
  writeString(w, "trunkStatus", trunkStatus);
  writeString(w, "createdTime", toIso8601(n.createdMs));
  writeString(w, "lastUpdateTime", toIso8601(n.updatedMs));
  w.EndObject();
}

std::string providerJson(const store::Provider& p, uint64_t phoneNumberCount,
                         const store::Verification* v) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  writeProvider(w, p, phoneNumberCount, v);
  return {buf.GetString(), buf.GetSize()};
}

std::string numberJson(const store::PhoneNumber& n, std::string_view trunkStatus) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  writeNumber(w, n, trunkStatus);
  return {buf.GetString(), buf.GetSize()};
}

std::string_view TrunkStatuses::of(const store::PhoneNumber& n) {
  auto it = byProvider_.find(n.providerId);
  if (it == byProvider_.end()) {
    std::map<std::string, std::string_view> drifted;
    if (auto v = store_.getVerification(view_, n.providerId)) {
      for (const auto& issue : v->issues) {
        if (issue.phoneNumberSid.empty()) continue;
        if (issue.code == "number_detached") drifted[issue.phoneNumberSid] = "detached";
        if (issue.code == "number_released") drifted[issue.phoneNumberSid] = "released";
        if (issue.code == "number_moved") drifted[issue.phoneNumberSid] = "moved";
      }
    }
    it = byProvider_.emplace(n.providerId, std::move(drifted)).first;
  }
  auto found = it->second.find(n.phoneNumberSid);
  return found == it->second.end() ? std::string_view("attached") : found->second;
}

std::string numberJson(const store::Store& store, const store::PhoneNumber& n) {
  auto txn = store.read();
  TrunkStatuses statuses(store, txn);
  return numberJson(n, statuses.of(n));
}

}  // namespace gw::admin
