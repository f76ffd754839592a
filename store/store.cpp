#include "store/store.hpp"

#include <atomic>
#include <thread>

#include "common/log.hpp"
#include "store/agent_table.hpp"
#include "store/attach_journal.hpp"
#include "store/lmdb_env.hpp"
#include "store/lmdb_txn.hpp"
#include "store/number_table.hpp"
#include "store/provider_table.hpp"
#include "store/schema.hpp"

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
};

ReadTxn::ReadTxn(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ReadTxn::~ReadTxn() = default;
ReadTxn::ReadTxn(ReadTxn&&) noexcept = default;

WriteTxn::WriteTxn(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
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

// The raw transaction behind a ReadTxn or WriteTxn (a template so that it may name neither
// class's private Impl; Store, their friend, passes it in).
template <typename TxnImpl>
MDB_txn* raw(const std::unique_ptr<TxnImpl>& impl) {
  if (!impl) throw StoreError("store: use of a moved-from transaction");
  return impl->txn.get();
}

lmdb::Env::Options envOptions(const StoreOptions& o) {
  // MDB_NOTLS: a read transaction is an object, not a thread's state, so it may be created
  // and finished on any thread.
  unsigned flags = MDB_NOTLS | (o.syncOnCommit ? 0u : unsigned{MDB_NOSYNC});
  return {o.mapSizeBytes, kMaxDbs, flags};
}

}  // namespace

struct Store::Impl {
  Impl(const std::string& dir, const StoreOptions& options) : env(dir, envOptions(options)) {
    if (int dead = env.clearStaleReaders()) {
      log::info("store", "freed ", dead, " reader slots left by exited processes in ", dir);
    }
    lmdb::Txn txn(env.get(), lmdb::Txn::Mode::kWrite);
    Schema schema = openSchema(txn.get(), dir);
    txn.commit();
    providers = ProviderTable(schema);
    numbers = NumberTable(schema);
    agents = AgentTable(schema);
    journal = AttachJournal(schema);
    if (schema.foundVersion != 0 && schema.foundVersion < kSchemaVersion) {
      log::info("store", "migrated ", dir, " from schema version ", schema.foundVersion, " to ",
                kSchemaVersion);
    }
  }

  lmdb::Env env;
  ProviderTable providers;
  NumberTable numbers;
  AgentTable agents;
  AttachJournal journal;
  // The thread holding the write transaction, so that a second write() on that thread
  // fails instead of waiting for itself forever.
  std::atomic<std::thread::id> writer;
};

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

std::unique_ptr<Store> Store::open(const std::string& dir, StoreOptions options) {
  return std::unique_ptr<Store>(new Store(std::make_unique<Impl>(dir, options)));
}

uint32_t Store::schemaVersion() const {
  return kSchemaVersion;
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

std::optional<Provider> Store::getProvider(const ReadTxn& t, std::string_view id) const {
  return impl_->providers.get(raw(t.impl_), id);
}
std::optional<Provider> Store::getProvider(const WriteTxn& t, std::string_view id) const {
  return impl_->providers.get(raw(t.impl_), id);
}
std::vector<Provider> Store::listProviders(const ReadTxn& t, std::string_view orgId) const {
  return impl_->providers.listOfOrg(raw(t.impl_), orgId);
}
std::vector<Provider> Store::listProviders(const WriteTxn& t, std::string_view orgId) const {
  return impl_->providers.listOfOrg(raw(t.impl_), orgId);
}
uint64_t Store::countNumbersOfProvider(const ReadTxn& t, std::string_view providerId) const {
  return impl_->numbers.countOfProvider(raw(t.impl_), providerId);
}
uint64_t Store::countNumbersOfProvider(const WriteTxn& t, std::string_view providerId) const {
  return impl_->numbers.countOfProvider(raw(t.impl_), providerId);
}
void Store::putProvider(WriteTxn& t, const Provider& provider) {
  impl_->providers.put(raw(t.impl_), provider);
}
std::vector<Provider> Store::listAllProviders(const ReadTxn& t) const {
  return impl_->providers.listAll(raw(t.impl_));
}
std::vector<Provider> Store::listAllProviders(const WriteTxn& t) const {
  return impl_->providers.listAll(raw(t.impl_));
}
void Store::deleteProvider(WriteTxn& t, std::string_view id) {
  impl_->providers.remove(raw(t.impl_), id);
}

// --- attachment journal ---

void Store::journalAttachments(WriteTxn& t, std::string_view providerId,
                               const std::vector<std::string>& sids) {
  for (const auto& sid : sids) impl_->journal.add(raw(t.impl_), providerId, sid);
}
bool Store::unjournalAttachment(WriteTxn& t, std::string_view providerId, std::string_view sid) {
  return impl_->journal.remove(raw(t.impl_), providerId, sid);
}
size_t Store::clearJournalOfProvider(WriteTxn& t, std::string_view providerId) {
  return impl_->journal.clear(raw(t.impl_), providerId);
}
std::vector<std::string> Store::journaledAttachments(const ReadTxn& t,
                                                     std::string_view providerId) const {
  return impl_->journal.sidsOf(raw(t.impl_), providerId);
}
std::vector<std::string> Store::journaledAttachments(const WriteTxn& t,
                                                     std::string_view providerId) const {
  return impl_->journal.sidsOf(raw(t.impl_), providerId);
}
std::vector<std::string> Store::providersWithJournal(const ReadTxn& t) const {
  return impl_->journal.providers(raw(t.impl_));
}

// --- phone numbers ---

std::optional<PhoneNumber> Store::getNumber(const ReadTxn& t, std::string_view id) const {
  return impl_->numbers.get(raw(t.impl_), id);
}
std::optional<PhoneNumber> Store::getNumber(const WriteTxn& t, std::string_view id) const {
  return impl_->numbers.get(raw(t.impl_), id);
}
std::optional<PhoneNumber> Store::findNumberBySid(const ReadTxn& t, std::string_view sid) const {
  return impl_->numbers.findBySid(raw(t.impl_), sid);
}
std::optional<PhoneNumber> Store::findNumberBySid(const WriteTxn& t, std::string_view sid) const {
  return impl_->numbers.findBySid(raw(t.impl_), sid);
}
std::optional<PhoneNumber> Store::findNumberByE164(const ReadTxn& t, std::string_view e164) const {
  return impl_->numbers.findByE164(raw(t.impl_), e164);
}
std::optional<PhoneNumber> Store::findNumberByE164(const WriteTxn& t, std::string_view e164) const {
  return impl_->numbers.findByE164(raw(t.impl_), e164);
}
std::vector<PhoneNumber> Store::listNumbersOfProvider(const ReadTxn& t,
                                                      std::string_view providerId) const {
  return impl_->numbers.listOfProvider(raw(t.impl_), providerId);
}
std::vector<PhoneNumber> Store::listNumbersOfProvider(const WriteTxn& t,
                                                      std::string_view providerId) const {
  return impl_->numbers.listOfProvider(raw(t.impl_), providerId);
}
NumberPage Store::listNumbers(const ReadTxn& t, const NumberFilter& filter, uint64_t skip,
                              uint64_t take) const {
  return impl_->numbers.list(raw(t.impl_), filter, skip, take);
}
NumberPage Store::listNumbers(const WriteTxn& t, const NumberFilter& filter, uint64_t skip,
                              uint64_t take) const {
  return impl_->numbers.list(raw(t.impl_), filter, skip, take);
}
void Store::forEachNumber(const ReadTxn& t,
                          const std::function<void(const PhoneNumber&)>& fn) const {
  impl_->numbers.forEach(raw(t.impl_), fn);
}
void Store::forEachNumber(const WriteTxn& t,
                          const std::function<void(const PhoneNumber&)>& fn) const {
  impl_->numbers.forEach(raw(t.impl_), fn);
}

void Store::insertNumber(WriteTxn& t, const PhoneNumber& number) {
  impl_->numbers.insert(raw(t.impl_), number);
}
void Store::updateNumber(WriteTxn& t, const PhoneNumber& number) {
  impl_->numbers.update(raw(t.impl_), number);
}
bool Store::deleteNumber(WriteTxn& t, std::string_view id) {
  return impl_->numbers.remove(raw(t.impl_), id);
}

// --- agents ---

std::optional<Agent> Store::getAgent(const ReadTxn& t, std::string_view id) const {
  return impl_->agents.get(raw(t.impl_), id);
}
std::optional<Agent> Store::getAgent(const WriteTxn& t, std::string_view id) const {
  return impl_->agents.get(raw(t.impl_), id);
}
std::vector<Agent> Store::listAgents(const ReadTxn& t, std::string_view orgId) const {
  return impl_->agents.listOfOrg(raw(t.impl_), orgId);
}
std::vector<Agent> Store::listAgents(const WriteTxn& t, std::string_view orgId) const {
  return impl_->agents.listOfOrg(raw(t.impl_), orgId);
}
std::vector<Agent> Store::listAllAgents(const ReadTxn& t) const {
  return impl_->agents.listAll(raw(t.impl_));
}
std::vector<Agent> Store::listAllAgents(const WriteTxn& t) const {
  return impl_->agents.listAll(raw(t.impl_));
}
std::vector<std::string> Store::numbersLinkedToAgent(const ReadTxn& t,
                                                     std::string_view agentId) const {
  return impl_->numbers.idsLinkedToAgent(raw(t.impl_), agentId);
}
std::vector<std::string> Store::numbersLinkedToAgent(const WriteTxn& t,
                                                     std::string_view agentId) const {
  return impl_->numbers.idsLinkedToAgent(raw(t.impl_), agentId);
}
uint64_t Store::countNumbersLinkedToAgent(const ReadTxn& t, std::string_view agentId) const {
  return impl_->numbers.countLinkedToAgent(raw(t.impl_), agentId);
}
uint64_t Store::countNumbersLinkedToAgent(const WriteTxn& t, std::string_view agentId) const {
  return impl_->numbers.countLinkedToAgent(raw(t.impl_), agentId);
}
std::vector<Agent> Store::agentsUsingNumber(const ReadTxn& t, const PhoneNumber& number) const {
  return impl_->agents.usingNumber(raw(t.impl_), number);
}
std::vector<Agent> Store::agentsUsingNumber(const WriteTxn& t, const PhoneNumber& number) const {
  return impl_->agents.usingNumber(raw(t.impl_), number);
}

void Store::putAgent(WriteTxn& t, const Agent& agent) {
  impl_->agents.put(raw(t.impl_), agent);
}
bool Store::deleteAgent(WriteTxn& t, std::string_view id) {
  MDB_txn* txn = raw(t.impl_);
  if (!impl_->agents.get(txn, id)) return false;
  if (uint64_t linked = impl_->numbers.countLinkedToAgent(txn, id)) {
    throw StoreError("store: agent " + std::string(id) + " still has " + std::to_string(linked) +
                     " linked phone number(s); unlink them before deleting the agent");
  }
  return impl_->agents.remove(txn, id);
}

}  // namespace gw::store
