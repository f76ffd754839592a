#pragma once
// Line-oriented logging to stderr. Callers must never pass secrets (auth tokens, admin
// tokens); records carry ids and SIDs only.
#include <sstream>
#include <string_view>

namespace gw::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

void setLevel(Level level);
Level level();
void write(Level level, std::string_view component, std::string_view message);

namespace detail {
template <typename... Args>
void emit(Level lvl, std::string_view component, const Args&... args) {
  if (lvl < level()) return;
  std::ostringstream out;
  (out << ... << args);
  write(lvl, component, out.str());
}
}  // namespace detail

template <typename... Args>
void debug(std::string_view component, const Args&... args) {
  detail::emit(Level::kDebug, component, args...);
}
template <typename... Args>
void info(std::string_view component, const Args&... args) {
  detail::emit(Level::kInfo, component, args...);
}
template <typename... Args>
void warn(std::string_view component, const Args&... args) {
  detail::emit(Level::kWarn, component, args...);
}
template <typename... Args>
void error(std::string_view component, const Args&... args) {
  detail::emit(Level::kError, component, args...);
}

}  // namespace gw::log
