#pragma once
// Where gatewayctl finds the gateway and its admin token: flags first, then the
// environment (GATEWAY_URL, GATEWAY_TOKEN), then the config file
// ($XDG_CONFIG_HOME/gatewayctl/config, else ~/.config/gatewayctl/config, or --config).
// A config file holding a token must be private to its owner (mode 0600 or stricter).
// Single-threaded: called once from main before any request.
#include <optional>
#include <string>

namespace gw::ctl {

struct Settings {
  std::string url;    // e.g. "http://127.0.0.1:8080", no trailing slash
  std::string token;  // never printed
};

struct SettingsSources {
  std::optional<std::string> flagUrl;
  std::optional<std::string> flagToken;
  std::optional<std::string> configPath;  // --config; else the default path if it exists
};

// Throws std::runtime_error with what to do when no token is found, or when the config file
// cannot be read, is malformed or is readable by others.
Settings resolveSettings(const SettingsSources& sources);

// The config file used when --config is not given.
std::string defaultConfigPath();

}  // namespace gw::ctl
