#include "store/store.hpp"

#include <algorithm>
#include <filesystem>

#include "store/codec.hpp"
#include "store/lmdb.hpp"

namespace gw::store {

using lmdb::check;

struct ReadTxn::Impl {
  explicit Impl(MDB_txn* t) : txn(t) {}
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  MDB_txn* txn = nullptr;
  ~Impl() {
    if (txn) mdb_txn_abort(txn);
  }
};

struct WriteTxn::Impl {
  explicit Impl(MDB_txn* t) : txn(t) {}
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  MDB_txn* txn = nullptr;
  ~Impl() {
    if (txn) mdb_txn_abort(txn);
  }
};

ReadTxn::ReadTxn(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ReadTxn::~ReadTxn() = default;
ReadTxn::ReadTxn(ReadTxn&&) noexcept = default;

WriteTxn::WriteTxn(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WriteTxn::~WriteTxn() = default;
WriteTxn::WriteTxn(WriteTxn&&) noexcept = default;

void WriteTxn::commit() {
  if (!impl_ || !impl_->txn) throw StoreError("store: commit of a finished transaction");
  MDB_txn* txn = impl_->txn;
  impl_->txn = nullptr;  // LMDB frees the transaction whatever commit returns
  check(mdb_txn_commit(txn), "commit");
}

namespace {

constexpr std::string_view kSchemaKey = "schema_version";

std::string encodeU32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}

uint32_t decodeU32(std::string_view s) {
  if (s.size() != 4) throw StoreError("store: corrupt schema version");
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(s[i])) << (8 * i);
  return v;
}

std::string providerKey(std::string_view providerId, std::string_view numberId) {
  std::string k;
  k.reserve(providerId.size() + 1 + numberId.size());
  k.append(providerId).append("/").append(numberId);
  return k;
}

}  // namespace

struct Store::Impl {
  MDB_env* env = nullptr;
  MDB_dbi meta = 0;
  MDB_dbi providers = 0;
  MDB_dbi numbers = 0;
  MDB_dbi bySid = 0;
  MDB_dbi byE164 = 0;
  MDB_dbi byProvider = 0;
  uint32_t schemaVersion = 0;

  ~Impl() {
    if (env) mdb_env_close(env);
  }

  // Migrations: step i brings schema version i to i+1, inside the one write transaction
  // that also records the new version. Version 0 is an empty environment.
  void migrate(MDB_txn* txn, uint32_t from) {
    for (uint32_t v = from; v < kSchemaVersion; ++v) {
      switch (v) {
        case 0:
          break;  // 0 -> 1: the databases opened with MDB_CREATE are the whole schema
        default:
          throw StoreError("store: no migration from schema version " + std::to_string(v));
      }
    }
    lmdb::put(txn, meta, kSchemaKey, encodeU32(kSchemaVersion));
  }

  std::optional<Provider> getProvider(MDB_txn* txn, std::string_view id) const {
    auto v = lmdb::get(txn, providers, id);
    if (!v) return std::nullopt;
    return codec::decodeProvider(*v);
  }
  std::optional<PhoneNumber> getNumber(MDB_txn* txn, std::string_view id) const {
    auto v = lmdb::get(txn, numbers, id);
    if (!v) return std::nullopt;
    return codec::decodeNumber(*v);
  }
  std::optional<PhoneNumber> byIndex(MDB_txn* txn, MDB_dbi index, std::string_view key) const {
    auto id = lmdb::get(txn, index, key);
    if (!id) return std::nullopt;
    auto n = getNumber(txn, *id);
    if (!n) throw StoreError("store: index entry without its phone number record");
    return n;
  }
  std::vector<PhoneNumber> numbersOfProvider(MDB_txn* txn, std::string_view providerId) const {
    std::vector<PhoneNumber> out;
    std::string prefix = std::string(providerId) + "/";
    lmdb::Cursor c(txn, byProvider);
    for (bool ok = c.seek(prefix); ok && c.key().substr(0, prefix.size()) == prefix; ok = c.next()) {
      auto n = getNumber(txn, c.key().substr(prefix.size()));
      if (!n) throw StoreError("store: provider index entry without its phone number record");
      out.push_back(std::move(*n));
    }
    return out;
  }
};

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

std::unique_ptr<Store> Store::open(const std::string& dir, StoreOptions options) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw StoreError("store: cannot create directory " + dir + ": " + ec.message());

  auto impl = std::make_unique<Impl>();
  check(mdb_env_create(&impl->env), "create environment");
  check(mdb_env_set_maxdbs(impl->env, 16), "set maxdbs");
  check(mdb_env_set_mapsize(impl->env, options.mapSizeBytes), "set map size");
  unsigned flags = MDB_NOTLS | (options.syncOnCommit ? 0 : MDB_NOSYNC);
  int rc = mdb_env_open(impl->env, dir.c_str(), flags, 0600);
  if (rc != MDB_SUCCESS) lmdb::fail(rc, "open environment in " + dir);

  MDB_txn* txn = nullptr;
  check(mdb_txn_begin(impl->env, nullptr, 0, &txn), "begin start-up transaction");
  WriteTxn guard(std::make_unique<WriteTxn::Impl>(txn));
  auto openDb = [&](const char* name, MDB_dbi& dbi) {
    check(mdb_dbi_open(txn, name, MDB_CREATE, &dbi), std::string("open database ") + name);
  };
  openDb("meta", impl->meta);
  openDb("providers", impl->providers);
  openDb("numbers", impl->numbers);
  openDb("numbers_by_sid", impl->bySid);
  openDb("numbers_by_e164", impl->byE164);
  openDb("numbers_by_provider", impl->byProvider);

  uint32_t version = 0;
  if (auto v = lmdb::get(txn, impl->meta, kSchemaKey)) version = decodeU32(*v);
  if (version > kSchemaVersion) {
    throw StoreError("store: " + dir + " has schema version " + std::to_string(version) +
                     " but this gatewayd understands up to " + std::to_string(kSchemaVersion) +
                     "; run a newer gatewayd on it");
  }
  if (version < kSchemaVersion) impl->migrate(txn, version);
  guard.commit();
  impl->schemaVersion = kSchemaVersion;
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

uint32_t Store::schemaVersion() const { return impl_->schemaVersion; }

ReadTxn Store::read() const {
  MDB_txn* txn = nullptr;
  check(mdb_txn_begin(impl_->env, nullptr, MDB_RDONLY, &txn), "begin read transaction");
  return ReadTxn(std::make_unique<ReadTxn::Impl>(txn));
}

WriteTxn Store::write() {
  MDB_txn* txn = nullptr;
  check(mdb_txn_begin(impl_->env, nullptr, 0, &txn), "begin write transaction");
  return WriteTxn(std::make_unique<WriteTxn::Impl>(txn));
}

// --- providers ---

std::optional<Provider> Store::getProvider(const ReadTxn& t, std::string_view id) const {
  return impl_->getProvider(t.impl_->txn, id);
}
std::optional<Provider> Store::getProvider(const WriteTxn& t, std::string_view id) const {
  return impl_->getProvider(t.impl_->txn, id);
}

std::vector<Provider> Store::listProviders(const ReadTxn& t, std::string_view orgId) const {
  std::vector<Provider> out;
  lmdb::Cursor c(t.impl_->txn, impl_->providers);
  for (bool ok = c.first(); ok; ok = c.next()) {
    Provider p = codec::decodeProvider(c.value());
    if (p.orgId == orgId) out.push_back(std::move(p));
  }
  std::stable_sort(out.begin(), out.end(), [](const Provider& a, const Provider& b) {
    return a.createdMs < b.createdMs;
  });
  return out;
}

uint64_t Store::countNumbersOfProvider(const ReadTxn& t, std::string_view providerId) const {
  uint64_t count = 0;
  std::string prefix = std::string(providerId) + "/";
  lmdb::Cursor c(t.impl_->txn, impl_->byProvider);
  for (bool ok = c.seek(prefix); ok && c.key().substr(0, prefix.size()) == prefix; ok = c.next()) {
    ++count;
  }
  return count;
}

void Store::putProvider(WriteTxn& t, const Provider& p) {
  if (p.id.empty()) throw StoreError("store: provider without id");
  lmdb::put(t.impl_->txn, impl_->providers, p.id, codec::encode(p));
}

void Store::deleteProvider(WriteTxn& t, std::string_view id) {
  lmdb::del(t.impl_->txn, impl_->providers, id);
}

// --- phone numbers ---

std::optional<PhoneNumber> Store::getNumber(const ReadTxn& t, std::string_view id) const {
  return impl_->getNumber(t.impl_->txn, id);
}
std::optional<PhoneNumber> Store::getNumber(const WriteTxn& t, std::string_view id) const {
  return impl_->getNumber(t.impl_->txn, id);
}
std::optional<PhoneNumber> Store::findNumberBySid(const ReadTxn& t, std::string_view sid) const {
  return impl_->byIndex(t.impl_->txn, impl_->bySid, sid);
}
std::optional<PhoneNumber> Store::findNumberBySid(const WriteTxn& t, std::string_view sid) const {
  return impl_->byIndex(t.impl_->txn, impl_->bySid, sid);
}
std::optional<PhoneNumber> Store::findNumberByE164(const ReadTxn& t, std::string_view e164) const {
  return impl_->byIndex(t.impl_->txn, impl_->byE164, e164);
}
std::optional<PhoneNumber> Store::findNumberByE164(const WriteTxn& t,
                                                   std::string_view e164) const {
  return impl_->byIndex(t.impl_->txn, impl_->byE164, e164);
}
std::vector<PhoneNumber> Store::listNumbersOfProvider(const ReadTxn& t,
                                                      std::string_view providerId) const {
  return impl_->numbersOfProvider(t.impl_->txn, providerId);
}
std::vector<PhoneNumber> Store::listNumbersOfProvider(const WriteTxn& t,
                                                      std::string_view providerId) const {
  return impl_->numbersOfProvider(t.impl_->txn, providerId);
}

NumberPage Store::listNumbers(const ReadTxn& t, const NumberFilter& f, uint64_t skip,
                              uint64_t take) const {
  MDB_txn* txn = t.impl_->txn;
  NumberPage page;
  auto consider = [&](PhoneNumber&& n) {
    if (n.orgId != f.orgId) return;
    if (f.providerId && n.providerId != *f.providerId) return;
    if (f.phoneNumber && n.phoneNumber != *f.phoneNumber) return;
    if (f.linkedAgentId && n.incomingCallsAgentId != *f.linkedAgentId) return;
    if (f.unlinkedOnly && !n.incomingCallsAgentId.empty()) return;
    if (page.totalCount >= skip && page.items.size() < take) page.items.push_back(std::move(n));
    ++page.totalCount;
  };
  if (f.phoneNumber) {
    if (auto n = impl_->byIndex(txn, impl_->byE164, *f.phoneNumber)) consider(std::move(*n));
  } else if (f.providerId) {
    auto all = impl_->numbersOfProvider(txn, *f.providerId);
    std::sort(all.begin(), all.end(), [](const PhoneNumber& a, const PhoneNumber& b) {
      return a.phoneNumber < b.phoneNumber;
    });
    for (auto& n : all) consider(std::move(n));
  } else {
    // The E.164 index gives the list its order.
    lmdb::Cursor c(txn, impl_->byE164);
    for (bool ok = c.first(); ok; ok = c.next()) {
      auto n = impl_->getNumber(txn, c.value());
      if (!n) throw StoreError("store: E.164 index entry without its phone number record");
      consider(std::move(*n));
    }
  }
  return page;
}

void Store::forEachNumber(const ReadTxn& t,
                          const std::function<void(const PhoneNumber&)>& fn) const {
  lmdb::Cursor c(t.impl_->txn, impl_->numbers);
  for (bool ok = c.first(); ok; ok = c.next()) fn(codec::decodeNumber(c.value()));
}

void Store::insertNumber(WriteTxn& t, const PhoneNumber& n) {
  MDB_txn* txn = t.impl_->txn;
  if (n.id.empty() || n.phoneNumberSid.empty() || n.phoneNumber.empty()) {
    throw StoreError("store: phone number without id, SID or E.164 number");
  }
  // Indexes first: a clash throws before anything of this number is written, and the
  // caller's transaction is then aborted as a whole.
  if (!lmdb::put(txn, impl_->bySid, n.phoneNumberSid, n.id, MDB_NOOVERWRITE)) {
    throw StoreError("store: phone number SID " + n.phoneNumberSid + " is already stored");
  }
  if (!lmdb::put(txn, impl_->byE164, n.phoneNumber, n.id, MDB_NOOVERWRITE)) {
    throw StoreError("store: phone number " + n.phoneNumber + " is already stored");
  }
  if (!lmdb::put(txn, impl_->numbers, n.id, codec::encode(n), MDB_NOOVERWRITE)) {
    throw StoreError("store: phone number id " + n.id + " is already stored");
  }
  lmdb::put(txn, impl_->byProvider, providerKey(n.providerId, n.id), {});
}

void Store::updateNumber(WriteTxn& t, const PhoneNumber& n) {
  MDB_txn* txn = t.impl_->txn;
  auto old = impl_->getNumber(txn, n.id);
  if (!old) throw StoreError("store: update of unknown phone number " + n.id);
  if (old->phoneNumberSid != n.phoneNumberSid || old->phoneNumber != n.phoneNumber ||
      old->providerId != n.providerId) {
    throw StoreError("store: a phone number's SID, E.164 number and provider cannot change");
  }
  lmdb::put(txn, impl_->numbers, n.id, codec::encode(n));
}

bool Store::deleteNumber(WriteTxn& t, std::string_view id) {
  MDB_txn* txn = t.impl_->txn;
  auto n = impl_->getNumber(txn, id);
  if (!n) return false;
  lmdb::del(txn, impl_->numbers, id);
  lmdb::del(txn, impl_->bySid, n->phoneNumberSid);
  lmdb::del(txn, impl_->byE164, n->phoneNumber);
  lmdb::del(txn, impl_->byProvider, providerKey(n->providerId, n->id));
  return true;
}

}  // namespace gw::store
