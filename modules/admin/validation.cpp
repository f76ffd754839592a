#include "modules/admin/validation.hpp"

#include "common/text.hpp"

#include <array>
#include <charconv>
#include <optional>

namespace gw::admin {

bool isLowerHex(std::string_view text, size_t length) {
  if (text.size() != length) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool isSid(std::string_view text, std::string_view prefix) {
  return text.size() == 34 && text.substr(0, 2) == prefix && isLowerHex(text.substr(2), 32);
}

bool isKnownRegion(std::string_view region) {
  static constexpr std::array<std::string_view, 8> kRegions = {"us1", "us2", "ie1", "de1",
                                                               "au1", "jp1", "br1", "sg1"};
  for (auto r : kRegions) {
    if (r == region) return true;
  }
  return false;
}

namespace {

std::optional<uint64_t> parseCount(std::string_view text) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
  return v;
}

}  // namespace

Paging parsePaging(const http::Request& req, FieldErrors& errors) {
  Paging p;
  if (auto v = req.queryParam("skip")) {
    if (auto n = parseCount(*v)) {
      p.skip = *n;
    } else {
      errors.emplace_back("skip", "skip must be a whole number of 0 or more.");
    }
  }
  if (auto v = req.queryParam("take")) {
    auto n = parseCount(*v);
    if (n && *n >= 1 && *n <= kMaxTake) {
      p.take = *n;
    } else {
      errors.emplace_back(
          "take", "take must be a whole number from 1 to " + std::to_string(kMaxTake) + ".");
    }
  }
  return p;
}

std::string idParam(const http::Request& req, std::string_view name) {
  return asciiLowerCopy(req.param(name));
}

std::optional<std::string> idQuery(const http::Request& req, std::string_view name) {
  auto v = req.queryParam(name);
  if (!v) return std::nullopt;
  return asciiLowerCopy(*v);
}

bool forceParam(const http::Request& req, FieldErrors& errors) {
  auto v = req.queryParam("force");
  if (!v || *v == "false") return false;
  if (*v == "true") return true;
  errors.emplace_back("force", "force must be true or false.");
  return false;
}

}  // namespace gw::admin
