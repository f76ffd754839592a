#include "ctl/import_command.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <stdexcept>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "ctl/sid_file.hpp"

namespace gw::ctl {
namespace {

using Clock = std::chrono::steady_clock;

std::string duration(double seconds) {
  const long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  return buf;
}

// Done counts only SIDs whose chunk answered; while a chunk runs the bar still redraws
// (elapsed time moves) from the HTTP client's tick.
class Progress {
 public:
  Progress(size_t total, ProgressMode mode, std::ostream& err)
      : total_(total), mode_(mode), err_(err), start_(Clock::now()) {}

  void chunkDone(size_t done, size_t failed) {
    done_ = done;
    failed_ = failed;
    if (mode_ == ProgressMode::kLines) err_ << "import: " << status() << "\n" << std::flush;
    if (mode_ == ProgressMode::kBar) draw(true);
  }
  void tick() {
    if (mode_ == ProgressMode::kBar) draw(false);
  }
  void finish() {
    if (mode_ == ProgressMode::kBar) err_ << "\n" << std::flush;
  }

 private:
  std::string status() const {
    const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
    const double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0;
    const size_t pct = total_ == 0 ? 100 : done_ * 100 / total_;
    std::string s = std::to_string(done_) + "/" + std::to_string(total_) + " SIDs (" +
                    std::to_string(pct) + "%), " + std::to_string(failed_) + " failed, " +
                    std::to_string(static_cast<long>(rate)) + " SIDs/s, elapsed " +
                    duration(elapsed);
    if (rate > 0 && done_ < total_) {
      s += ", ETA " + duration(static_cast<double>(total_ - done_) / rate);
    }
    return s;
  }
  void draw(bool force) {
    const auto now = Clock::now();
    if (!force && now - lastDraw_ < std::chrono::milliseconds(200)) return;
    lastDraw_ = now;
    constexpr size_t kWidth = 30;
    const size_t filled = total_ == 0 ? kWidth : done_ * kWidth / total_;
    err_ << "\r[" << std::string(filled, '#') << std::string(kWidth - filled, '.') << "] "
         << status() << "\033[K" << std::flush;
  }

  size_t total_;
  ProgressMode mode_;
  std::ostream& err_;
  Clock::time_point start_;
  Clock::time_point lastDraw_{};
  size_t done_ = 0;
  size_t failed_ = 0;
};

std::string importBody(const std::vector<std::string>& sids, size_t from, size_t to) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  w.Key("phoneNumberSids");
  w.StartArray();
  for (size_t i = from; i < to; ++i) w.String(sids[i].c_str());
  w.EndArray();
  w.EndObject();
  return sb.GetString();
}

// The per-SID errors of a 200 answer; returns its successCount.
size_t collectErrors(const std::string& body, std::vector<SidFailure>& failures) {
  rapidjson::Document doc;
  if (doc.Parse(body.c_str()).HasParseError() || !doc.IsObject() ||
      !doc.HasMember("successCount") || !doc["successCount"].IsUint64()) {
    throw std::runtime_error("the import answered 200 without a successCount: " +
                             body.substr(0, 200));
  }
  auto errors = doc.FindMember("errors");
  if (errors != doc.MemberEnd() && errors->value.IsArray()) {
    for (const auto& e : errors->value.GetArray()) {
      auto sid = e.FindMember("phoneNumberSid");
      auto msg = e.FindMember("errorMessage");
      failures.push_back(
          {sid != e.MemberEnd() && sid->value.IsString() ? sid->value.GetString() : "?",
           msg != e.MemberEnd() && msg->value.IsString() ? msg->value.GetString() : ""});
    }
  }
  return doc["successCount"].GetUint64();
}

struct Outcome {
  size_t total = 0;
  size_t imported = 0;
  std::vector<SidFailure> failures;
  std::string aborted;  // why the import stopped early, else empty
  std::string retryFile;
};

void printSummary(const Outcome& o, Format format, std::ostream& out) {
  if (format == Format::kJson) {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    w.StartObject();
    w.Key("total");
    w.Uint64(o.total);
    w.Key("successCount");
    w.Uint64(o.imported);
    w.Key("failedCount");
    w.Uint64(o.failures.size());
    w.Key("retryFile");
    o.failures.empty() ? w.Null() : w.String(o.retryFile.c_str());
    w.Key("aborted");
    o.aborted.empty() ? w.Null() : w.String(o.aborted.c_str());
    w.Key("errors");
    w.StartArray();
    for (const auto& f : o.failures) {
      w.StartObject();
      w.Key("phoneNumberSid");
      w.String(f.sid.c_str());
      w.Key("errorMessage");
      w.String(f.reason.c_str());
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    out << sb.GetString() << "\n";
    return;
  }
  out << "imported " << o.imported << " of " << o.total << " SIDs, " << o.failures.size()
      << " failed\n";
  if (!o.aborted.empty()) out << "stopped early: " << o.aborted << "\n";
  if (o.failures.empty()) return;
  std::map<std::string, size_t> byReason;
  for (const auto& f : o.failures) ++byReason[f.reason];
  for (const auto& [reason, n] : byReason) out << "  " << n << " x " << reason << "\n";
  out << "the failed SIDs and their reasons are in " << o.retryFile << "\n";
}

}  // namespace

int runImport(ApiClient& api, const ImportOptions& opt, Format format, std::ostream& out,
              std::ostream& err) {
  if (opt.chunkSize == 0 || opt.chunkSize > kMaxImportChunk) {
    throw std::invalid_argument("--chunk-size must be from 1 to 10000");
  }
  SidFile file = readSidFile(opt.file);
  Outcome o;
  o.total = file.sids.size() + file.rejected.size();
  o.failures = std::move(file.rejected);
  o.retryFile = opt.retryFile.empty() ? opt.file + ".retry" : opt.retryFile;
  if (o.total == 0) throw std::invalid_argument(opt.file + " holds no SIDs (one per line)");

  ProgressMode mode = opt.progress;
  if (mode == ProgressMode::kAuto)
    mode = ::isatty(STDERR_FILENO) ? ProgressMode::kBar : ProgressMode::kLines;
  Progress progress(file.sids.size(), mode, err);
  api.setTick([&progress] { progress.tick(); });
  api.setTimeoutSeconds(0);  // the gateway answers by its own import deadline
  const std::string path = "/api/v1/providers/twilio/" + escape(opt.providerId) + "/import-numbers";

  size_t done = 0;
  while (done < file.sids.size()) {
    const size_t end = std::min(file.sids.size(), done + opt.chunkSize);
    const std::string body = importBody(file.sids, done, end);
    try {
      ApiResponse r = api.send("POST", path, &body);
      if (r.status != 200) throw ApiError(r.status, describeFailure("POST", path, r));
      o.imported += collectErrors(r.body, o.failures);
    } catch (const std::exception& e) {
      // The gateway refused the whole request (unknown provider, bad credentials, store
      // full, unreachable): the remaining chunks would fail the same way.
      o.aborted = e.what();
      for (size_t i = done; i < file.sids.size(); ++i) {
        o.failures.push_back({file.sids[i], "not imported: " + o.aborted});
      }
      done = file.sids.size();
      break;
    }
    done = end;
    progress.chunkDone(done, o.failures.size());
  }
  progress.finish();
  api.setTick({});
  if (!o.failures.empty()) writeRetryFile(o.retryFile, o.failures);
  printSummary(o, format, out);
  if (!o.aborted.empty()) err << "gatewayctl: " << o.aborted << "\n";
  if (!o.aborted.empty()) return kExitError;
  return o.failures.empty() ? kExitOk : kExitSomeFailed;
}

}  // namespace gw::ctl
