#include "store/import_job_table.hpp"

#include <algorithm>

#include "store/lmdb_cursor.hpp"
#include "store/store.hpp"

namespace gw::store {

namespace {

constexpr uint8_t kJobFormat = 1;
constexpr size_t kSidLength = 34;  // "PN" and 32 hex characters

void putU64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void putText(std::string& out, std::string_view s) {
  putU64(out, s.size());
  out.append(s);
}

// Reads the fields written by putU64 and putText; throws StoreError past the end.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  uint64_t u64() {
    need(8);
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t{static_cast<uint8_t>(bytes_[pos_ + i])} << (8 * i);
    pos_ += 8;
    return v;
  }
  std::string text() {
    uint64_t n = u64();
    need(n);
    std::string s(bytes_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  uint8_t byte() {
    need(1);
    return static_cast<uint8_t>(bytes_[pos_++]);
  }

 private:
  void need(uint64_t n) const {
    if (n > bytes_.size() - pos_) throw StoreError("store: truncated import job record");
  }
  std::string_view bytes_;
  size_t pos_ = 0;
};

// A job id followed by a number in 8 big-endian bytes: byte order is numeric order.
std::string numberedKey(std::string_view jobId, uint64_t n) {
  std::string key(jobId);
  for (int i = 7; i >= 0; --i) key.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  return key;
}

std::string encode(const ImportJob& j) {
  std::string out(1, static_cast<char>(kJobFormat));
  putText(out, j.id);
  putText(out, j.orgId);
  putText(out, j.providerId);
  out.push_back(static_cast<char>(j.state));
  for (uint64_t v : {j.total, j.done, j.successCount, j.failedCount, uint64_t{j.chunkSize}})
    putU64(out, v);
  for (int64_t v : {j.createdMs, j.startedMs, j.finishedMs}) putU64(out, static_cast<uint64_t>(v));
  putText(out, j.error);
  return out;
}

ImportJob decode(std::string_view bytes) {
  Reader r(bytes);
  if (r.byte() != kJobFormat) throw StoreError("store: unknown import job record format");
  ImportJob j;
  j.id = r.text();
  j.orgId = r.text();
  j.providerId = r.text();
  uint8_t state = r.byte();
  if (state > static_cast<uint8_t>(ImportJobState::kCancelled)) {
    throw StoreError("store: unknown import job state " + std::to_string(state));
  }
  j.state = static_cast<ImportJobState>(state);
  j.total = r.u64();
  j.done = r.u64();
  j.successCount = r.u64();
  j.failedCount = r.u64();
  j.chunkSize = static_cast<uint32_t>(r.u64());
  j.createdMs = static_cast<int64_t>(r.u64());
  j.startedMs = static_cast<int64_t>(r.u64());
  j.finishedMs = static_cast<int64_t>(r.u64());
  j.error = r.text();
  return j;
}

}  // namespace

void ImportJobTable::put(MDB_txn* txn, const ImportJob& job) const {
  if (job.id.empty()) throw StoreError("store: an import job needs an id");
  jobs_.put(txn, job.id, encode(job));
}

std::optional<ImportJob> ImportJobTable::get(MDB_txn* txn, std::string_view id) const {
  auto bytes = jobs_.get(txn, id);
  if (!bytes) return std::nullopt;
  return decode(*bytes);
}

std::vector<ImportJob> ImportJobTable::all(MDB_txn* txn) const {
  std::vector<ImportJob> out;
  lmdb::Cursor c(txn, jobs_);
  for (bool ok = c.first(); ok; ok = c.next()) out.push_back(decode(c.value()));
  return out;
}

void ImportJobTable::putSids(MDB_txn* txn, std::string_view jobId,
                             const std::vector<std::string>& sids, uint32_t chunkSize) const {
  if (chunkSize == 0) throw StoreError("store: an import job needs a chunk size");
  for (size_t first = 0, index = 0; first < sids.size(); first += chunkSize, ++index) {
    std::string value;
    const size_t end = std::min(sids.size(), first + chunkSize);
    value.reserve((end - first) * kSidLength);
    for (size_t i = first; i < end; ++i) {
      if (sids[i].size() != kSidLength) throw StoreError("store: not a phone number SID");
      value += sids[i];
    }
    sids_.put(txn, numberedKey(jobId, index), value);
  }
}

std::vector<std::string> ImportJobTable::chunk(MDB_txn* txn, std::string_view jobId,
                                               uint64_t index) const {
  std::vector<std::string> out;
  auto value = sids_.get(txn, numberedKey(jobId, index));
  if (!value) return out;
  if (value->size() % kSidLength != 0) throw StoreError("store: malformed import job chunk");
  for (size_t i = 0; i < value->size(); i += kSidLength)
    out.emplace_back(value->substr(i, kSidLength));
  return out;
}

void ImportJobTable::putErrors(MDB_txn* txn, std::string_view jobId, uint64_t first,
                               const std::vector<ImportJobError>& errors) const {
  for (size_t i = 0; i < errors.size(); ++i) {
    std::string value;
    putText(value, errors[i].phoneNumberSid);
    putText(value, errors[i].errorMessage);
    errors_.put(txn, numberedKey(jobId, first + i), value);
  }
}

std::vector<ImportJobError> ImportJobTable::errors(MDB_txn* txn, std::string_view jobId,
                                                   uint64_t skip, uint64_t take) const {
  std::vector<ImportJobError> out;
  for (uint64_t n = skip; n - skip < take; ++n) {
    auto value = errors_.get(txn, numberedKey(jobId, n));
    if (!value) break;
    Reader r(*value);
    ImportJobError e;
    e.phoneNumberSid = r.text();
    e.errorMessage = r.text();
    out.push_back(std::move(e));
  }
  return out;
}

size_t ImportJobTable::dropSids(MDB_txn* txn, std::string_view jobId) const {
  size_t n = 0;
  while (sids_.del(txn, numberedKey(jobId, n))) ++n;  // chunks are numbered from 0 on
  return n;
}

size_t ImportJobTable::purgeFinished(MDB_txn* txn, int64_t beforeMs, size_t max) const {
  std::vector<std::string> old;
  {
    lmdb::Cursor c(txn, jobs_);
    for (bool ok = c.first(); ok && old.size() < max; ok = c.next()) {
      ImportJob j = decode(c.value());
      if (j.finished() && j.finishedMs < beforeMs) old.push_back(std::move(j.id));
    }
  }
  for (const auto& id : old) {
    dropSids(txn, id);
    for (uint64_t n = 0; errors_.del(txn, numberedKey(id, n)); ++n) {
    }
    jobs_.del(txn, id);
  }
  return old.size();
}

}  // namespace gw::store
