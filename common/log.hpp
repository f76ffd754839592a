#pragma once
// Line-oriented logging to stderr, as text or as one JSON object per line, with optional
// structured fields (request ids, statuses, durations) that both formats carry. Callers
// must never pass secrets (auth tokens, admin tokens); records carry ids and SIDs only.
// Any thread may log; setLevel/setFormat/setOutput are meant for start-up.
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <sstream>
#include <string>
#include <string_view>

namespace gw::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class Format { kText, kJson };

// One structured field. Numbers stay numbers in JSON; text is escaped in both formats.
struct Field {
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(v) {}
  Field(std::string_view k, int64_t v) : key(k), value(std::to_string(v)), number(true) {}
  Field(std::string_view k, int v) : Field(k, static_cast<int64_t>(v)) {}
  Field(std::string_view k, uint64_t v) : key(k), value(std::to_string(v)), number(true) {}
  Field(std::string_view k, double v);  // three decimals: durations in milliseconds

  std::string_view key;  // a literal: [a-z_]+
  std::string value;
  bool number = false;
};
using Fields = std::initializer_list<Field>;

namespace detail {
// Read inline by every call site, so a line below the level costs one relaxed load.
extern std::atomic<Level> g_level;
}  // namespace detail

void setLevel(Level level);
inline Level level() {
  return detail::g_level.load(std::memory_order_relaxed);
}
inline bool enabled(Level l) {
  return l >= level();
}
void setFormat(Format format);
Format format();
// Where lines go (stderr unless set); the stream must outlive all logging.
void setOutput(std::FILE* out);

// "text" or "json"; false for anything else.
bool parseFormat(std::string_view name, Format& out);

void write(Level level, std::string_view component, std::string_view message, Fields fields = {});

// The line write() emits, newline included. Pure: any thread (the tests' entry point).
std::string formatLine(Format format, std::string_view time, Level level,
                       std::string_view component, std::string_view message, Fields fields);

namespace detail {
template <typename... Args>
void emit(Level lvl, std::string_view component, const Args&... args) {
  if (!enabled(lvl)) return;
  // One stream per thread: constructing one per line costs more than the line itself.
  thread_local std::ostringstream out;
  out.str(std::string());
  out.clear();
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

// A line with structured fields: log::event(Level::kInfo, "access", "GET /x 200", {{"status",
// 200}}). The fields are built by the caller, so check enabled() first on a hot path.
inline void event(Level lvl, std::string_view component, std::string_view message, Fields fields) {
  if (enabled(lvl)) write(lvl, component, message, fields);
}

}  // namespace gw::log
