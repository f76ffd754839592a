#include "modules/admin/views.hpp"

#include "common/clock.hpp"

namespace gw::admin {

void writeProvider(JsonWriter& w, const store::Provider& p, uint64_t phoneNumberCount) {
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
  writeString(w, "verificationStatus", p.verificationStatus);
  writeStringOrNull(w, "lastVerifiedAt", p.lastVerifiedMs ? toIso8601(p.lastVerifiedMs) : "");
  writeKey(w, "phoneNumberCount");
  w.Uint64(phoneNumberCount);
  writeKey(w, "verificationDetails");
  w.StartArray();
  w.EndArray();
  writeString(w, "createdTime", toIso8601(p.createdMs));
  writeString(w, "lastUpdateTime", toIso8601(p.updatedMs));
  w.EndObject();
}

void writeNumber(JsonWriter& w, const store::PhoneNumber& n) {
  w.StartObject();
  writeString(w, "id", n.id);
  writeString(w, "orgId", n.orgId);
  writeString(w, "phoneNumber", n.phoneNumber);
  writeString(w, "phoneNumberSid", n.phoneNumberSid);
  writeString(w, "providerId", n.providerId);
  writeStringOrNull(w, "incomingCallsAgentId", n.incomingCallsAgentId);
  writeString(w, "displayName", n.displayName);
  writeStringOrNull(w, "description", n.description);
  writeString(w, "createdTime", toIso8601(n.createdMs));
  writeString(w, "lastUpdateTime", toIso8601(n.updatedMs));
  w.EndObject();
}

std::string providerJson(const store::Provider& p, uint64_t phoneNumberCount) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  writeProvider(w, p, phoneNumberCount);
  return {buf.GetString(), buf.GetSize()};
}

std::string numberJson(const store::PhoneNumber& n) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  writeNumber(w, n);
  return {buf.GetString(), buf.GetSize()};
}

}  // namespace gw::admin
