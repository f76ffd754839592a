#include "ctl/settings.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <stdexcept>

namespace gw::ctl {
namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

// "key = value" lines; '#' starts a comment line. Only `url` and `token` are known, so a
// typo is reported rather than silently ignored.
std::map<std::string, std::string> readConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read the config file " + path);
  std::map<std::string, std::string> out;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    const auto eq = line.find('=');
    const std::string key = eq == std::string::npos ? "" : trim(line.substr(0, eq));
    if (key != "url" && key != "token") {
      throw std::runtime_error(path + " line " + std::to_string(n) +
                               ": expected 'url = ...' or 'token = ...'");
    }
    out[key] = trim(line.substr(eq + 1));
  }
  return out;
}

void requirePrivate(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw std::runtime_error("cannot stat " + path);
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    throw std::runtime_error("the config file " + path + " holds a token but its mode is " + mode +
                             ": others may read it. Run: chmod 600 " + path);
  }
}

}  // namespace

std::string defaultConfigPath() {
  if (auto xdg = env("XDG_CONFIG_HOME")) return *xdg + "/gatewayctl/config";
  if (auto home = env("HOME")) return *home + "/.config/gatewayctl/config";
  return "";
}

Settings resolveSettings(const SettingsSources& sources) {
  std::map<std::string, std::string> file;
  std::string path = sources.configPath.value_or(defaultConfigPath());
  struct stat st {};
  const bool exists = !path.empty() && ::stat(path.c_str(), &st) == 0;
  if (sources.configPath && !exists) {
    throw std::runtime_error("the config file " + path + " does not exist");
  }
  if (exists) {
    file = readConfig(path);
    if (file.count("token") != 0) requirePrivate(path);
  }

  Settings s;
  s.url = sources.flagUrl.value_or(
      env("GATEWAY_URL").value_or(file.count("url") ? file["url"] : "http://127.0.0.1:8080"));
  while (!s.url.empty() && s.url.back() == '/') s.url.pop_back();
  if (s.url.rfind("http://", 0) != 0 && s.url.rfind("https://", 0) != 0) {
    throw std::runtime_error("the gateway URL '" + s.url +
                             "' must start with http:// or https:// (e.g. http://127.0.0.1:8080)");
  }
  s.token = sources.flagToken.value_or(
      env("GATEWAY_TOKEN").value_or(file.count("token") ? file["token"] : ""));
  if (s.token.empty()) {
    throw std::runtime_error(
        "no admin token: pass --token, set GATEWAY_TOKEN, or put 'token = ...' in " +
        (path.empty() ? std::string("~/.config/gatewayctl/config") : path) + " (mode 0600)");
  }
  return s;
}

}  // namespace gw::ctl
