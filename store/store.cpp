#include "store/store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <optional>
#include <thread>

#include "common/log.hpp"
#include "store/agent_table.hpp"
#include "store/attach_journal.hpp"
#include "store/idempotency_table.hpp"
#include "store/import_job_table.hpp"
#include "store/keys.hpp"
#include "store/lmdb_env.hpp"
#include "store/lmdb_error.hpp"
#include "store/lmdb_txn.hpp"
#include "store/number_table.hpp"
#include "store/provider_table.hpp"
#include "store/schema.hpp"
#include "store/secret_box.hpp"
#include "store/verification_table.hpp"

namespace gw::store {

struct ReadTxn::Impl {
  lmdb::Txn txn;
};
struct WriteTxn::Impl {
  Impl(lmdb::Txn t, std::atomic<std::thread::id>& w) : txn(std::move(t)), writer(&w) {}
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() {
    txn.abort();
    release();
  }
  // Forgets the writing thread, unless another thread has begun writing since.
  void release() {
    if (!writer) return;
    auto me = std::this_thread::get_id();
    writer->compare_exchange_strong(me, std::thread::id());
    writer = nullptr;
  }

  lmdb::Txn txn;
  std::atomic<std::thread::id>* writer;
  std::optional<bool> full;  // whether the data had reached the limit when this began
};

ReadTxn::ReadTxn(std::unique_ptr<Impl> impl) : ReadView(&impl->txn), impl_(std::move(impl)) {}
ReadTxn::~ReadTxn() = default;
ReadTxn::ReadTxn(ReadTxn&&) noexcept = default;

WriteTxn::WriteTxn(std::unique_ptr<Impl> impl) : ReadView(&impl->txn), impl_(std::move(impl)) {}
WriteTxn::~WriteTxn() = default;
WriteTxn::WriteTxn(WriteTxn&&) noexcept = default;

void WriteTxn::commit() {
  if (!impl_) throw StoreError("store: commit of a moved-from transaction");
  struct Release {
    Impl& impl;
    ~Release() { impl.release(); }
  } release{*impl_};
  impl_->txn.commit();
}

namespace {

// LMDB copies pages even to delete, so a map filled to the last page could not even free
// space. The map is therefore larger than the data limit by this reserve, which only
// writes that shrink or keep the data (deletes, unlinks) reach: see Store::requireRoom.
size_t reserveFor(size_t limitBytes) {
  return std::max(limitBytes / 8, size_t{2} << 20);
}

lmdb::Env::Options envOptions(const StoreOptions& o) {
  // MDB_NOTLS: a read transaction is an object, not a thread's state, so it may be created
  // and finished on any thread.
  unsigned flags = MDB_NOTLS | (o.syncOnCommit ? 0u : unsigned{MDB_NOSYNC});
  return {o.mapSizeBytes + reserveFor(o.mapSizeBytes), kMaxDbs, flags};
}

// Pages on LMDB's free list as last committed (each record is a list of page numbers whose
// first element is its length): space below the high-water mark that writes reuse. LMDB
// lets only a read transaction open the free list.
uint64_t freePages(MDB_env* env) {
  lmdb::Txn txn(env, lmdb::Txn::Mode::kRead);
  MDB_cursor* cursor = nullptr;
  lmdb::check(mdb_cursor_open(txn.get(), 0, &cursor), "open of a cursor", "the free list");
  uint64_t pages = 0;
  MDB_val key, value;
  int rc = MDB_SUCCESS;
  while ((rc = mdb_cursor_get(cursor, &key, &value, MDB_NEXT)) == MDB_SUCCESS) {
    if (value.mv_size >= sizeof(size_t)) pages += *static_cast<const size_t*>(value.mv_data);
  }
  mdb_cursor_close(cursor);
  if (rc != MDB_NOTFOUND) lmdb::fail(rc, "read", "the free list");
  return pages;
}

}  // namespace

struct Store::Impl {
  Impl(const std::string& dir, const StoreOptions& options)
      : dir(dir),
        options(options),
        env(dir, envOptions(options)),
        limitBytes(options.mapSizeBytes),
        secrets(options.secrets) {
    if (int dead = env.clearStaleReaders()) {
      log::info("store", "freed ", dead, " reader slots left by exited processes in ", dir);
    }
    lmdb::Txn txn(env.get(), lmdb::Txn::Mode::kWrite);
    Schema schema = openSchema(txn.get(), dir);
    txn.commit();
    providers = ProviderTable(schema, secrets.get());
    numbers = NumberTable(schema);
    agents = AgentTable(schema);
    journal = AttachJournal(schema);
    answers = IdempotencyTable(schema);
    importJobs = ImportJobTable(schema);
    verifications = VerificationTable(schema);
    meta = schema.meta;
    if (schema.foundVersion != 0 && schema.foundVersion < kSchemaVersion) {
      log::info("store", "migrated ", dir, " from schema version ", schema.foundVersion, " to ",
                kSchemaVersion);
    }
    if (secrets) sealTokens(dir);
  }

  // Whether the data stored (pages in use, free ones not counted) exceeds the limit.
  bool overLimit() const {
    MDB_envinfo info{};
    MDB_stat stat{};
    lmdb::check(mdb_env_info(env.get(), &info), "env info");
    lmdb::check(mdb_env_stat(env.get(), &stat), "env stat");
    const uint64_t highWater = uint64_t{info.me_last_pgno} + 1;
    if (highWater * stat.ms_psize <= limitBytes) return false;  // the common, cheap case
    return (highWater - freePages(env.get())) * stat.ms_psize > limitBytes;
  }

  // Encrypts the tokens of records written in clear text (by a version before format 3),
  // then reads every provider back: a wrong or missing key fails here, at start, rather
  // than at the first import.
  void sealTokens(const std::string& dir) {
    lmdb::Txn w(env.get(), lmdb::Txn::Mode::kWrite);
    if (size_t sealed = providers.reseal(w.get(), false)) {
      w.commit();
      log::info("store", "encrypted the auth tokens of ", sealed, " providers in ", dir);
      needsCompaction = true;
    } else {
      w.abort();
    }
    lmdb::Txn r(env.get(), lmdb::Txn::Mode::kRead);
    providers.listAll(r.get());
  }

  // Writes a copy of the environment holding only its live pages to `path`, synced.
  void writeCompactCopy(const std::string& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw StoreError("store: cannot create " + path + ": " + std::strerror(errno));
    int rc = mdb_env_copyfd2(env.get(), fd, MDB_CP_COMPACT);
    bool synced = rc == 0 && ::fsync(fd) == 0;
    ::close(fd);
    if (rc != 0 || !synced) {
      ::unlink(path.c_str());
      throw StoreError("store: cannot write the compacted copy " + path + ": " +
                       (rc ? mdb_strerror(rc) : std::strerror(errno)));
    }
  }

  std::string dir;
  StoreOptions options;
  lmdb::Env env;
  size_t limitBytes;  // StoreOptions::mapSizeBytes
  std::shared_ptr<const SecretBox> secrets;
  // Records were replaced (clear-text tokens sealed): their old bytes are still in pages
  // LMDB freed but has not reused yet.
  bool needsCompaction = false;
  ProviderTable providers;
  NumberTable numbers;
  AgentTable agents;
  AttachJournal journal;
  IdempotencyTable answers;
  ImportJobTable importJobs;
  VerificationTable verifications;
  lmdb::Dbi meta;
  // The thread holding the write transaction, so that a second write() on that thread
  // fails instead of waiting for itself forever.
  std::atomic<std::thread::id> writer;
};

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

std::unique_ptr<Store> Store::open(const std::string& dir, StoreOptions options) {
  auto store = std::unique_ptr<Store>(new Store(std::make_unique<Impl>(dir, options)));
  if (store->impl_->needsCompaction) store->compact();
  return store;
}

void Store::compact() {
  const std::string dir = impl_->dir;
  const StoreOptions options = impl_->options;
  const std::string copy = dir + "/data.mdb.compact";
  impl_->writeCompactCopy(copy);
  impl_.reset();  // closes the environment before its file is replaced
  if (::rename(copy.c_str(), (dir + "/data.mdb").c_str()) != 0) {
    std::string why = std::strerror(errno);
    ::unlink(copy.c_str());
    impl_ = std::make_unique<Impl>(dir, options);
    throw StoreError("store: cannot replace " + dir + "/data.mdb with its compacted copy: " + why);
  }
  if (int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  impl_ = std::make_unique<Impl>(dir, options);
}

MDB_txn* Store::raw(const ReadView& view) {
  if (!view.txn_) throw StoreError("store: use of a moved-from transaction");
  return view.txn_->get();
}

uint32_t Store::schemaVersion() const {
  return kSchemaVersion;
}

const SecretBox* Store::secrets() const {
  return impl_->secrets.get();
}

int64_t Store::clusterRevision(const ReadView& t) const {
  auto bytes = impl_->meta.get(raw(t), keys::kClusterRevision);
  return bytes ? keys::decodeRevision(*bytes) : 0;
}

void Store::setClusterRevision(WriteTxn& t, int64_t revision) {
  impl_->meta.put(raw(t), keys::kClusterRevision, keys::encodeRevision(revision));
}

ReadTxn Store::read() const {
  return ReadTxn(std::make_unique<ReadTxn::Impl>(
      ReadTxn::Impl{lmdb::Txn(impl_->env.get(), lmdb::Txn::Mode::kRead)}));
}

WriteTxn Store::write() {
  auto me = std::this_thread::get_id();
  if (impl_->writer.load() == me) {
    throw StoreError(
        "store: this thread already has a write transaction open; finish it before beginning "
        "another (LMDB allows one writer, so the second would wait for the first forever)");
  }
  lmdb::Txn txn(impl_->env.get(), lmdb::Txn::Mode::kWrite);
  impl_->writer.store(me);
  return WriteTxn(std::make_unique<WriteTxn::Impl>(std::move(txn), impl_->writer));
}

// --- providers ---

size_t Store::resealProviderTokens(WriteTxn& t) {
  return impl_->providers.reseal(raw(t), true);
}

std::optional<Provider> Store::getProvider(const ReadView& t, std::string_view id) const {
  return impl_->providers.get(raw(t), id);
}
std::vector<Provider> Store::listProviders(const ReadView& t, std::string_view orgId) const {
  return impl_->providers.listOfOrg(raw(t), orgId);
}
uint64_t Store::countNumbersOfProvider(const ReadView& t, std::string_view providerId) const {
  return impl_->numbers.countOfProvider(raw(t), providerId);
}
void Store::putProvider(WriteTxn& t, const Provider& provider) {
  requireRoom(t);
  impl_->providers.put(raw(t), provider);
}
std::vector<Provider> Store::listAllProviders(const ReadView& t) const {
  return impl_->providers.listAll(raw(t));
}
std::vector<Provider> Store::listAllProvidersWithoutTokens(const ReadView& t) const {
  return impl_->providers.listAllWithoutTokens(raw(t));
}
void Store::deleteProvider(WriteTxn& t, std::string_view id) {
  impl_->providers.remove(raw(t), id);
}

// --- attachment journal ---

void Store::journalAttachments(WriteTxn& t, std::string_view providerId,
                               const std::vector<std::string>& sids) {
  for (const auto& sid : sids) impl_->journal.add(raw(t), providerId, sid);
}
bool Store::unjournalAttachment(WriteTxn& t, std::string_view providerId, std::string_view sid) {
  return impl_->journal.remove(raw(t), providerId, sid);
}
size_t Store::clearJournalOfProvider(WriteTxn& t, std::string_view providerId) {
  return impl_->journal.clear(raw(t), providerId);
}
std::vector<std::string> Store::journaledAttachments(const ReadView& t,
                                                     std::string_view providerId) const {
  return impl_->journal.sidsOf(raw(t), providerId);
}
std::vector<std::string> Store::providersWithJournal(const ReadView& t) const {
  return impl_->journal.providers(raw(t));
}

// --- idempotent answers ---

std::optional<IdempotentAnswer> Store::findIdempotentAnswer(const ReadView& t,
                                                            std::string_view slot) const {
  return impl_->answers.get(raw(t), slot);
}
void Store::putIdempotentAnswer(WriteTxn& t, std::string_view slot,
                                const IdempotentAnswer& answer) {
  requireRoom(t);
  impl_->answers.put(raw(t), slot, answer);
}
size_t Store::purgeIdempotentAnswers(WriteTxn& t, int64_t beforeMs, size_t max) {
  return impl_->answers.purge(raw(t), beforeMs, max);
}
uint64_t Store::countIdempotentAnswers(const ReadView& t) const {
  return impl_->answers.count(raw(t));
}

// --- import jobs ---

void Store::putImportJob(WriteTxn& t, const ImportJob& job) {
  requireRoom(t);
  impl_->importJobs.put(raw(t), job);
}
std::optional<ImportJob> Store::getImportJob(const ReadView& t, std::string_view id) const {
  return impl_->importJobs.get(raw(t), id);
}
std::vector<ImportJob> Store::listImportJobs(const ReadView& t) const {
  return impl_->importJobs.all(raw(t));
}
void Store::putImportJobSids(WriteTxn& t, std::string_view jobId,
                             const std::vector<std::string>& sids, uint32_t chunkSize) {
  requireRoom(t);
  impl_->importJobs.putSids(raw(t), jobId, sids, chunkSize);
}
std::vector<std::string> Store::importJobChunk(const ReadView& t, std::string_view jobId,
                                               uint64_t index) const {
  return impl_->importJobs.chunk(raw(t), jobId, index);
}
void Store::putImportJobErrors(WriteTxn& t, std::string_view jobId, uint64_t first,
                               const std::vector<ImportJobError>& errors) {
  requireRoom(t);
  impl_->importJobs.putErrors(raw(t), jobId, first, errors);
}
size_t Store::deleteImportJobSids(WriteTxn& t, std::string_view jobId) {
  return impl_->importJobs.dropSids(raw(t), jobId);
}
size_t Store::purgeFinishedImportJobs(WriteTxn& t, int64_t finishedBeforeMs, size_t max) {
  return impl_->importJobs.purgeFinished(raw(t), finishedBeforeMs, max);
}
std::vector<ImportJobError> Store::importJobErrors(const ReadView& t, std::string_view jobId,
                                                   uint64_t skip, uint64_t take) const {
  return impl_->importJobs.errors(raw(t), jobId, skip, take);
}

// --- phone numbers ---

std::optional<PhoneNumber> Store::getNumber(const ReadView& t, std::string_view id) const {
  return impl_->numbers.get(raw(t), id);
}
std::optional<PhoneNumber> Store::findNumberBySid(const ReadView& t, std::string_view sid) const {
  return impl_->numbers.findBySid(raw(t), sid);
}
std::optional<PhoneNumber> Store::findNumberByE164(const ReadView& t, std::string_view e164) const {
  return impl_->numbers.findByE164(raw(t), e164);
}
std::vector<PhoneNumber> Store::listNumbersOfProvider(const ReadView& t,
                                                      std::string_view providerId) const {
  return impl_->numbers.listOfProvider(raw(t), providerId);
}
NumberPage Store::listNumbers(const ReadView& t, const NumberFilter& filter, uint64_t skip,
                              uint64_t take) const {
  return impl_->numbers.list(raw(t), filter, skip, take);
}
void Store::forEachNumber(const ReadView& t,
                          const std::function<void(const PhoneNumber&)>& fn) const {
  impl_->numbers.forEach(raw(t), fn);
}

void Store::insertNumber(WriteTxn& t, const PhoneNumber& number) {
  requireRoom(t);
  impl_->numbers.insert(raw(t), number);
}
void Store::updateNumber(WriteTxn& t, const PhoneNumber& number) {
  impl_->numbers.update(raw(t), number);
}
bool Store::deleteNumber(WriteTxn& t, std::string_view id) {
  return impl_->numbers.remove(raw(t), id);
}

// --- agents ---

std::optional<Agent> Store::getAgent(const ReadView& t, std::string_view id) const {
  return impl_->agents.get(raw(t), id);
}
std::vector<Agent> Store::listAgents(const ReadView& t, std::string_view orgId) const {
  return impl_->agents.listOfOrg(raw(t), orgId);
}
std::vector<Agent> Store::listAllAgents(const ReadView& t) const {
  return impl_->agents.listAll(raw(t));
}
std::vector<std::string> Store::numbersLinkedToAgent(const ReadView& t,
                                                     std::string_view agentId) const {
  return impl_->numbers.idsLinkedToAgent(raw(t), agentId);
}
uint64_t Store::countNumbersLinkedToAgent(const ReadView& t, std::string_view agentId) const {
  return impl_->numbers.countLinkedToAgent(raw(t), agentId);
}
std::vector<Agent> Store::agentsUsingNumber(const ReadView& t, const PhoneNumber& number) const {
  return impl_->agents.usingNumber(raw(t), number);
}

void Store::putAgent(WriteTxn& t, const Agent& agent) {
  requireRoom(t);
  impl_->agents.put(raw(t), agent);
}
bool Store::deleteAgent(WriteTxn& t, std::string_view id) {
  MDB_txn* txn = raw(t);
  if (!impl_->agents.get(txn, id)) return false;
  if (uint64_t linked = impl_->numbers.countLinkedToAgent(txn, id)) {
    throw StoreError("store: agent " + std::string(id) + " still has " + std::to_string(linked) +
                     " linked phone number(s); unlink them before deleting the agent");
  }
  return impl_->agents.remove(txn, id);
}

Store::SpaceUsage Store::spaceUsage() const {
  MDB_envinfo info{};
  MDB_stat stat{};
  lmdb::check(mdb_env_info(impl_->env.get(), &info), "env info");
  lmdb::check(mdb_env_stat(impl_->env.get(), &stat), "env stat");
  const uint64_t highWater = uint64_t{info.me_last_pgno} + 1;
  const uint64_t free = freePages(impl_->env.get());
  SpaceUsage u;
  u.highWaterBytes = highWater * stat.ms_psize;
  u.usedBytes = (highWater > free ? highWater - free : 0) * stat.ms_psize;
  u.limitBytes = impl_->limitBytes;
  u.mapBytes = info.me_mapsize;
  return u;
}

void Store::requireRoom(WriteTxn& t) const {
  (void)raw(t);  // throws for a finished transaction
  if (!t.impl_->full) t.impl_->full = impl_->overLimit();
  if (*t.impl_->full) {
    throw StoreFullError("store: the stored data has reached the limit of " +
                         std::to_string(impl_->limitBytes >> 20) +
                         " MiB (the store is full); delete data that is no longer needed, or "
                         "restart gatewayd with a larger --store-map-size");
  }
}

// --- verifications ---

void Store::putVerification(WriteTxn& t, const Verification& v) {
  requireRoom(t);
  impl_->verifications.put(raw(t), v);
}
std::optional<Verification> Store::getVerification(const ReadView& t,
                                                   std::string_view providerId) const {
  return impl_->verifications.get(raw(t), providerId);
}
bool Store::deleteVerification(WriteTxn& t, std::string_view providerId) {
  return impl_->verifications.remove(raw(t), providerId);
}

}  // namespace gw::store
