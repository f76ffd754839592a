#include "common/log.hpp"

#include <atomic>
#include <memory>
#include <vector>

#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/dist_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "common/utf8.hpp"

namespace gw::log {
namespace {
std::atomic<Format> g_format{Format::kText};

// The time is UTC with milliseconds, as in the API's records: 2026-11-26T19:51:30.123Z.
// %l is the gateway's level name (spdlog's own says "warning"); %v is what write() built.
constexpr const char* kTextPattern = "%Y-%m-%dT%H:%M:%S.%eZ %l %v";
constexpr const char* kJsonPattern = R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%v})";

class LevelName final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const std::string_view name = nameOf(msg.level);
    dest.append(name.data(), name.data() + name.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<LevelName>();
  }

 private:
  static std::string_view nameOf(spdlog::level::level_enum l) {
    switch (l) {
      case spdlog::level::debug:
        return "debug";
      case spdlog::level::info:
        return "info";
      case spdlog::level::warn:
        return "warn";
      case spdlog::level::err:
        return "error";
      default:
        return "?";  // no Level maps to trace, critical or off
    }
  }
};

std::unique_ptr<spdlog::formatter> makeFormatter(Format f) {
  auto formatter =
      std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc, "\n");
  formatter->add_flag<LevelName>('l');
  formatter->set_pattern(f == Format::kText ? kTextPattern : kJsonPattern);
  return formatter;
}

// spdlog's stderr sink on any stream: fwrite and fflush per line under the console mutex.
std::shared_ptr<spdlog::sinks::sink> streamSink(std::FILE* out, Format f) {
  using Sink = spdlog::sinks::stdout_sink_base<spdlog::details::console_mutex>;
  auto sink = std::make_shared<Sink>(out != nullptr ? out : stderr);
  sink->set_formatter(makeFormatter(f));
  return sink;
}

// The logger writes through a distributing sink, so that setOutput can swap the stream
// under that sink's lock while other threads log.
struct Backend {
  std::shared_ptr<spdlog::sinks::dist_sink_mt> output =
      std::make_shared<spdlog::sinks::dist_sink_mt>(
          std::vector<spdlog::sink_ptr>{streamSink(nullptr, Format::kText)});
  spdlog::logger logger{"gateway", output};
};
// Never destroyed: a thread that logs while the process exits still finds it.
Backend& g_backend = *new Backend;
spdlog::logger& g_logger = g_backend.logger;

constexpr spdlog::level::level_enum toSpdlog(Level l) {
  return static_cast<spdlog::level::level_enum>(static_cast<int>(l) + spdlog::level::debug);
}
static_assert(toSpdlog(Level::kDebug) == spdlog::level::debug);
static_assert(toSpdlog(Level::kError) == spdlog::level::err);

constexpr char kHex[] = "0123456789abcdef";

// JSON string contents: quotes, backslashes and control characters escaped, and bytes that
// are not UTF-8 replaced by U+FFFD, so every line parses whatever a peer put in a message.
void appendJsonString(std::string& out, std::string_view s) {
  const std::string valid = toValidUtf8(s);
  out += '"';
  for (char ch : valid) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xf];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

// Text lines: a CR or LF from a peer must not start a forged line, so control characters
// are written as \n, \r, \t or \xNN.
void appendText(std::string& out, std::string_view s) {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c != 0x7f) {
      out += ch;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
}

// key=value, quoted when the value is empty or holds a space, quote or '='.
void appendTextField(std::string& out, const Field& f) {
  out += ' ';
  out += f.key;
  out += '=';
  const bool quote =
      !f.number && (f.value.empty() || f.value.find_first_of(" \"=") != std::string::npos);
  if (!quote) {
    appendText(out, f.value);
    return;
  }
  out += '"';
  for (char ch : f.value) {
    if (ch == '"' || ch == '\\') out += '\\';
    appendText(out, std::string_view(&ch, 1));
  }
  out += '"';
}

// What follows the time and level: "sip: message key=value" or "\"component\":...,\"key\":value".
void appendBody(std::string& out, Format f, std::string_view component, std::string_view message,
                Fields fields) {
  if (f == Format::kText) {
    out += component;
    out += ": ";
    appendText(out, message);
    for (const Field& field : fields) appendTextField(out, field);
    return;
  }
  out += "\"component\":";
  appendJsonString(out, component);
  out += ",\"message\":";
  appendJsonString(out, message);
  for (const Field& field : fields) {
    out += ',';
    appendJsonString(out, field.key);
    out += ':';
    if (field.number) {
      out += field.value;
    } else {
      appendJsonString(out, field.value);
    }
  }
}
}  // namespace

Field::Field(std::string_view k, double v) : key(k), number(true) {
  char buf[32];
  const int n = std::snprintf(buf, sizeof buf, "%.3f", v);
  value.assign(buf, n > 0 ? static_cast<size_t>(n) : 0);
  if (value.empty() || value.find_first_not_of("-0123456789.") != std::string::npos) {
    value = "0";  // NaN and infinities are not JSON numbers
  }
}

namespace detail {
std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
}  // namespace detail

void setLevel(Level l) {
  g_logger.set_level(toSpdlog(l));
  detail::g_level.store(static_cast<int>(l), std::memory_order_relaxed);
}
Level level() {
  return static_cast<Level>(detail::g_level.load(std::memory_order_relaxed));
}
void setFormat(Format f) {
  g_format.store(f, std::memory_order_relaxed);
  g_logger.set_formatter(makeFormatter(f));
}
Format format() {
  return g_format.load(std::memory_order_relaxed);
}
void setOutput(std::FILE* out) {
  g_backend.output->set_sinks({streamSink(out, format())});
}

bool parseFormat(std::string_view text, Format& out) {
  if (text == "text") {
    out = Format::kText;
    return true;
  }
  if (text == "json") {
    out = Format::kJson;
    return true;
  }
  return false;
}

std::string formatLine(Format f, std::chrono::system_clock::time_point time, Level l,
                       std::string_view component, std::string_view message, Fields fields) {
  std::string body;
  appendBody(body, f, component, message, fields);
  const spdlog::details::log_msg msg(time, spdlog::source_loc{}, g_logger.name(), toSpdlog(l),
                                     body);
  spdlog::memory_buf_t line;
  makeFormatter(f)->format(msg, line);
  return std::string(line.data(), line.size());
}

void write(Level l, std::string_view component, std::string_view message, Fields fields) {
  thread_local std::string body;  // reused: one allocation per thread, not per line
  body.clear();
  appendBody(body, format(), component, message, fields);
  g_logger.log(toSpdlog(l), spdlog::string_view_t(body.data(), body.size()));
}

}  // namespace gw::log
