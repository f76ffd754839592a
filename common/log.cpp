#include "common/log.hpp"

#include <mutex>

#include "common/clock.hpp"
#include "common/utf8.hpp"

namespace gw::log {
namespace detail {
std::atomic<Level> g_level{Level::kInfo};
}  // namespace detail

namespace {
std::atomic<Format> g_format{Format::kText};
std::atomic<std::FILE*> g_output{nullptr};
std::mutex g_mutex;

const char* name(Level l) {
  switch (l) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "?";
}

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
}  // namespace

Field::Field(std::string_view k, double v) : key(k), number(true) {
  char buf[32];
  const int n = std::snprintf(buf, sizeof buf, "%.3f", v);
  value.assign(buf, n > 0 ? static_cast<size_t>(n) : 0);
  if (value.empty() || value.find_first_not_of("-0123456789.") != std::string::npos) {
    value = "0";  // NaN and infinities are not JSON numbers
  }
}

void setLevel(Level l) {
  detail::g_level.store(l, std::memory_order_relaxed);
}
void setFormat(Format f) {
  g_format.store(f, std::memory_order_relaxed);
}
Format format() {
  return g_format.load(std::memory_order_relaxed);
}
void setOutput(std::FILE* out) {
  g_output.store(out, std::memory_order_relaxed);
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

std::string formatLine(Format fmt, std::string_view time, Level l, std::string_view component,
                       std::string_view message, Fields fields) {
  std::string line;
  line.reserve(64 + message.size() + 24 * fields.size());
  if (fmt == Format::kText) {
    line += time;
    line += ' ';
    line += name(l);
    line += ' ';
    line += component;
    line += ": ";
    appendText(line, message);
    for (const Field& f : fields) appendTextField(line, f);
  } else {
    line += "{\"time\":";
    appendJsonString(line, time);
    line += ",\"level\":\"";
    line += name(l);
    line += "\",\"component\":";
    appendJsonString(line, component);
    line += ",\"message\":";
    appendJsonString(line, message);
    for (const Field& f : fields) {
      line += ',';
      appendJsonString(line, f.key);
      line += ':';
      if (f.number) {
        line += f.value;
      } else {
        appendJsonString(line, f.value);
      }
    }
    line += '}';
  }
  line += '\n';
  return line;
}

void write(Level l, std::string_view component, std::string_view message, Fields fields) {
  const std::string line = formatLine(format(), nowIso8601(), l, component, message, fields);
  std::FILE* out = g_output.load(std::memory_order_relaxed);
  if (out == nullptr) out = stderr;
  std::lock_guard lock(g_mutex);
  std::fwrite(line.data(), 1, line.size(), out);
}

}  // namespace gw::log
