#include "harness/openapi_headers.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string_view>

namespace gw::integration {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') path.remove_prefix(1);
    size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash);
  }
  return out;
}

// How well a document path ("/a/{id}") matches a request path: the number of literal
// segments, or -1 when it does not match.
int matchScore(std::string_view pattern, std::string_view path) {
  auto p = segments(pattern), r = segments(path);
  if (p.size() != r.size()) return -1;
  int literals = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    if (!p[i].empty() && p[i].front() == '{') {
      if (r[i].empty()) return -1;
    } else if (p[i] == r[i]) {
      ++literals;
    } else {
      return -1;
    }
  }
  return literals;
}

bool isGeneric(const std::string& name) {
  static const std::vector<std::string> kGeneric = {
      "content-type", "content-length", "date", "server", "connection", "keep-alive",
      "transfer-encoding", "sl-violations"};  // prism's report, checked from its log
  return std::find(kGeneric.begin(), kGeneric.end(), name) != kGeneric.end();
}

}  // namespace

OpenApiHeaders::OpenApiHeaders(const std::string& specPath) {
  std::ifstream in(specPath, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) throw std::runtime_error("cannot read " + specPath);
  doc_.Parse(text.str().c_str());
  if (doc_.HasParseError() || !doc_.IsObject() || !doc_.HasMember("paths")) {
    throw std::runtime_error(specPath + " is not an OpenAPI document");
  }
}

const rapidjson::Value* OpenApiHeaders::responseOf(const std::string& method,
                                                   const std::string& target,
                                                   long status) const {
  std::string path = target.substr(0, target.find('?'));
  const rapidjson::Value* best = nullptr;
  int bestScore = -1;
  for (const auto& p : doc_["paths"].GetObject()) {
    int score = matchScore(p.name.GetString(), path);
    if (score > bestScore) {
      bestScore = score;
      best = &p.value;
    }
  }
  std::string m = lower(method);
  if (!best || !best->HasMember(m.c_str())) return nullptr;
  const auto& op = (*best)[m.c_str()];
  std::string code = std::to_string(status);
  if (!op.HasMember("responses") || !op["responses"].HasMember(code.c_str())) return nullptr;
  const rapidjson::Value* resp = &op["responses"][code.c_str()];
  if (resp->HasMember("$ref")) {
    std::string_view ref = (*resp)["$ref"].GetString();
    std::string name(ref.substr(ref.rfind('/') + 1));
    const auto& all = doc_["components"]["responses"];
    if (!all.HasMember(name.c_str())) return nullptr;
    resp = &all[name.c_str()];
  }
  return resp;
}

std::vector<std::string> OpenApiHeaders::undocumented(const std::string& method,
                                                      const std::string& target,
                                                      const HttpResponse& response) const {
  std::vector<std::string> out;
  const rapidjson::Value* resp = responseOf(method, target, response.status);
  if (!resp) return out;
  for (const auto& [name, value] : response.headers) {
    std::string n = lower(name);
    if (isGeneric(n)) continue;
    bool named = false;
    if (resp->HasMember("headers")) {
      for (const auto& h : (*resp)["headers"].GetObject()) named = named || lower(h.name.GetString()) == n;
    }
    if (!named) out.push_back(name);
  }
  return out;
}

}  // namespace gw::integration
