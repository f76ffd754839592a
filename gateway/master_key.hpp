#pragma once
// The master key that encrypts the providers' auth tokens at rest: loaded (or generated on
// first start) from GATEWAY_MASTER_KEY_FILE, by default <data-dir>/master-key, and rotated
// by `gatewayd rotate-key`. Called on the main thread before anything else runs.
#include <memory>

#include "common/result.hpp"
#include "gateway/config.hpp"

namespace gw::store {
class SecretBox;
}

namespace gw::gateway {

// The key file Config names, or <data-dir>/master-key. Only the default one is generated
// when absent: a file named explicitly must exist.
std::string masterKeyPath(const Config& config);
Result<std::shared_ptr<const store::SecretBox>> loadMasterKey(const Config& config);

// `gatewayd rotate-key`: a new key becomes the current one, every stored token is
// re-encrypted under it in one write transaction, and then the old keys leave the file.
// Until that commit the file holds old and new keys, so a crash at any point leaves a data
// directory the file can read (rerun the command to finish). gatewayd must be stopped: the
// data directory's lock is taken first. Returns the exit code (app.hpp).
int rotateMasterKey(const Config& config);

}  // namespace gw::gateway
