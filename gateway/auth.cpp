#include "gateway/auth.hpp"

#include "common/text.hpp"
#include "gateway/config.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace gw::gateway {

bool constantTimeEquals(std::string_view a, std::string_view b) {
  // Walk the longer length so the time reveals neither the position of a mismatch nor,
  // beyond the maximum, the length of the stored token.
  size_t n = std::max(a.size(), b.size());
  unsigned diff = static_cast<unsigned>(a.size() ^ b.size());
  for (size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned>(x ^ y);
  }
  return diff == 0;
}

void TokenAuth::add(std::string token, std::string orgId) {
  entries_.push_back({std::move(token), admin::Caller{std::move(orgId)}, {}});
}

Result<void> TokenAuth::addDistinct(std::string token, std::string orgId, std::string source) {
  if (token.size() < kMinAdminTokenLength) {
    return Error{0, source + ": token shorter than " + std::to_string(kMinAdminTokenLength) +
                        " characters; use a random one of 32 or more (openssl rand -hex 32)"};
  }
  for (const Entry& e : entries_) {
    if (constantTimeEquals(e.token, token)) {
      return Error{0, source + ": the same token as " +
                          (e.source.empty() ? std::string("another one") : e.source) + " (org '" +
                          e.caller.orgId + "'); give every org a token of its own"};
    }
  }
  entries_.push_back({std::move(token), admin::Caller{std::move(orgId)}, std::move(source)});
  return {};
}

Result<void> TokenAuth::loadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error{0, "cannot read tokens file " + path + ": " + std::strerror(errno)};
  std::string line;
  int lineNo = 0;
  size_t before = entries_.size();
  while (std::getline(in, line)) {
    ++lineNo;
    std::istringstream fields(line);
    std::string token, org, extra;
    if (!(fields >> token) || token[0] == '#') continue;
    if (!(fields >> org) || (fields >> extra)) {
      entries_.resize(before);
      return Error{0, "tokens file " + path + " line " + std::to_string(lineNo) +
                          ": expected '<token> <orgId>'"};
    }
    auto added = addDistinct(std::move(token), std::move(org),
                             "tokens file " + path + " line " + std::to_string(lineNo));
    if (!added) {
      entries_.resize(before);
      return added.error();
    }
  }
  return {};
}

const TokenAuth::Entry* TokenAuth::find(std::string_view token) const {
  const Entry* match = nullptr;
  for (const Entry& e : entries_) {
    if (constantTimeEquals(e.token, token) && !match) match = &e;
  }
  return match;
}

std::optional<std::string> TokenAuth::orgOf(std::string_view token) const {
  const Entry* match = find(token);
  if (!match) return std::nullopt;
  return match->caller.orgId;
}

std::optional<http::Response> TokenAuth::check(http::Request& req) const {
  // GET /metrics needs a token too: its labels name the Twilio accounts of every org.
  if (req.path.rfind("/api/", 0) != 0 && req.path != "/metrics") return std::nullopt;
  for (const std::string& path : publicPaths_) {
    if (req.path == path) return std::nullopt;
  }
  auto unauthorized = [&](std::string_view detail) {
    http::Response r = http::Response::problem(401, detail, req.path);
    r.set("WWW-Authenticate", "Bearer");
    return r;
  };
  auto header = req.header("Authorization");
  if (!header) {
    return unauthorized("Missing Authorization header: send 'Authorization: Bearer <token>'.");
  }
  std::string_view value = *header;
  constexpr std::string_view kScheme = "Bearer ";
  if (value.size() <= kScheme.size() || !startsWithIgnoreCase(value, kScheme)) {
    return unauthorized("Authorization header must use the Bearer scheme.");
  }
  value.remove_prefix(kScheme.size());
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  const Entry* match = find(value);
  if (!match) return unauthorized("The bearer token is not valid.");
  for (const Restriction& r : restricted_) {
    if (req.path != r.path) continue;
    if (std::find(r.orgs.begin(), r.orgs.end(), match->caller.orgId) == r.orgs.end()) {
      return http::Response::problem(403, r.refusal, req.path);
    }
  }
  req.attachment.set(match->caller);
  return std::nullopt;
}

Result<std::pair<std::string, bool>> loadOrCreateTokenFile(const std::string& dataDir) {
  std::string path = dataDir + "/admin-token";
  std::error_code ec;
  std::filesystem::create_directories(dataDir, ec);
  if (ec) return Error{0, "cannot create data directory " + dataDir + ": " + ec.message()};
  {
    std::ifstream in(path);
    std::string token;
    if (in && (in >> token) && !token.empty()) return std::make_pair(token, false);
  }
  std::random_device rd;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token;
  for (int i = 0; i < 32; ++i) {
    unsigned v = rd();
    token += kHex[v & 0xf];
    token += kHex[(v >> 4) & 0xf];
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Error{0, "cannot create " + path + ": " + std::strerror(errno)};
  std::string content = token + "\n";
  bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok) return Error{0, "cannot write " + path + ": " + std::strerror(errno)};
  return std::make_pair(token, true);
}

}  // namespace gw::gateway
