#pragma once
// Line-oriented logging to stderr, as text or as one JSON object per line, with optional
// structured fields (request ids, statuses, durations) that both formats carry. Callers
// must never pass secrets (auth tokens, admin tokens); records carry ids and SIDs only.
// A facade over one spdlog logger: spdlog filters by level, stamps the time and level and
// writes each line with one fwrite and fflush under its console mutex, so lines of several
// threads never interleave and a crash loses no line already logged. The message, its
// fields and their escaping are ours: spdlog 1.10 has no structured fields.
// Any thread may log once main() has begun; setLevel/setFormat are meant for start-up,
// setOutput may be called while other threads log.
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>

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
// The level, also set on the spdlog logger. Kept here so that a line below it costs one
// relaxed load inline, and so that this header need not include spdlog and fmt, whose
// templates cost seconds of compile time in every file that logs.
extern std::atomic<int> g_level;
}  // namespace detail

void setLevel(Level level);
Level level();
inline bool enabled(Level l) {
  return static_cast<int>(l) >= detail::g_level.load(std::memory_order_relaxed);
}
void setFormat(Format format);
Format format();
// Where lines go (stderr when null); the stream must stay open until the next setOutput.
void setOutput(std::FILE* out);

// "text" or "json"; false for anything else.
bool parseFormat(std::string_view name, Format& out);

void write(Level level, std::string_view component, std::string_view message, Fields fields = {});

// The line write() emits at `time`, newline included, through the same spdlog formatter.
// Pure: any thread (the tests' entry point).
std::string formatLine(Format format, std::chrono::system_clock::time_point time, Level level,
                       std::string_view component, std::string_view message, Fields fields);

namespace detail {
// The message of the current line, reused: allocating one per line costs more than the line.
inline std::string& messageBuffer() {
  thread_local std::string buffer;
  return buffer;
}

template <typename T>
void appendStreamed(std::string& out, const T& arg) {
  thread_local std::ostringstream stream;
  stream.str(std::string());
  stream.clear();
  stream << arg;
  out += stream.str();
}

// Text and integers are appended directly (integers with std::to_chars); anything else (bool,
// floating point, addresses, error codes) through its operator<<, so every argument prints as it
// did when lines were built on a stream.
template <typename T>
void append(std::string& out, const T& arg) {
  if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    if constexpr (std::is_pointer_v<T>) {
      if (arg == nullptr) return;  // a stream wrote nothing for it either
    }
    out += std::string_view(arg);
  } else if constexpr (std::is_same_v<T, char>) {
    out.push_back(arg);
  } else if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool> &&
                       !std::is_same_v<T, signed char> && !std::is_same_v<T, unsigned char>) {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, arg).ptr;
    out.append(digits, end);
  } else {
    appendStreamed(out, arg);
  }
}

template <typename... Args>
void emit(Level lvl, std::string_view component, const Args&... args) {
  if (!enabled(lvl)) return;
  std::string& message = messageBuffer();
  message.clear();
  (append(message, args), ...);
  write(lvl, component, message);
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
