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
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>

#include <spdlog/logger.h>

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
constexpr spdlog::level::level_enum toSpdlog(Level l) {
  return static_cast<spdlog::level::level_enum>(static_cast<int>(l) + spdlog::level::debug);
}
static_assert(toSpdlog(Level::kDebug) == spdlog::level::debug);
static_assert(toSpdlog(Level::kError) == spdlog::level::err);

// Read inline by every call site, so a line below the level costs one relaxed load.
extern spdlog::logger& g_logger;
}  // namespace detail

void setLevel(Level level);
Level level();
inline bool enabled(Level l) {
  return detail::g_logger.should_log(detail::toSpdlog(l));
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
std::string formatLine(Format format, spdlog::log_clock::time_point time, Level level,
                       std::string_view component, std::string_view message, Fields fields);

namespace detail {
// The message of the current line, reused: allocating one per line costs more than the line.
inline fmt::memory_buffer& messageBuffer() {
  thread_local fmt::memory_buffer buffer;
  return buffer;
}

template <typename T>
void appendStreamed(fmt::memory_buffer& out, const T& arg) {
  thread_local std::ostringstream stream;
  stream.str(std::string());
  stream.clear();
  stream << arg;
  const std::string text = stream.str();
  out.append(text.data(), text.data() + text.size());
}

// Text and integers are appended as fmt does it; anything else (bool, floating point,
// addresses, error codes) through its operator<<, so every argument prints as it did when
// lines were built on a stream.
template <typename T>
void append(fmt::memory_buffer& out, const T& arg) {
  if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    if constexpr (std::is_pointer_v<T>) {
      if (arg == nullptr) return;  // a stream wrote nothing for it either
    }
    const std::string_view text(arg);
    out.append(text.data(), text.data() + text.size());
  } else if constexpr (std::is_same_v<T, char>) {
    out.push_back(arg);
  } else if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool> &&
                       !std::is_same_v<T, signed char> && !std::is_same_v<T, unsigned char>) {
    fmt::format_to(std::back_inserter(out), "{}", arg);
  } else {
    appendStreamed(out, arg);
  }
}

template <typename... Args>
void emit(Level lvl, std::string_view component, const Args&... args) {
  if (!enabled(lvl)) return;
  fmt::memory_buffer& message = messageBuffer();
  message.clear();
  (append(message, args), ...);
  write(lvl, component, std::string_view(message.data(), message.size()));
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
