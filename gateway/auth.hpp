#pragma once
// Bearer-token authentication of the admin API. Each token maps to an org; tokens are
// compared in constant time and never logged.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "gateway/http/message.hpp"

namespace gw::gateway {

class TokenAuth {
 public:
  void add(std::string token, std::string orgId);
  size_t size() const { return entries_.size(); }

  // Lines of "<token> <orgId>"; blank lines and lines starting with '#' are skipped.
  Result<void> loadFile(const std::string& path);

  // The org of this token, or nullopt. Time does not depend on where a mismatch is.
  std::optional<std::string> orgOf(std::string_view token) const;

  // The filter for the HTTP server: requests under /api/ need a valid bearer token
  // (401 problem otherwise) and get req.orgId set.
  std::optional<http::Response> check(http::Request& req) const;

 private:
  struct Entry {
    std::string token;
    std::string orgId;
  };
  std::vector<Entry> entries_;
};

// Reads <dataDir>/admin-token, or creates it (mode 0600) with a new random token.
// Returns the token and whether it was created now.
Result<std::pair<std::string, bool>> loadOrCreateTokenFile(const std::string& dataDir);

bool constantTimeEquals(std::string_view a, std::string_view b);

}  // namespace gw::gateway
