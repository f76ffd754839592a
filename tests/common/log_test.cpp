// log::formatLine and log::write: JSON lines parse whatever the message holds (quotes,
// control characters, bytes that are not UTF-8), text lines cannot be split by a peer.
#include "common/log.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include <rapidjson/document.h>

#include "common/json.hpp"

namespace gw::log {
namespace {

constexpr std::string_view kTime = "2026-01-02T03:04:05.678Z";

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
  EXPECT_STREQ(doc["time"].GetString(), kTime.data());
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

}  // namespace
}  // namespace gw::log
