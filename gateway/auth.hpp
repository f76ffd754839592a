#pragma once
// Bearer-token authentication of the admin API. Each token maps to an org; tokens are
// compared in constant time and never logged.
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "gateway/http/message.hpp"
#include "modules/admin/caller.hpp"

namespace gw::gateway {

class TokenAuth {
 public:
  void add(std::string token, std::string orgId);
  // Adds a token of 16 characters or more that is not known yet. `source` says where it
  // came from ("GATEWAY_ADMIN_TOKEN", "tokens file F line 3"); an error names the sources,
  // never the token: one token for two orgs would let each act as the other.
  Result<void> addDistinct(std::string token, std::string orgId, std::string source);
  size_t size() const { return entries_.size(); }

  // Lines of "<token> <orgId>"; blank lines and lines starting with '#' are skipped. Refuses
  // the whole file (adding nothing) for a malformed line, a short or repeated token.
  Result<void> loadFile(const std::string& path);

  // The org of this token, or nullopt. Time does not depend on where a mismatch is.
  std::optional<std::string> orgOf(std::string_view token) const;

  // The filter for the HTTP server: requests under /api/ need a valid bearer token
  // (401 problem otherwise) and get the token's admin::Caller attached (read it with
  // admin::orgOf), except those to a public path. The Caller lives in this object, so
  // tokens are added before the server starts and the TokenAuth outlives it.
  std::optional<http::Response> check(http::Request& req) const;
  // A path under /api/ that needs no token (it names no org's data).
  void allowWithoutToken(std::string path) { publicPaths_.push_back(std::move(path)); }
  // A path that only the tokens of `orgs` may use; other valid tokens get a 403 problem
  // whose detail is `refusal`. For paths that cover every org at once (GET /metrics),
  // which no tenant may read.
  void restrictToOrgs(std::string path, std::vector<std::string> orgs, std::string refusal) {
    restricted_.push_back({std::move(path), std::move(orgs), std::move(refusal)});
  }

 private:
  struct Entry {
    std::string token;
    admin::Caller caller;
    std::string source;
  };
  const Entry* find(std::string_view token) const;

  std::deque<Entry> entries_;  // a deque: adding a token moves no Caller already attached
  std::vector<std::string> publicPaths_;
  struct Restriction {
    std::string path;
    std::vector<std::string> orgs;
    std::string refusal;
  };
  std::vector<Restriction> restricted_;
};

// Reads <dataDir>/admin-token, or creates it (mode 0600) with a new random token.
// Returns the token and whether it was created now.
Result<std::pair<std::string, bool>> loadOrCreateTokenFile(const std::string& dataDir);

bool constantTimeEquals(std::string_view a, std::string_view b);

}  // namespace gw::gateway
