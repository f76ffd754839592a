#include "common/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace gw::metrics {

void Histogram::observe(double seconds) {
  if (!(seconds >= 0)) seconds = 0;  // a NaN or a clock step backwards counts as 0
  auto it = std::lower_bound(kLatencyBounds.begin(), kLatencyBounds.end(), seconds);
  if (it != kLatencyBounds.end()) ++buckets_[static_cast<size_t>(it - kLatencyBounds.begin())];
  ++count_;
  sum_ += seconds;
}

bool isValidName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

std::string formatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 9e15) {
    return std::to_string(static_cast<int64_t>(v));
  }
  char buf[400];  // a double in fixed notation needs at most ~330 characters
  // The shortest fixed-point text that reads back exactly: le="0.0005", not le="5e-04".
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  if (r.ec != std::errc()) return "NaN";
  return std::string(buf, r.ptr);
}

std::string escapeLabelValue(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

namespace {

const char* typeName(Exposition::Type t) {
  switch (t) {
    case Exposition::Type::kCounter:
      return "counter";
    case Exposition::Type::kGauge:
      return "gauge";
    case Exposition::Type::kHistogram:
      return "histogram";
  }
  return "untyped";
}

void requireName(std::string_view name) {
  if (!isValidName(name)) throw std::invalid_argument("invalid metric name: " + std::string(name));
}

}  // namespace

void Exposition::family(std::string_view name, Type type, std::string_view help) {
  requireName(name);
  if (std::find(families_.begin(), families_.end(), name) != families_.end()) {
    throw std::invalid_argument("metric family written twice: " + std::string(name));
  }
  families_.emplace_back(name);
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  for (char c : help) {  // HELP escapes backslash and line feed only
    if (c == '\\') {
      out_ += "\\\\";
    } else if (c == '\n') {
      out_ += "\\n";
    } else {
      out_ += c;
    }
  }
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += typeName(type);
  out_ += '\n';
}

void Exposition::line(std::string_view name, const Labels& labels, std::string_view extraName,
                      std::string_view extraValue, std::string_view value) {
  requireName(name);
  out_ += name;
  if (!labels.empty() || !extraName.empty()) {
    out_ += '{';
    bool first = true;
    auto add = [&](std::string_view k, std::string_view v) {
      requireName(k);
      if (!first) out_ += ',';
      first = false;
      out_ += k;
      out_ += "=\"";
      out_ += escapeLabelValue(v);
      out_ += '"';
    };
    for (const auto& [k, v] : labels) add(k, v);
    if (!extraName.empty()) add(extraName, extraValue);
    out_ += '}';
  }
  out_ += ' ';
  out_ += value;
  out_ += '\n';
}

void Exposition::sample(std::string_view name, const Labels& labels, double value) {
  line(name, labels, {}, {}, formatValue(value));
}

void Exposition::sample(std::string_view name, const Labels& labels, uint64_t value) {
  line(name, labels, {}, {}, std::to_string(value));
}

void Exposition::histogram(std::string_view name, const Labels& labels, const Histogram& h) {
  const std::string base(name);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kLatencyBounds.size(); ++i) {
    cumulative += h.buckets()[i];
    line(base + "_bucket", labels, "le", formatValue(kLatencyBounds[i]),
         std::to_string(cumulative));
  }
  line(base + "_bucket", labels, "le", "+Inf", std::to_string(h.count()));
  line(base + "_sum", labels, {}, {}, formatValue(h.sum()));
  line(base + "_count", labels, {}, {}, std::to_string(h.count()));
}

}  // namespace gw::metrics
