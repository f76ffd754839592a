#include "store/keys.hpp"

#include "store/store.hpp"

namespace gw::store::keys {

std::string encodeVersion(uint32_t version) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>((version >> (8 * i)) & 0xff);
  return s;
}

uint32_t decodeVersion(std::string_view bytes) {
  if (bytes.size() != 4) throw StoreError("store: the stored schema version is corrupt");
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    v |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[i])) << (8 * i);
  }
  return v;
}

std::string encodeRevision(int64_t revision) {
  const auto u = static_cast<uint64_t>(revision);
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((u >> (8 * i)) & 0xff);
  return s;
}

int64_t decodeRevision(std::string_view bytes) {
  if (bytes.size() != 8) throw StoreError("store: the stored cluster revision is corrupt");
  uint64_t u = 0;
  for (int i = 0; i < 8; ++i) u |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[i])) << (8 * i);
  return static_cast<int64_t>(u);
}

std::string numberEntry(std::string_view e164, std::string_view id) {
  if (e164.find('\0') != std::string_view::npos) {
    throw StoreError("store: a phone number must not contain a NUL byte");
  }
  std::string entry;
  entry.reserve(e164.size() + 1 + id.size());
  entry.append(e164).push_back('\0');
  entry.append(id);
  return entry;
}

std::string_view idOfNumberEntry(std::string_view entry) {
  size_t nul = entry.find('\0');
  if (nul == std::string_view::npos || nul + 1 == entry.size()) {
    throw StoreError("store: corrupt phone number index entry");
  }
  return entry.substr(nul + 1);
}

namespace {

std::string createdEntry(int64_t createdMs, std::string_view id) {
  uint64_t u = static_cast<uint64_t>(createdMs) ^ (uint64_t{1} << 63);
  std::string entry(8, '\0');
  for (int i = 0; i < 8; ++i) entry[i] = static_cast<char>((u >> (8 * (7 - i))) & 0xff);
  entry.append(id);
  return entry;
}

std::string_view idOfCreatedEntry(std::string_view entry, const char* what) {
  if (entry.size() <= 8) throw StoreError(std::string("store: corrupt ") + what + " index entry");
  return entry.substr(8);
}

}  // namespace

std::string providerEntry(int64_t createdMs, std::string_view id) {
  return createdEntry(createdMs, id);
}

std::string_view idOfProviderEntry(std::string_view entry) {
  return idOfCreatedEntry(entry, "provider");
}

std::string agentEntry(int64_t createdMs, std::string_view id) {
  return createdEntry(createdMs, id);
}

std::string_view idOfAgentEntry(std::string_view entry) {
  return idOfCreatedEntry(entry, "agent");
}

std::string answerTimeEntry(int64_t createdMs, std::string_view slot) {
  return createdEntry(createdMs, slot);
}

std::string_view slotOfAnswerTimeEntry(std::string_view entry) {
  return idOfCreatedEntry(entry, "idempotent answer");
}

}  // namespace gw::store::keys
