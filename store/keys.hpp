#pragma once
// How index entries and meta values are encoded; schema.hpp describes where they live.
#include <cstdint>
#include <string>
#include <string_view>

namespace gw::store::keys {

inline constexpr std::string_view kSchemaVersion = "schema_version";
// 4 bytes, little-endian.
std::string encodeVersion(uint32_t version);
uint32_t decodeVersion(std::string_view bytes);  // throws StoreError unless 4 bytes

// Optional: the last etcd revision applied by a cluster node. 8 bytes, little-endian.
inline constexpr std::string_view kClusterRevision = "cluster_revision";
std::string encodeRevision(int64_t revision);
int64_t decodeRevision(std::string_view bytes);  // throws StoreError unless 8 bytes

// Values of numbers_by_provider and numbers_by_org: the E.164 number, a NUL, the number
// id. LMDB keeps the values of one key sorted, so they come back in E.164 order (E.164
// numbers are unique, so the id never decides). Throws StoreError if e164 holds a NUL.
std::string numberEntry(std::string_view e164, std::string_view id);
std::string_view idOfNumberEntry(std::string_view entry);  // throws StoreError if malformed

// Values of providers_by_org: createdMs as 8 big-endian bytes with the sign bit flipped,
// so that byte order is numeric order, then the provider id (ties go by id).
std::string providerEntry(int64_t createdMs, std::string_view id);
std::string_view idOfProviderEntry(std::string_view entry);  // throws StoreError if malformed

// Values of agents_by_org: the same layout as providers_by_org (creation order, then id).
std::string agentEntry(int64_t createdMs, std::string_view id);
std::string_view idOfAgentEntry(std::string_view entry);  // throws StoreError if malformed

// Keys of idempotency_by_time: the same layout (the time an answer was stored, then its slot),
// so a cursor meets the oldest answers first.
std::string answerTimeEntry(int64_t createdMs, std::string_view slot);
std::string_view slotOfAnswerTimeEntry(std::string_view entry);  // throws StoreError if malformed

}  // namespace gw::store::keys
