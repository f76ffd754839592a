#include "store/lmdb_env.hpp"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "store/store.hpp"
#include "tests/support/temp_dir.hpp"

namespace gw::store::lmdb {
namespace {

using testsupport::TempDir;

constexpr Env::Options kOptions{size_t{1} << 20, 4, MDB_NOTLS};

TEST(LmdbEnvTest, CreatesMissingDirectories) {
  TempDir dir;
  std::string nested = dir.sub("a/b/c");
  Env env(nested, kOptions);
  EXPECT_TRUE(std::filesystem::exists(nested + "/data.mdb"));
  EXPECT_TRUE(std::filesystem::exists(nested + "/lock.mdb"));
}

TEST(LmdbEnvTest, SaysWhichDirectoryCannotBeUsed) {
  TempDir dir;
  std::string file = dir.sub("not-a-directory");
  std::ofstream(file) << "x";
  try {
    Env env(file + "/data", kOptions);
    FAIL() << "a directory below a file cannot exist";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find(file), std::string::npos) << e.what();
  }
  try {
    Env env(file, kOptions);
    FAIL() << "a file is not an environment directory";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find(file), std::string::npos) << e.what();
  }
}

TEST(LmdbEnvTest, RefusesAFileThatIsNotLmdb) {
  TempDir dir;
  std::ofstream(dir.sub("data.mdb")) << std::string(16384, 'x');
  try {
    Env env(dir.path(), kOptions);
    FAIL() << "garbage must not open";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("not an LMDB environment"), std::string::npos) << e.what();
  }
}

TEST(LmdbEnvTest, ClearsNoReadersWhenNoneAreStale) {
  TempDir dir;
  Env env(dir.path(), kOptions);
  EXPECT_EQ(env.clearStaleReaders(), 0);
}

}  // namespace
}  // namespace gw::store::lmdb
