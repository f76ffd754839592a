#include "gateway/master_key.hpp"

#include <filesystem>

#include "common/log.hpp"
#include "gateway/app.hpp"
#include "gateway/data_dir_lock.hpp"
#include "store/secret_box.hpp"
#include "store/store.hpp"

namespace gw::gateway {

std::string masterKeyPath(const Config& config) {
  return config.masterKeyFile.empty() ? config.dataDir + "/master-key" : config.masterKeyFile;
}

Result<std::shared_ptr<const store::SecretBox>> loadMasterKey(const Config& config) {
  std::error_code ec;
  std::filesystem::create_directories(config.dataDir, ec);
  if (ec) return Error{0, "cannot create data directory " + config.dataDir + ": " + ec.message()};
  const std::string path = masterKeyPath(config);
  auto keys = store::loadKeyFile(path, config.masterKeyFile.empty());
  if (!keys) {
    return Error{0, keys.error().message +
                        ". Set GATEWAY_MASTER_KEY_FILE to the key file this data directory was "
                        "written with."};
  }
  return std::shared_ptr<const store::SecretBox>(
      std::make_shared<store::SecretBox>(std::move(*keys)));
}

int rotateMasterKey(const Config& config) {
  // A running gatewayd holds the store open with the current key: a rotation under it
  // would leave it reading tokens sealed under a key it does not have.
  auto dataDirLock = DataDirLock::acquire(config.dataDir);
  if (!dataDirLock) {
    log::error("gatewayd", dataDirLock.error().message);
    return kExitDataDir;
  }
  const std::string path = masterKeyPath(config);
  auto keys = store::loadKeyFile(path, false);
  if (!keys) {
    log::error("gatewayd", keys.error().message);
    return kExitMasterKey;
  }
  const uint32_t next = keys->rbegin()->first + 1;
  (*keys)[next] = store::SecretBox::generateKey();
  // 1. The new key joins the file: from here every value can be read, sealed under either.
  if (auto r = store::writeKeyFile(path, *keys); !r) {
    log::error("gatewayd", r.error().message);
    return kExitMasterKey;
  }
  size_t resealed = 0;
  try {
    store::StoreOptions so;
    so.syncOnCommit = true;
    so.secrets = std::make_shared<store::SecretBox>(*keys);
    auto db = store::Store::open(config.dataDir, so);
    // 2. One transaction: every token under the new key, or (on failure) none.
    auto txn = db->write();
    resealed = db->resealProviderTokens(txn);
    txn.commit();
    // The tokens under the old key stay readable to whoever has that key until LMDB reuses
    // their pages: keep none.
    db->compact();
  } catch (const store::SecretError& e) {
    log::error("gatewayd", e.what(), " (key file ", path, ")");
    return kExitMasterKey;
  } catch (const std::exception& e) {
    log::error("gatewayd", "cannot rotate the master key of ", config.dataDir, ": ", e.what());
    return kExitDataDir;
  }
  // 3. Nothing is sealed under the old keys any more.
  std::map<uint32_t, store::SecretBox::Key> current{{next, (*keys)[next]}};
  if (auto r = store::writeKeyFile(path, current); !r) {
    log::error("gatewayd", r.error().message, " (the tokens are re-encrypted under key ", next,
               "; the old keys are still in the file)");
    return kExitMasterKey;
  }
  log::info("gatewayd", "master key rotated to key ", next, ": re-encrypted ", resealed,
            " auth tokens in ", config.dataDir);
  return 0;
}

}  // namespace gw::gateway
