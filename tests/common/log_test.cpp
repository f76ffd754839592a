// log::formatLine and log::write: JSON lines parse whatever the message holds (quotes,
// control characters, bytes that are not UTF-8), text lines cannot be split by a peer.
#include "common/log.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include <rapidjson/document.h>

#include "common/json.hpp"

namespace gw::log {
namespace {

// 2026-01-02T03:04:05.678Z
constexpr std::chrono::system_clock::time_point kTime{std::chrono::milliseconds(1767323045678)};
constexpr std::string_view kTimeText = "2026-01-02T03:04:05.678Z";

rapidjson::Document parseLine(const std::string& line) {
  EXPECT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line per record";
  rapidjson::Document doc;
  auto err = json::parse(doc, std::string_view(line).substr(0, line.size() - 1));
  EXPECT_FALSE(err.has_value()) << (err ? err->message : "") << " in " << line;
  return doc;
}

TEST(LogTest, JsonLineHasTimeLevelComponentMessageAndFields) {
  auto doc = parseLine(formatLine(Format::kJson, kTime, Level::kWarn, "twilio", "failed",
                                  {{"operation", "fetchAccount"}, {"status", 401}}));
  ASSERT_TRUE(doc.IsObject());
  EXPECT_STREQ(doc["time"].GetString(), kTimeText.data());
  EXPECT_STREQ(doc["level"].GetString(), "warn");
  EXPECT_STREQ(doc["component"].GetString(), "twilio");
  EXPECT_STREQ(doc["message"].GetString(), "failed");
  EXPECT_STREQ(doc["operation"].GetString(), "fetchAccount");
  ASSERT_TRUE(doc["status"].IsInt());
  EXPECT_EQ(doc["status"].GetInt(), 401);
}

TEST(LogTest, JsonLineEscapesQuotesAndBackslashes) {
  const std::string message = R"(say "hi" \ {"level":"error"})";
  auto doc = parseLine(
      formatLine(Format::kJson, kTime, Level::kInfo, "x", message, {{"route", R"(a"b\c)"}}));
  EXPECT_EQ(std::string(doc["message"].GetString()), message);
  EXPECT_EQ(std::string(doc["route"].GetString()), R"(a"b\c)");
  EXPECT_STREQ(doc["level"].GetString(), "info");
}

TEST(LogTest, JsonLineEscapesControlCharacters) {
  std::string message = "a\nb\rc\td";
  message += '\0';
  message += "\x01\x1f\x7f";
  const std::string line = formatLine(Format::kJson, kTime, Level::kInfo, "x", message, {});
  EXPECT_NE(line.find(R"(a\nb\rc\td\u0000\u0001\u001f\u007f)"), std::string::npos) << line;
  auto doc = parseLine(line);
  EXPECT_EQ(std::string(doc["message"].GetString(), doc["message"].GetStringLength()), message);
}

TEST(LogTest, JsonLineReplacesInvalidUtf8) {
  const std::string message = "caf\xC3\xA9 \xFF\xC3 \xED\xA0\x80 end";  // é, bad, bad, surrogate
  auto doc = parseLine(
      formatLine(Format::kJson, kTime, Level::kInfo, "x", message, {{"user_agent", "\xC0\xAF"}}));
  const std::string got = doc["message"].GetString();
  EXPECT_EQ(got.rfind("caf\xC3\xA9 \xEF\xBF\xBD\xEF\xBF\xBD ", 0), 0u) << got;
  EXPECT_NE(got.find(" end"), std::string::npos);
  EXPECT_EQ(std::string(doc["user_agent"].GetString()), "\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(LogTest, TextLineCannotBeSplitByAMessage) {
  const std::string line =
      formatLine(Format::kText, kTime, Level::kError, "sip", "bad\r\nforged 2026 error", {});
  EXPECT_EQ(line, "2026-01-02T03:04:05.678Z error sip: bad\\r\\nforged 2026 error\n");
}

TEST(LogTest, TextLineQuotesFieldsThatNeedIt) {
  const std::string line = formatLine(Format::kText, kTime, Level::kInfo, "access", "GET",
                                      {{"route", "/api/v1/providers/{id}"},
                                       {"org", ""},
                                       {"detail", "two words \"q\""},
                                       {"status", 200}});
  EXPECT_EQ(line,
            "2026-01-02T03:04:05.678Z info access: GET route=/api/v1/providers/{id} "
            "org=\"\" detail=\"two words \\\"q\\\"\" status=200\n");
}

TEST(LogTest, ParseFormatAcceptsTextAndJsonOnly) {
  Format f = Format::kText;
  EXPECT_TRUE(parseFormat("json", f));
  EXPECT_EQ(f, Format::kJson);
  EXPECT_TRUE(parseFormat("text", f));
  EXPECT_EQ(f, Format::kText);
  EXPECT_FALSE(parseFormat("JSON", f));
  EXPECT_FALSE(parseFormat("", f));
}

// write() goes through the level check and the format chosen at start-up.
TEST(LogTest, WriteHonoursLevelAndFormat) {
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  const Level previousLevel = level();
  const Format previousFormat = format();
  setOutput(out);
  setLevel(Level::kInfo);
  setFormat(Format::kJson);
  debug("t", "not written ", 1);
  info("t", "written ", 2, " \"quoted\"");
  event(Level::kWarn, "t", "with fields", {{"bytes", uint64_t{42}}});
  setOutput(nullptr);
  setLevel(previousLevel);
  setFormat(previousFormat);

  std::rewind(out);
  std::string text;
  char buf[512];
  while (size_t n = std::fread(buf, 1, sizeof buf, out)) text.append(buf, n);
  std::fclose(out);
  const size_t split = text.find('\n');
  ASSERT_NE(split, std::string::npos) << text;
  auto first = parseLine(text.substr(0, split + 1));
  EXPECT_STREQ(first["message"].GetString(), "written 2 \"quoted\"");
  auto second = parseLine(text.substr(split + 1));
  EXPECT_EQ(second["bytes"].GetInt(), 42);
}

std::string readAll(std::FILE* file) {
  std::rewind(file);
  std::string text;
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof buf, file)) text.append(buf, n);
  return text;
}

// Sends what is logged while it lives to a temporary file, at the given level and format.
class Capture {
 public:
  Capture(Level l, Format f)
      : file_(std::tmpfile()), previousLevel_(level()), previousFormat_(format()) {
    setOutput(file_);
    setLevel(l);
    setFormat(f);
  }
  ~Capture() {
    setOutput(nullptr);
    setLevel(previousLevel_);
    setFormat(previousFormat_);
    std::fclose(file_);
  }
  std::string text() const { return readAll(file_); }

 private:
  std::FILE* file_;
  Level previousLevel_;
  Format previousFormat_;
};

// spdlog's own level names say "warning" and "critical"; the lines keep the gateway's.
TEST(LogTest, WrittenTextLinesCarryUtcTimeAndTheGatewaysLevelNames) {
  std::string text;
  {
    Capture capture(Level::kDebug, Format::kText);
    debug("sip", "d");
    info("sip", "i");
    warn("sip", "w");
    error("sip", "e");
    text = capture.text();
  }
  const std::regex line(
      R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (debug|info|warn|error) sip: .\n)");
  std::vector<std::string> levels;
  long at = 0;  // the lines follow each other with nothing between them
  for (std::sregex_iterator it(text.begin(), text.end(), line), end; it != end; ++it) {
    EXPECT_EQ(it->position(), at) << text;
    at = it->position() + it->length();
    levels.push_back((*it)[1]);
  }
  EXPECT_EQ(at, static_cast<long>(text.size())) << text;
  EXPECT_EQ(levels, (std::vector<std::string>{"debug", "info", "warn", "error"})) << text;
}

TEST(LogTest, DisabledLevelsAreNotWrittenAndEnabledFollowsTheLevel) {
  Capture capture(Level::kWarn, Format::kText);
  EXPECT_FALSE(enabled(Level::kInfo));
  EXPECT_TRUE(enabled(Level::kWarn));
  EXPECT_EQ(level(), Level::kWarn);
  info("t", "below the level");
  event(Level::kDebug, "t", "below the level", {{"n", 1}});
  write(Level::kInfo, "t", "below the level");
  error("t", "at the level");
  const std::string text = capture.text();
  EXPECT_EQ(text.find("below"), std::string::npos) << text;
  EXPECT_NE(text.find(" error t: at the level\n"), std::string::npos) << text;
}

// The message arguments print exactly as they would on a std::ostream.
TEST(LogTest, MessageArgumentsPrintAsOnAStream) {
  const char* none = nullptr;
  const std::string_view view = "view";
  const double fraction = 0.1 + 0.2;
  std::ostringstream expected;
  expected << "s" << std::string("t") << view << 'c' << true << false << -5 << 7u
           << std::numeric_limits<uint64_t>::max() << std::numeric_limits<int64_t>::min()
           << static_cast<signed char>('a') << static_cast<unsigned char>('b') << fraction << 2.5
           << std::make_error_code(std::errc::timed_out) << std::filesystem::path("/tmp/x")
           << "end";
  std::string text;
  {
    Capture capture(Level::kInfo, Format::kText);
    info("t", "s", std::string("t"), view, 'c', true, false, -5, 7u,
         std::numeric_limits<uint64_t>::max(), std::numeric_limits<int64_t>::min(),
         static_cast<signed char>('a'), static_cast<unsigned char>('b'), fraction, 2.5,
         std::make_error_code(std::errc::timed_out), std::filesystem::path("/tmp/x"), none, "end");
    text = capture.text();
  }
  const std::string message = expected.str();
  EXPECT_NE(text.find(" info t: " + message + "\n"), std::string::npos)
      << text << " lacks " << message;
}

// Each line is written whole under spdlog's console mutex.
TEST(LogTest, LinesOfSeveralThreadsNeverInterleave) {
  constexpr int kThreads = 4;
  constexpr int kLines = 2000;
  const std::string payload(300, 'x');
  std::string text;
  {
    Capture capture(Level::kInfo, Format::kJson);
    std::atomic<int> ready{0};  // the threads start writing together
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&payload, &ready, t] {
        ready.fetch_add(1);
        while (ready.load() < kThreads) std::this_thread::yield();
        for (int i = 0; i < kLines; ++i) {
          event(Level::kInfo, "t", payload, {{"thread", t}, {"line", i}});
        }
      });
    }
    for (auto& thread : threads) thread.join();
    text = capture.text();
  }
  std::vector<int> next(kThreads, 0);
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    auto doc = parseLine(line + "\n");
    ASSERT_TRUE(doc.IsObject() && doc.HasMember("thread")) << line;
    ASSERT_EQ(doc["message"].GetString(), payload);
    const int t = doc["thread"].GetInt();
    EXPECT_EQ(doc["line"].GetInt(), next[t]++);
  }
  EXPECT_EQ(next, std::vector<int>(kThreads, kLines));
}

// Every line is flushed as it is written, so a crash right after it loses nothing, even on
// a fully buffered stream.
TEST(LogTest, ALineLoggedBeforeACrashIsNotLost) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("log_test_crash_" + std::to_string(::getpid()) + ".log");
  EXPECT_EXIT(
      {
        std::FILE* out = std::fopen(path.c_str(), "w");
        if (out == nullptr) std::_Exit(3);
        setOutput(out);
        setFormat(Format::kText);
        error("t", "logged before the crash");
        std::abort();
      },
      testing::KilledBySignal(SIGABRT), "");
  std::FILE* in = std::fopen(path.c_str(), "r");
  ASSERT_NE(in, nullptr);
  const std::string text = readAll(in);
  std::fclose(in);
  std::filesystem::remove(path);
  EXPECT_NE(text.find(" error t: logged before the crash\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace gw::log
