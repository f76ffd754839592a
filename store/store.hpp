#pragma once
// The gateway's LMDB store: providers, phone numbers and their indexes (by SID, by E.164
// number, by provider), and the schema version with its migrations.
//
// Transactions are RAII objects: a WriteTxn aborts in its destructor unless commit() was
// called. One write transaction per import batch. "Not found" is std::nullopt; anything
// that should never happen (MDB errors, corrupt records) throws StoreError with
// mdb_strerror text. Read transactions must not be held across an asynchronous wait.
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "store/records.hpp"

namespace gw::store {

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct StoreOptions {
  size_t mapSizeBytes = size_t{8} << 30;  // virtual reservation, grows the file lazily
  bool syncOnCommit = true;               // fsync at every commit (MDB_NOSYNC when false)
};

class Store;

class ReadTxn {
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

class WriteTxn {
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
  // a schema newer than this binary understands.
  static std::unique_ptr<Store> open(const std::string& dir, StoreOptions options = {});
  ~Store();

  static constexpr uint32_t kSchemaVersion = 1;
  uint32_t schemaVersion() const;

  ReadTxn read() const;
  WriteTxn write();  // one writer at a time (LMDB's rule); the control thread owns writes

  // Providers
  std::optional<Provider> getProvider(const ReadTxn& txn, std::string_view id) const;
  std::vector<Provider> listProviders(const ReadTxn& txn, std::string_view orgId) const;
  uint64_t countNumbersOfProvider(const ReadTxn& txn, std::string_view providerId) const;
  void putProvider(WriteTxn& txn, const Provider& provider);  // insert or replace
  void deleteProvider(WriteTxn& txn, std::string_view id);    // numbers are deleted separately

  // Phone numbers
  std::optional<PhoneNumber> getNumber(const ReadTxn& txn, std::string_view id) const;
  std::optional<PhoneNumber> findNumberBySid(const ReadTxn& txn, std::string_view sid) const;
  std::optional<PhoneNumber> findNumberByE164(const ReadTxn& txn, std::string_view e164) const;
  std::vector<PhoneNumber> listNumbersOfProvider(const ReadTxn& txn,
                                                 std::string_view providerId) const;
  NumberPage listNumbers(const ReadTxn& txn, const NumberFilter& filter, uint64_t skip,
                         uint64_t take) const;
  // Calls fn for every stored number (start-up rebuild of the routing table).
  void forEachNumber(const ReadTxn& txn, const std::function<void(const PhoneNumber&)>& fn) const;

  // Inserts a new number with its indexes. Throws StoreError if its id, SID or E.164 number
  // is already stored (callers check first; this is the last line of defence).
  void insertNumber(WriteTxn& txn, const PhoneNumber& number);
  void updateNumber(WriteTxn& txn, const PhoneNumber& number);  // same id, SID and E.164
  bool deleteNumber(WriteTxn& txn, std::string_view id);        // false when absent

  // The same read operations are available inside a write transaction.
  std::optional<Provider> getProvider(const WriteTxn& txn, std::string_view id) const;
  std::optional<PhoneNumber> getNumber(const WriteTxn& txn, std::string_view id) const;
  std::optional<PhoneNumber> findNumberBySid(const WriteTxn& txn, std::string_view sid) const;
  std::optional<PhoneNumber> findNumberByE164(const WriteTxn& txn, std::string_view e164) const;
  std::vector<PhoneNumber> listNumbersOfProvider(const WriteTxn& txn,
                                                 std::string_view providerId) const;

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace gw::store
