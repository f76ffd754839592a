#pragma once
// An LMDB environment, closed in the destructor. Opening creates the directory if needed.
#include <lmdb.h>

#include <cstddef>
#include <string>

namespace gw::store::lmdb {

class Env {
 public:
  struct Options {
    size_t mapSizeBytes = 0;
    unsigned maxDbs = 0;
    unsigned flags = 0;  // mdb_env_open flags (MDB_NOTLS, MDB_NOSYNC, ...)
  };

  // Throws StoreError naming `dir` and what failed.
  Env(const std::string& dir, const Options& options);
  ~Env();
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;

  MDB_env* get() const { return env_; }
  // Frees the reader slots of processes that died holding a read transaction; returns how
  // many were freed.
  int clearStaleReaders();

 private:
  MDB_env* env_ = nullptr;
};

}  // namespace gw::store::lmdb
