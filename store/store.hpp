#pragma once
// The gateway's LMDB store: providers, phone numbers, agents and their indexes (by SID, by
// E.164 number, by provider, by org, by linked agent), and the schema version with its
// migrations.
//
// Transactions are RAII objects: a WriteTxn aborts in its destructor unless commit() was
// called. One write transaction per import batch. "Not found" is std::nullopt; anything
// that should never happen (MDB errors, corrupt records) throws StoreError with
// mdb_strerror text. Read transactions must not be held across an asynchronous wait.
// Every read method takes a ReadView, which both a ReadTxn and a WriteTxn are.
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "store/import_job.hpp"
#include "store/records.hpp"

struct MDB_txn;  // lmdb.h

namespace gw::store {

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The write did not fit: the LMDB map is used up (MDB_MAP_FULL) or the disk is full
// (ENOSPC, EDQUOT). The transaction is aborted and nothing of it is stored; the store stays
// usable, and writes succeed again once space is freed or the map is made larger.
class StoreFullError : public StoreError {
 public:
  using StoreError::StoreError;
};

// A stored secret could not be decrypted: the master key is missing, wrong or the record
// was altered.
class SecretError : public StoreError {
 public:
  using StoreError::StoreError;
};

// Room for 10 million numbers with their indexes and agents besides (about 1 KiB per
// number; docs/operations.md says how that was measured). Only address space is reserved:
// data.mdb grows with what is stored.
inline constexpr size_t kDefaultMapSizeBytes = size_t{16} << 30;

class SecretBox;

struct StoreOptions {
  // The data's limit: inserts and puts beyond it throw StoreFullError. LMDB's map is this
  // plus a reserve (1/8, at least 2 MiB) that keeps deletes possible in a full store.
  size_t mapSizeBytes = kDefaultMapSizeBytes;
  bool syncOnCommit = true;  // fsync at every commit (MDB_NOSYNC when false)
  // Seals the providers' auth tokens (secret_box.hpp). With a box, open() encrypts the
  // tokens still stored in clear text and checks that every stored token decrypts, so a
  // wrong or missing key fails at open. Null (tests, tools): tokens are stored in clear.
  std::shared_ptr<const SecretBox> secrets;
};

class Store;
namespace lmdb {
class Txn;
}  // namespace lmdb

// What every read method of Store takes: a read transaction, or a write transaction, which
// reads its own uncommitted writes. Both are a ReadView, so a read needs no conversion and
// no overload per transaction type. It cannot be made or copied on its own: it is always
// one of the two transactions.
class ReadView {
 public:
  ReadView(const ReadView&) = delete;
  ReadView& operator=(const ReadView&) = delete;

 protected:
  explicit ReadView(const lmdb::Txn* txn) : txn_(txn) {}
  ReadView(ReadView&& other) noexcept : txn_(other.txn_) { other.txn_ = nullptr; }
  ReadView& operator=(ReadView&&) = delete;
  ~ReadView() = default;

 private:
  friend class Store;
  // The LMDB transaction inside the derived transaction's heap-allocated Impl (its address
  // survives moves); null once moved from.
  const lmdb::Txn* txn_;
};

class ReadTxn : public ReadView {
 public:
  ~ReadTxn();
  ReadTxn(ReadTxn&&) noexcept;
  ReadTxn& operator=(ReadTxn&&) = delete;

 private:
  friend class Store;
  struct Impl;
  explicit ReadTxn(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class WriteTxn : public ReadView {
 public:
  ~WriteTxn();  // aborts unless committed
  WriteTxn(WriteTxn&&) noexcept;
  WriteTxn& operator=(WriteTxn&&) = delete;
  void commit();  // throws StoreError; the transaction is finished either way

 private:
  friend class Store;
  struct Impl;
  explicit WriteTxn(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class Store {
 public:
  // Opens (creating if needed) the LMDB environment in `dir` and migrates it to the
  // current schema version. Throws StoreError with a clear message on failure, including
  // a schema newer than this binary understands. A process opens a directory once (LMDB's
  // rule): share the Store rather than opening it again.
  static std::unique_ptr<Store> open(const std::string& dir, StoreOptions options = {});
  ~Store();

  // The on-disk layout of each version is in store/schema.hpp, the steps between them in
  // store/migrations.cpp.
  static constexpr uint32_t kSchemaVersion = 5;
  uint32_t schemaVersion() const;

  // How much of the LMDB map the data takes; any thread (it opens a read transaction).
  struct SpaceUsage {
    uint64_t usedBytes = 0;       // pages in use: below the high-water mark, not free
    uint64_t highWaterBytes = 0;  // the file's extent as LMDB last wrote it
    uint64_t limitBytes = 0;      // --store-map-size: writes that grow the data stop here
    uint64_t mapBytes = 0;        // the map itself (the limit plus the reserve for deletes)
  };
  SpaceUsage spaceUsage() const;

  // The box that seals the providers' auth tokens (StoreOptions::secrets); null without one.
  // Whoever encodes provider records outside the store (the cluster's etcd copy) uses it.
  const SecretBox* secrets() const;

  // The last etcd revision this store applied (cluster/replica.hpp): the optional meta key
  // "cluster_revision", set in the transaction that applied it; 0 when never set (a store
  // that has never been part of a cluster).
  int64_t clusterRevision(const ReadView& txn) const;
  void setClusterRevision(WriteTxn& txn, int64_t revision);

  ReadTxn read() const;
  // One writer at a time (LMDB's rule); the control thread owns writes. Another thread's
  // write() waits for the current writer; a second write() on the thread that holds the
  // open WriteTxn throws StoreError instead of deadlocking. A WriteTxn ends (commit or
  // destruction) on the thread that began it; a ReadTxn may end on any thread.
  WriteTxn write();

  // Providers
  std::optional<Provider> getProvider(const ReadView& txn, std::string_view id) const;
  // Ordered by createdMs, then id.
  std::vector<Provider> listProviders(const ReadView& txn, std::string_view orgId) const;
  // O(1): LMDB counts the provider's index entries.
  uint64_t countNumbersOfProvider(const ReadView& txn, std::string_view providerId) const;
  void putProvider(WriteTxn& txn, const Provider& provider);  // insert or replace
  void deleteProvider(WriteTxn& txn, std::string_view id);    // numbers are deleted separately
  // Re-encrypts every provider's auth token under the current key of the store's box (key
  // rotation), in `txn`; returns how many. Throws StoreError without a box.
  size_t resealProviderTokens(WriteTxn& txn);
  // Rewrites data.mdb with only its live pages (a synced copy renamed over it), so that
  // the old bytes of replaced records (clear-text or old-key tokens) are not left in pages
  // LMDB freed. No transaction may be open, and no other process may have the directory
  // open. open() does this itself after sealing clear-text tokens.
  void compact();

  // Phone numbers
  std::optional<PhoneNumber> getNumber(const ReadView& txn, std::string_view id) const;
  std::optional<PhoneNumber> findNumberBySid(const ReadView& txn, std::string_view sid) const;
  std::optional<PhoneNumber> findNumberByE164(const ReadView& txn, std::string_view e164) const;
  // In E.164 order.
  std::vector<PhoneNumber> listNumbersOfProvider(const ReadView& txn,
                                                 std::string_view providerId) const;
  // The numbers matching every filter that is set, in E.164 order; items are the matches
  // [skip, skip + take) and totalCount counts all matches. Cost: a phoneNumber filter is
  // one lookup; a linkedAgentId filter reads that agent's numbers; a providerId filter
  // reads that provider's numbers; an org with no other filter reads only the page's
  // records; unlinkedOnly reads the org's numbers.
  NumberPage listNumbers(const ReadView& txn, const NumberFilter& filter, uint64_t skip,
                         uint64_t take) const;
  // Calls fn for every stored number, in id order (start-up rebuild of the routing table).
  // fn is handed the same object each time, refilled: copy what must outlive the call.
  void forEachNumber(const ReadView& txn, const std::function<void(const PhoneNumber&)>& fn) const;

  // Inserts a new number with its indexes. Throws StoreError if its id, SID or E.164 number
  // is already stored (callers check first; this is the last line of defence). A refused
  // insert has changed nothing, so the transaction may go on with other numbers.
  void insertNumber(WriteTxn& txn, const PhoneNumber& number);
  // Replaces the record with the same id; the indexes follow any change of SID, E.164
  // number, provider or org. Throws StoreError, changing nothing, when the id is not stored
  // or the new SID or E.164 number belongs to another number.
  void updateNumber(WriteTxn& txn, const PhoneNumber& number);
  bool deleteNumber(WriteTxn& txn, std::string_view id);  // false when absent

  // Agents
  std::optional<Agent> getAgent(const ReadView& txn, std::string_view id) const;
  // Ordered by createdMs, then id.
  std::vector<Agent> listAgents(const ReadView& txn, std::string_view orgId) const;
  // Every agent, or provider, of every org, in id order (start-up and directory
  // publication).
  std::vector<Agent> listAllAgents(const ReadView& txn) const;
  std::vector<Provider> listAllProviders(const ReadView& txn) const;
  // The same with empty auth tokens (nothing decrypted): for the background work that only
  // needs ids and trunks, every few seconds.
  std::vector<Provider> listAllProvidersWithoutTokens(const ReadView& txn) const;
  // Insert or replace; the org index follows a change of org or createdMs. Throws
  // StoreError, changing nothing, without an id and an org. The store checks no reference
  // (outboundPhoneNumberId): the admin API does.
  void putAgent(WriteTxn& txn, const Agent& agent);
  // Removes the agent and its agents_by_org entry; false when absent. It never touches
  // numbers: callers unlink the agent's numbers first (updateNumber with an empty
  // incomingCallsAgentId), in the same transaction. While numbers are still linked it
  // throws StoreError and changes nothing, so that no number is left pointing at a deleted
  // agent. Other agents' caller IDs are numbers, not agents, and are not affected.
  bool deleteAgent(WriteTxn& txn, std::string_view id);
  // Number ids whose incomingCallsAgentId is `agentId` (index numbers_by_agent), in id
  // order; O(1) count.
  std::vector<std::string> numbersLinkedToAgent(const ReadView& txn,
                                                std::string_view agentId) const;
  uint64_t countNumbersLinkedToAgent(const ReadView& txn, std::string_view agentId) const;
  // The agents of number.orgId that use the number: the one whose id is its
  // incomingCallsAgentId (inbound calls) and those whose outboundPhoneNumberId is its id
  // (caller ID), each once, by createdMs then id. Reads the org's agents.
  std::vector<Agent> agentsUsingNumber(const ReadView& txn, const PhoneNumber& number) const;

  // Attachment journal (store/attach_journal.hpp): SIDs attached, or about to be attached,
  // to a provider's trunk by an import and not stored yet. journalAttachments adds a batch
  // in the caller's transaction (one per batch, committed before the attach requests go
  // out); unjournalAttachment belongs in the transaction that stores the number, or after
  // the number is confirmed detached.
  void journalAttachments(WriteTxn& txn, std::string_view providerId,
                          const std::vector<std::string>& sids);
  bool unjournalAttachment(WriteTxn& txn, std::string_view providerId, std::string_view sid);
  size_t clearJournalOfProvider(WriteTxn& txn, std::string_view providerId);
  std::vector<std::string> journaledAttachments(const ReadView& txn,
                                                std::string_view providerId) const;
  // The providers with journal entries, in id order.
  std::vector<std::string> providersWithJournal(const ReadView& txn) const;

  // Idempotent answers (store/idempotency_table.hpp), by slot. putIdempotentAnswer replaces
  // what the slot held and throws StoreFullError, changing nothing, when the store is full;
  // purgeIdempotentAnswers deletes at most `max` answers stored before `beforeMs`, oldest
  // first, and returns how many.
  std::optional<IdempotentAnswer> findIdempotentAnswer(const ReadView& txn,
                                                       std::string_view slot) const;
  void putIdempotentAnswer(WriteTxn& txn, std::string_view slot, const IdempotentAnswer& answer);
  size_t purgeIdempotentAnswers(WriteTxn& txn, int64_t beforeMs, size_t max);
  uint64_t countIdempotentAnswers(const ReadView& txn) const;
  // Import jobs (store/import_job_table.hpp): a job, its SIDs in chunks and its errors.
  void putImportJob(WriteTxn& txn, const ImportJob& job);
  std::optional<ImportJob> getImportJob(const ReadView& txn, std::string_view id) const;
  std::vector<ImportJob> listImportJobs(const ReadView& txn) const;  // id order
  void putImportJobSids(WriteTxn& txn, std::string_view jobId, const std::vector<std::string>& sids,
                        uint32_t chunkSize);
  std::vector<std::string> importJobChunk(const ReadView& txn, std::string_view jobId,
                                          uint64_t index) const;
  void putImportJobErrors(WriteTxn& txn, std::string_view jobId, uint64_t first,
                          const std::vector<ImportJobError>& errors);
  std::vector<ImportJobError> importJobErrors(const ReadView& txn, std::string_view jobId,
                                              uint64_t skip, uint64_t take) const;
  size_t deleteImportJobSids(WriteTxn& txn, std::string_view jobId);
  size_t purgeFinishedImportJobs(WriteTxn& txn, int64_t finishedBeforeMs, size_t max);
  // Each provider's latest verification (store/verification_table.hpp).
  void putVerification(WriteTxn& txn, const Verification& v);
  std::optional<Verification> getVerification(const ReadView& txn,
                                              std::string_view providerId) const;
  bool deleteVerification(WriteTxn& txn, std::string_view providerId);

 private:
  // Before a write that can grow the data (insert, put): throws StoreFullError, changing
  // nothing, when the data had reached StoreOptions::mapSizeBytes as `t` began. Deletes and
  // unlinks skip it and use the map's reserve, so a full store can still be emptied.
  void requireRoom(WriteTxn& t) const;
  // The LMDB transaction behind `view`; throws StoreError when it was moved from, committed
  // or aborted.
  static MDB_txn* raw(const ReadView& view);

  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace gw::store
