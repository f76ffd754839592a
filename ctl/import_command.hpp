#pragma once
// `gatewayctl numbers import`: sends the SIDs of a file of any size to the synchronous
// import endpoint in chunks of at most 10,000 (the endpoint's limit), shows progress (a bar
// with rate and ETA on a terminal, a line per chunk otherwise), writes the SIDs that failed
// with their reasons to a retry file that can be imported as it is, and answers the exit
// code: 0 only when every SID was imported. Single-threaded.
#include <cstddef>
#include <ostream>
#include <string>

#include "ctl/api_client.hpp"
#include "ctl/output.hpp"

namespace gw::ctl {

inline constexpr size_t kMaxImportChunk = 10'000;

enum class ProgressMode { kAuto, kBar, kLines, kNone };

struct ImportOptions {
  std::string providerId;
  std::string file;
  std::string retryFile;  // empty: "<file>.retry"
  size_t chunkSize = kMaxImportChunk;
  ProgressMode progress = ProgressMode::kAuto;  // kAuto: a bar when stderr is a terminal
};

// Exit codes of gatewayctl.
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;       // a request failed; nothing or not all was done
inline constexpr int kExitUsage = 2;       // bad arguments or configuration
inline constexpr int kExitSomeFailed = 3;  // the import ran, some SIDs failed (retry file)

// Returns one of the exit codes above. The summary goes to `out`, progress to `err`.
int runImport(ApiClient& api, const ImportOptions& options, Format format, std::ostream& out,
              std::ostream& err);

}  // namespace gw::ctl
